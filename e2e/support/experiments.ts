import type { SimulatedDevice } from '../../services/agent/src/index.js';
import { keptOnDevice } from './fleet.js';
import { eventually, publishArtifact, rollOut } from './operator.js';
import type { TestPlatform } from './test-platform.js';

// What the experiment specs do and read through the operator API: an arm's baseline, the experiment
// as the api shows it, the waits for its verdict, and what each device runs.

/** `GET /v1/experiments/:id`, the fields the specs read. */
export interface ExperimentView {
  experimentId: string;
  status: string;
  settled: boolean;
  arms: { candidate: string[]; control: string[]; untouchedCount: number };
  rollouts: { candidate?: string; followUp?: string; revert?: string };
  decision?: { outcome: string; decidedBy: string; reason: string; evidence?: { samples?: { candidate: number; control: number } } };
  lastLook?: { judgedAt: string; outcome: string } & Record<string, unknown>;
}

/** Decision loop and metrics on a short clock: a tick of 1 s, looks of 3 s, the gateway's metric windows refilled every 500 ms. */
export const quickExperimentEnv = {
  'rollout-orchestrator': { KEELSON_EXPERIMENT_TICK_SECONDS: '1', KEELSON_EXPERIMENT_LOOK_SECONDS: '3' },
  'device-gateway': { KEELSON_METRICS_REFILL_MS: '500' },
};

export async function getExperiment(platform: TestPlatform, id: string): Promise<ExperimentView> {
  return (await platform.api<ExperimentView>(`/v1/experiments/${id}`)).body;
}

/** Waits until the experiment's view passes `check` (`what` names it in the failure) and returns that view. */
export function experimentUntil(
  platform: TestPlatform,
  id: string,
  what: string,
  check: (view: ExperimentView) => boolean,
  ms = 90_000,
): Promise<ExperimentView> {
  return eventually(
    `experiment ${id} ${what}`,
    async () => {
      const view = await getExperiment(platform, id);
      return check(view) ? view : undefined;
    },
    ms,
  );
}

/** Waits until the experiment has a verdict and has carried it out (settled). */
export function experimentSettled(platform: TestPlatform, id: string, ms = 120_000): Promise<ExperimentView> {
  return experimentUntil(platform, id, 'decided and carried out', (view) => view.status !== 'running' && view.settled, ms);
}

/** `POST /v1/experiments`, asserting it was created (201). */
export async function createExperiment(platform: TestPlatform, body: Record<string, unknown>): Promise<ExperimentView> {
  const created = await platform.api<ExperimentView>('/v1/experiments', { body });
  expect(created.status).toBe(201);
  return created.body;
}

/** `name@1.0.0` on the whole of `group` (the baseline) and `name@candidate` published (the candidate). */
export async function onBaseline(platform: TestPlatform, group: string, name: string, candidate = '2.0.0'): Promise<void> {
  expect((await rollOut(platform, group, name, '1.0.0')).status).toBe('succeeded');
  await publishArtifact(platform, { name, version: candidate, bytes: `${name} ${candidate}\n${'weights '.repeat(1000)}` });
}

/** The first line of what device `deviceId` (one of `devices`) runs as `name`: `name version`, or null. */
export function runningOn(devices: readonly SimulatedDevice[], name: string, deviceId: string): string | null {
  return keptOnDevice(
    devices.find((d) => d.deviceId === deviceId)!,
    name,
    '',
  ).active;
}
