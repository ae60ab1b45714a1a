import { parseAppMetricsSpec } from '../services/agent/src/index.js';
import { keelson } from '../services/cli/src/test-fixtures/run-cli.js';
import {
  createExperiment,
  experimentSettled,
  getExperiment,
  onBaseline,
  quickExperimentEnv,
  runningOn,
  type ExperimentView,
} from './support/experiments.js';
import { startFleetInGroup, type TestFleet } from './support/fleet.js';
import { channelsOf, eventually, readyProbe, waitForRollout } from './support/operator.js';
import { startedEarly } from './support/started-together.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

/** `experiment show`'s side-by-side rows: per `metric arm`, its figures (mean, p50, p95, samples, devices); per test, its line. */
function shownEvidence(stdout: string): { arms: Map<string, number[]>; tests: Map<string, string[]> } {
  const arms = new Map<string, number[]>();
  const tests = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s+/);
    if (cells[1] === 'candidate' || cells[1] === 'control') arms.set(`${cells[0]} ${cells[1]}`, cells.slice(2).map(Number));
    if (cells[0] === 'primary' || cells[0] === 'guardrail') tests.set(`${cells[0]} ${cells[1]}`, cells.slice(2));
  }
  return { arms, tests };
}

// Each version's simulated application: 2.0.0 is surely more confident at the same latency; 3.0.0 is
// as confident as 1.0.0 but half again as slow; 4.0.0 is 1.0.0 again. Windows of 2 s, a look of 3 s, a tick of 1 s.
const appMetrics = {
  metrics: parseAppMetricsSpec(
    'confidence_mean=normal(0.80,0.02)@1.0.0,normal(0.90,0.02)@2.0.0,normal(0.80,0.02)@3.0.0,normal(0.80,0.02)@4.0.0;' +
      'latency_ms=normal(40,2)@1.0.0,normal(40,2)@2.0.0,normal(60,2)@3.0.0,normal(40,2)@4.0.0',
  ),
  windowSeconds: 2,
  scrapeSeconds: 1,
};

/** A promotion moves `stable` and rolls the candidate out to the rest of the group in one wave. */
const onSuccess = { promote: 'stable', thenRollout: { strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 } } };

