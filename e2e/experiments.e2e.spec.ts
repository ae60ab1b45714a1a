import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import { createExperiment, experimentUntil, onBaseline, runningOn, type ExperimentView } from './support/experiments.js';
import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import {
  auditOf,
  channelsOf,
  createGroup,
  createRollout,
  eventually,
  publishArtifact,
  readyProbe,
  rolloutBody,
  waitForRollout,
} from './support/operator.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

// Issue 14 item 2: a candidate against the baseline on a split of one group, installed by an ordinary
// rollout; a person's verdict (promote moves the channel, abort reverts the arm); no metrics -> inconclusive.
describe('experiments', () => {
  let platform: TestPlatform;
  let fleet: TestFleet;
  const cli = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);
  const running = (name: string, deviceId: string) => runningOn(fleet.devices, name, deviceId);
  const request = (name: string, extra: Record<string, unknown> = {}) => ({
    candidate: `${name}@2.0.0`,
    baseline: `${name}@1.0.0`,
    group: 'plant-7',
    split: 34,
    primary: 'confidence_mean:higher',
    guardrails: ['latency_p95_ms:max+10%'],
    minSamples: 100,
    maxDurationSeconds: 3600,
    probe: readyProbe,
    ...extra,
  });

  /** `name@1.0.0` on the whole group (the baseline) and `name@2.0.0` published (the candidate). */
  const onBaselineOf = (name: string) => onBaseline(platform, 'plant-7', name);

  /** Creates an experiment and waits until its candidate arm is installed. */
  async function armInstalled(name: string, extra: Record<string, unknown> = {}): Promise<ExperimentView> {
    const created = await createExperiment(platform, request(name, extra));
    expect(created.rollouts.candidate).toBeDefined();
    expect((await waitForRollout(platform, created.rollouts.candidate!, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    return created;
  }

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv: { 'rollout-orchestrator': { KEELSON_EXPERIMENT_TICK_SECONDS: '1' } } });
    fleet = await startFleetInGroup(platform, 'plant-7', { count: 6 });
    await createGroup(platform, 'bay-b', ['sim-5', 'sim-6']);
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
  }, 60_000);

  it('refuses bad input and a group in another rollout, recording nothing', async () => {
    await onBaselineOf('refused');
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ split: 51 }, 400, 'body.invalid'],
      [{ baseline: 'other@1.0.0' }, 400, 'artifact.not-found'],
      [{ primary: 'confidence_mean' }, 400, 'experiment.bad-primary'],
      [{ guardrails: ['latency_p95_ms:max-10%'] }, 400, 'experiment.bad-guardrail'],
      [{ group: 'nowhere' }, 400, 'group.not-found'],
    ];
    for (const [extra, status, code] of refusals) {
      const res = await platform.api<{ error: { code: string } }>('/v1/experiments', { body: request('refused', extra) });
      expect([res.status, res.body.error.code]).toEqual([status, code]);
    }
    // bay-b's devices wait at a manual gate of another rollout: the group is busy
    await publishArtifact(platform, { name: 'busy', version: '1.0.0', bytes: `busy 1.0.0\n${'weights '.repeat(1000)}` });
    const busy = await createRollout(platform, rolloutBody('busy@1.0.0', 'bay-b', readyProbe, [50, 100], { gates: ['auto', 'manual'] }));
    await waitForRollout(platform, busy.rolloutId, ['awaiting-approval']);
    const res = await platform.api<{ error: { code: string; message: string } }>('/v1/experiments', {
      body: request('refused', { group: 'bay-b' }),
    });
    expect([res.status, res.body.error.code]).toEqual([409, 'experiment.group-busy']);
    expect(res.body.error.message).toContain(busy.rolloutId);
    expect((await platform.api<{ items: unknown[] }>('/v1/experiments')).body.items).toEqual([]);
    await platform.api(`/v1/rollouts/${busy.rolloutId}/abort`, { body: { mode: 'keep' } });
  }, 240_000);

  it('installs the candidate on its arm only, and a promotion moves the channel and rolls out to the rest', async () => {
    await onBaselineOf('yolo-v8n');
    const created = await cli(
      ...(
        'experiment create --candidate yolo-v8n@2.0.0 --baseline yolo-v8n@1.0.0 --group plant-7 --split 34 --primary confidence_mean:higher' +
        ' --guardrail latency_p95_ms:max+10% --min-samples 100 --max-duration 2h --probe file:/run/app/ready --probe-timeout 5' +
        ' --on-success promote:stable --then-rollout --waves 50,100 --json'
      ).split(' '),
    );
    expect(created.stderr).toBe('');
    const experiment = created.json() as ExperimentView;
    const { candidate, control } = experiment.arms;
    expect([candidate.length, control.length, experiment.arms.untouchedCount]).toEqual([2, 2, 2]);
    expect((await waitForRollout(platform, experiment.rollouts.candidate!, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    const untouched = fleet.devices.map((d) => d.deviceId).filter((d) => !candidate.includes(d) && !control.includes(d));
    for (const d of candidate) expect(running('yolo-v8n', d)).toBe('yolo-v8n 2.0.0');
    for (const d of [...control, ...untouched]) expect(running('yolo-v8n', d)).toBe('yolo-v8n 1.0.0');

    const decided = await cli(
      'experiment',
      'decide',
      experiment.experimentId,
      '--promote',
      '--reason',
      'confidence up, latency flat',
      '--json',
    );
    expect(decided.json()).toMatchObject({
      status: 'promoted',
      settled: true,
      decision: { outcome: 'promote', decidedBy: 'operator', reason: 'confidence up, latency flat' },
    });
    expect(await channelsOf(platform, 'yolo-v8n')).toEqual([expect.objectContaining({ channel: 'stable', version: '2.0.0' })]);
    const followUp = (decided.json() as ExperimentView).rollouts.followUp!;
    expect((await waitForRollout(platform, followUp, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    for (const d of [...control, ...untouched]) expect(running('yolo-v8n', d)).toBe('yolo-v8n 2.0.0');
    const audit = await eventually('the verdict audited', async () => {
      const entries = await auditOf(platform, 'type=ExperimentDecided');
      return entries.length > 0 ? entries : undefined;
    });
    expect(audit[0]).toMatchObject({ keelsonactor: expect.stringMatching(/^operator:/), data: { reason: 'confidence up, latency flat' } });
    expect((await cli('experiment', 'show', experiment.experimentId)).stdout).toContain('decided promote by operator');
  }, 300_000);

  it('reverts the candidate arm to the baseline on abort', async () => {
    await onBaselineOf('abort-me');
    const experiment = await armInstalled('abort-me');
    for (const d of experiment.arms.candidate) expect(running('abort-me', d)).toBe('abort-me 2.0.0');
    const aborted = await platform.api<ExperimentView>(`/v1/experiments/${experiment.experimentId}/decide`, {
      body: { outcome: 'abort', reason: 'latency worse' },
    });
    expect(aborted.body).toMatchObject({ status: 'aborted', settled: true });
    expect((await waitForRollout(platform, aborted.body.rollouts.revert!, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    for (const d of experiment.arms.candidate) expect(running('abort-me', d)).toBe('abort-me 1.0.0');
    const again = await platform.api<{ error: { code: string } }>(`/v1/experiments/${experiment.experimentId}/decide`, {
      body: { outcome: 'promote', reason: 'changed my mind' },
    });
    expect([again.status, again.body.error.code]).toEqual([409, 'experiment.ended']);
  }, 300_000);

  it('ends inconclusive at its max duration when no metrics arrive, and never promotes', async () => {
    await onBaselineOf('no-data');
    const experiment = await armInstalled('no-data', { maxDurationSeconds: 5, onSuccess: { promote: 'stable' } });
    const ended = await experimentUntil(platform, experiment.experimentId, 'inconclusive', (v) => v.status !== 'running', 60_000);
    expect(ended).toMatchObject({
      status: 'inconclusive',
      decision: { outcome: 'inconclusive', decidedBy: 'automatic', reason: 'budget-reached' },
    });
    expect(ended.decision!.evidence).toMatchObject({ samples: { candidate: 0, control: 0 } });
    expect(await channelsOf(platform, 'no-data')).toEqual([]);
    // still a person's to decide; here it is stopped while someone watches, and the arm keeps what it has
    const watching = cli('experiment', 'watch', experiment.experimentId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const stopped = await cli('experiment', 'stop', experiment.experimentId, '--reason', 'no metrics yet', '--json');
    expect(stopped.json()).toMatchObject({ status: 'stopped', settled: true, stopReason: 'no metrics yet' });
    const watched = await watching;
    expect(watched.code).toBe(1);
    expect(watched.stdout).toContain('decided inconclusive (automatic): budget-reached');
    expect(watched.stdout).toContain(`waiting for a person: keelson experiment decide ${experiment.experimentId} --promote|--abort`); // and it goes on watching
    expect(watched.stdout).toContain('stopped: no metrics yet');
    expect(watched.stdout.trim().split('\n').at(-1)).toBe('ended: stopped');
    for (const d of experiment.arms.candidate) expect(running('no-data', d)).toBe('no-data 2.0.0');
    const listed = await cli('experiment', 'list');
    expect(listed.stdout).toContain(experiment.experimentId);
  }, 240_000);
});
