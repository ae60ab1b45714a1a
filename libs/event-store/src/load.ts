import { JetStreamApiError, JetStreamError, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';

const noMessageFound = 10037;
const pageSize = 256;

/**
 * Reads every message of `subject` after `afterSeq`, in order, with direct batch gets
 * (no consumer is created per load). Returns them and the last sequence seen.
 */
export async function readSubject(jsm: JetStreamManager, stream: string, subject: string, afterSeq = 0): Promise<StoredMsg[]> {
  const out: StoredMsg[] = [];
  let next = afterSeq + 1;
  for (;;) {
    let got = 0;
    let pending = 0;
    try {
      const page = await jsm.direct.getBatch(stream, { seq: next, next_by_subj: subject, batch: pageSize });
      for await (const m of page) {
        out.push(m);
        next = m.seq + 1;
        pending = m.pending;
        got++;
      }
    } catch (err) {
      if (isNoMessageFound(err)) break;
      throw err;
    }
    if (got === 0 || pending === 0) break;
  }
  return out;
}

/** A direct get found nothing (more) to read: an API error or a 404 status, depending on where it is noticed. */
export function isNoMessageFound(err: unknown): boolean {
  if (err instanceof JetStreamApiError && err.code === noMessageFound) return true;
  return err instanceof JetStreamError && (err as { code?: unknown }).code === 404;
}