// Issue 14 item 3: the decision loop judges the arms on the devices' own metric windows and acts on
// its verdict without a person: a better candidate is promoted, one that breaks a guardrail is aborted.
describe('experiments decided on device metrics', () => {
  let platform: TestPlatform;
  const fleets: TestFleet[] = [];
  const decided = (id: string) => experimentSettled(platform, id);

  /** A fleet of four (own name prefix, own group) all on `name@1.0.0`, then an experiment of `name@candidate` on half of it. */
  async function experimentOn(
    name: string,
    candidate: string,
    plan: { maxDurationSeconds?: number; alpha?: number } = {},
  ): Promise<{ fleet: TestFleet; experiment: ExperimentView }> {
    const fleet = await startFleetInGroup(platform, name, { count: 4, namePrefix: `${name}-`, appMetrics });
    fleets.push(fleet);
    await onBaseline(platform, name, name, candidate);
    const experiment = await createExperiment(platform, {
      candidate: `${name}@${candidate}`,
      baseline: `${name}@1.0.0`,
      group: name,
      split: 50,
      primary: 'confidence_mean:higher',
      guardrails: ['latency_ms:max+10%'],
      minSamples: 20,
      maxDurationSeconds: 600,
      probe: readyProbe,
      onSuccess,
      ...plan,
    });
    return { fleet, experiment };
  }

  const cli = (...args: string[]) => keelson(platform.apiUrl, platform.adminToken, ...args);
  const show = async (id: string) => shownEvidence((await cli('experiment', 'show', id)).stdout);

  /** The verdict was made on the numbers of the loop's last look, and the event keeps them all. */
  function expectAudited(ended: ExperimentView): void {
    const { judgedAt, ...look } = ended.lastLook!;
    expect(Date.parse(judgedAt)).toBeGreaterThan(0);
    expect(ended.decision!.evidence).toEqual(look);
  }

  const running = (fleet: TestFleet, name: string, deviceId: string) => runningOn(fleet.devices, name, deviceId);
  /** Stops a fleet whose experiment has nothing more to say. */
  const retire = async (fleet: TestFleet) => {
    if (fleets.includes(fleet)) fleets.splice(fleets.indexOf(fleet), 1);
    await fleet.stop();
  };
  let slowExperiment: () => ReturnType<typeof experimentOn>;

  beforeAll(async () => {
    platform = await startTestPlatform({ serviceEnv: quickExperimentEnv });
    // The guardrail case's experiment, on a fleet and group of its own, runs while the first case's does.
    slowExperiment = startedEarly(() => experimentOn('slow', '3.0.0'));
  }, 240_000);

  afterAll(async () => {
    for (const fleet of fleets) await fleet.stop();
    await platform?.destroy();
  }, 60_000);

  it('promotes a candidate that is surely better on the primary metric, by itself', async () => {
    const { fleet, experiment } = await experimentOn('winner', '2.0.0');
    const ended = await decided(experiment.experimentId);
    expect(ended.decision).toMatchObject({ outcome: 'promote', decidedBy: 'automatic' });
    expect(ended.decision!.evidence!.samples!.candidate).toBeGreaterThanOrEqual(20);
    expect(ended.decision!.evidence!.samples!.control).toBeGreaterThanOrEqual(20);
    expectAudited(ended);
    const { arms, tests } = await show(experiment.experimentId);
    const [candidateMean, , , candidateSamples, candidateDevices] = arms.get('confidence_mean candidate')!;
    const [controlMean, , , controlSamples, controlDevices] = arms.get('confidence_mean control')!;
    expect(candidateMean).toBeGreaterThan(controlMean!); // about 0.90 against 0.80
    expect(candidateMean).toBeCloseTo(0.9, 1);
    expect([candidateSamples, controlSamples].every((n) => n! >= 20)).toBe(true);
    expect([candidateDevices, controlDevices]).toEqual([2, 2]);
    const [difference, low, , state] = tests.get('primary confidence_mean:higher')!; // +0.1, [low, high], better
    expect(Number(difference)).toBeGreaterThan(0);
    expect(Number(low!.replace(/[[,]/g, ''))).toBeGreaterThan(0); // the interval is surely above no difference
    expect(state).toBe('better');
    expect(tests.get('guardrail latency_ms:max+10%')!.at(-1)).toBe('cleared');
    expect(await channelsOf(platform, 'winner')).toEqual([expect.objectContaining({ channel: 'stable', version: '2.0.0' })]);
    expect((await waitForRollout(platform, ended.rollouts.followUp!, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    for (const d of fleet.devices) expect(running(fleet, 'winner', d.deviceId)).toBe('winner 2.0.0');
    await retire(fleet);
  }, 300_000);

  it('aborts a candidate that breaks the latency guardrail, by itself, and reverts its arm', async () => {
    const { fleet, experiment } = await slowExperiment(); // started in beforeAll
    const ended = await decided(experiment.experimentId);
    expect(ended.decision).toMatchObject({ outcome: 'abort', decidedBy: 'automatic', reason: 'guardrail-breached' });
    expectAudited(ended);
    const { arms, tests } = await show(experiment.experimentId);
    expect(arms.get('latency_ms candidate')![0]).toBeGreaterThan(arms.get('latency_ms control')![0]! * 1.1); // about 60 ms against 40
    expect(tests.get('guardrail latency_ms:max+10%')!.at(-1)).toBe('breached');
    expect(await channelsOf(platform, 'slow')).toEqual([]);
    // The arm's rollout is reverted if still under way when the verdict comes, or followed by a rollout of the baseline.
    if (ended.rollouts.revert)
      expect((await waitForRollout(platform, ended.rollouts.revert, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    await eventually('every device back on slow 1.0.0', async () =>
      fleet.devices.every((d) => running(fleet, 'slow', d.deviceId) === 'slow 1.0.0') ? true : undefined,
    );
    await retire(fleet);
  }, 300_000);

  // An equal candidate is neither surely better nor surely worse: at its max duration the loop stops
  // waiting, shows its evidence and leaves the verdict to a person; `experiment watch` follows it all.
  it("ends an equal candidate inconclusive, moves nothing, and carries out a person's promotion", async () => {
    // A small alpha: with equal arms, a false verdict in this short run would be a flake, not a finding.
    const { fleet, experiment } = await experimentOn('equal', '4.0.0', { maxDurationSeconds: 25, alpha: 0.001 });
    const id = experiment.experimentId;
    const watched = await cli('experiment', 'watch', id);
    expect(watched.code).toBe(1);
    const lines = watched.stdout.split('\n');
    // Each new look on a line: the outcome so far, then per test both arms' mean and samples, the difference, its interval, the state.
    const looks = lines.filter((l) => / look: continue \(collecting\) \| confidence_mean:higher candidate /.test(l));
    expect(looks.length).toBeGreaterThanOrEqual(2);
    expect(looks.at(-1)).toMatch(
      /candidate 0\.\d+ \(\d+\) control 0\.\d+ \(\d+\) [+-]?[\d.]+ \[[^\]]+\] undecided \| latency_ms:max\+10% candidate [\d.]+ \(\d+\) control [\d.]+ \(\d+\) /,
    );
    // The verdict with the numbers it was made on, and what the person does next.
    expect(watched.stdout).toMatch(/decided inconclusive \(automatic\): budget-reached/);
    expect(watched.stdout).toMatch(/evidence at .*: inconclusive \(budget-reached\), alpha 0\.001, samples \d+ candidate \/ \d+ control/);
    expect(watched.stdout).toMatch(/primary confidence_mean:higher +[+-]?[\d.]+ +\[[^\]]+\] +undecided/);
    expect(lines.at(-2)).toBe(`ended: inconclusive, waiting for a person: keelson experiment decide ${id} --promote|--abort --reason TEXT`);

    const waiting = await getExperiment(platform, id);
    expect(waiting).toMatchObject({
      status: 'inconclusive',
      settled: false,
      decision: { outcome: 'inconclusive', decidedBy: 'automatic', reason: 'budget-reached' },
    });
    expect(waiting.decision!.evidence!.samples!.candidate).toBeGreaterThan(0);
    expect(waiting.decision!.evidence!.samples!.control).toBeGreaterThan(0);
    expectAudited(waiting);
    // Nothing moved: no channel, the candidate arm keeps the candidate and the control the baseline.
    expect(await channelsOf(platform, 'equal')).toEqual([]);
    expect(waiting.rollouts.followUp).toBeUndefined();
    for (const d of waiting.arms.candidate) expect(running(fleet, 'equal', d)).toBe('equal 4.0.0');
    for (const d of waiting.arms.control) expect(running(fleet, 'equal', d)).toBe('equal 1.0.0');

    const decide = await cli('experiment', 'decide', id, '--promote', '--reason', 'as good, and the newer build');
    expect(decide.code).toBe(0);
    const ended = await decided(id);
    expect(ended).toMatchObject({
      status: 'promoted',
      decision: { outcome: 'promote', decidedBy: 'operator', reason: 'as good, and the newer build' },
    });
    expect(await channelsOf(platform, 'equal')).toEqual([expect.objectContaining({ channel: 'stable', version: '4.0.0' })]);
    expect((await waitForRollout(platform, ended.rollouts.followUp!, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');
    for (const d of fleet.devices) expect(running(fleet, 'equal', d.deviceId)).toBe('equal 4.0.0');
  }, 300_000);
});
