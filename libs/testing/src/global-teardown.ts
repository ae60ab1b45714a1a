import { rmSync } from 'node:fs';
import { takeHarness } from './harness-state.js';
import { dropRunDatabases } from './test-database.js';

/** Stops what global setup started and removes its files, whatever the tests' outcome. */
export default async function globalTeardown(): Promise<void> {
  const state = takeHarness();
  if (!state) return;
  const errors: unknown[] = [];
  const attempt = async (fn: () => Promise<void>) => fn().catch((err: unknown) => errors.push(err));
  await attempt(() => state.nats.stop());
  if (state.pg) await attempt(() => state.pg!.stop());
  else await attempt(() => dropRunDatabases(state.pgAdminUrl, state.runId));
  rmSync(state.dir, { recursive: true, force: true });
  if (errors.length) throw new AggregateError(errors, 'test harness teardown failed');
}
