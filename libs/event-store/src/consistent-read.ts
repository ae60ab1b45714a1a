import type { JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { readSubject } from './load.js';

/**
 * A replicated stream's direct gets are answered by any replica, followers included, and a follower
 * joins them once it is 90 % caught up (nats-server `jetstream_cluster.go`, "enabling direct gets"):
 * right after an append, or for a while after a node restarts, a load can miss the newest events.
 * (nats-server has a `JSStreamMinLastSeqErr` code but no `min_last_seq` on direct gets yet.) Measured
 * on a healthy three-node cluster, 5 % of reads sent right after an append missed it.
 *
 * A load that must see the newest events reads on until it has seen a sequence it knows was stored:
 * its own append's (read your writes), or the stream leader's last one of the subject (`STREAM.MSG.GET`,
 * answered by the leader only). A replica still behind after a few seconds is a broker briefly
 * unavailable, not a fault: `StaleReadError` (service-kit answers it as `Unavailable`, try again).
 */
export class StaleReadError extends Error {
  override readonly name = 'StaleReadError';

  constructor(stream: string, subject: string, through: number, seen: number) {
    super(`stream ${stream}: the replica answering reads of ${subject} stayed behind sequence ${through} (at ${seen})`);
  }
}

/** How long a read waits for a replica to catch up: pauses of 10, 20, 40 … ms, about 5 s in all. */
const catchUpPauses = [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The subjects' messages after `afterSeq`, in stream order. */
export async function readSubjects(jsm: JetStreamManager, stream: string, subjects: string[], afterSeq: number): Promise<StoredMsg[]> {
  if (subjects.length === 1) return readSubject(jsm, stream, subjects[0]!, afterSeq);
  const all = await Promise.all(subjects.map((s) => readSubject(jsm, stream, s, afterSeq)));
  return all.flat().sort((a, b) => a.seq - b.seq);
}

/** The last sequence of any of `subjects` as the stream's leader has it (0: none). */
export async function leaderLastSeq(jsm: JetStreamManager, stream: string, subjects: string[]): Promise<number> {
  const last = await Promise.all(subjects.map(async (s) => (await jsm.streams.getMessage(stream, { last_by_subj: s }))?.seq ?? 0));
  return Math.max(0, ...last);
}

/**
 * The messages after `afterSeq` up to at least `through`: `first` (already read) and what later reads
 * find, asked again while the answering replica is behind. Throws StaleReadError when it stays behind.
 */
export async function readThrough(
  jsm: JetStreamManager,
  stream: string,
  subjects: string[],
  afterSeq: number,
  through: number,
  first: StoredMsg[],
): Promise<StoredMsg[]> {
  const messages = [...first];
  const lastSeen = () => messages.at(-1)?.seq ?? afterSeq;
  for (const ms of catchUpPauses) {
    if (lastSeen() >= through) return messages;
    await pause(ms);
    messages.push(...(await readSubjects(jsm, stream, subjects, lastSeen())));
  }
  if (lastSeen() >= through) return messages;
  throw new StaleReadError(stream, subjects[0]!, through, lastSeen());
}
