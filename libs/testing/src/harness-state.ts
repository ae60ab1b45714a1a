import type { RunningNats, RunningPostgres } from '@keelson/local-infra';

/** What global setup started, kept for global teardown (both run in Jest's parent process). */
export interface HarnessState {
  dir: string;
  runId: string;
  nats: RunningNats;
  pg: RunningPostgres | undefined;
  pgAdminUrl: string;
}

const key = Symbol.for('keelson.test-harness');
type Holder = { [key]?: HarnessState };

export function setHarness(state: HarnessState): void {
  (globalThis as Holder)[key] = state;
}

export function takeHarness(): HarnessState | undefined {
  const state = (globalThis as Holder)[key];
  delete (globalThis as Holder)[key];
  return state;
}
