import { Logger } from '@nestjs/common';
import type { Database } from '@keelson/postgres';
import { numberSetting, type ServiceConfig, type DeclaredWorker } from '@keelson/service-kit';
import { auditChainIntact } from '../audit-log/audit-log.metrics.js';
import { verifyChain, type ChainVerdict } from './verify-chain.js';

/** Seconds between two verifications of the whole chain (`KEELSON_AUDIT_VERIFY_SECONDS`, 0: only on request). */
export function verifySeconds(config: ServiceConfig): number {
  return numberSetting(config, 'KEELSON_AUDIT_VERIFY_SECONDS', { default: 3600, min: 0, max: 7 * 86_400 });
}

/** Verifies the chain and exports the verdict (`keelson_audit_chain_intact`), which an alert watches. */
export async function verifyAndRecord(db: Database): Promise<ChainVerdict> {
  const verdict = await verifyChain(db);
  auditChainIntact().set(verdict.intact ? 1 : 0);
  return verdict;
}

/**
 * Verifies the chain now and then, so a broken chain pages someone without anyone asking. It reads
 * the whole table: the interval is long, and each replica verifies on its own.
 */
export function chainVerificationWorker(db: Database, seconds: number): DeclaredWorker {
  const logger = new Logger('audit-chain');
  let timer: NodeJS.Timeout | undefined;
  const round = () =>
    verifyAndRecord(db).then(
      (v) => v.intact || logger.error(`the audit chain is broken at position ${v.firstBroken?.position} (${v.firstBroken?.problem})`),
      (err: unknown) => logger.error(`verifying the audit chain failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  return {
    name: 'chain verification',
    replicas: 'every-replica', // each replica's own gauge: every scrape target tells whether the chain holds
    start: () => {
      if (seconds === 0) return;
      void round();
      timer = setInterval(() => void round(), seconds * 1000);
      timer.unref();
    },
    stop: () => clearInterval(timer),
  };
}
