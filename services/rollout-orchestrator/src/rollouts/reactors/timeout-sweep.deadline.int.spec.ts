import { at } from '../../test-fixtures/rollout-history.js';
import { SweepBench } from '../../test-fixtures/timeout-sweep-bench.js';

describe('the timeout sweep against real NATS and PostgreSQL', () => {
  const bench = new SweepBench();
  const { errors, sweepAt, history, createListed } = bench;

  beforeAll(() => bench.start());
  afterAll(() => bench.stop());

  it('times a device out once its deadline passed, once, even with two replicas sweeping after a restart', async () => {
    const rolloutId = 'r-sweeptimeout';
    const canary = await createListed(rolloutId);
    await sweepAt(599).sweep();
    expect((await history(rolloutId)).map((e) => e.type)).not.toContain('DeviceTimedOut');

    await Promise.all([sweepAt(601).sweep(), sweepAt(602).sweep()]);
    const events = await history(rolloutId);
    expect(events.filter((e) => e.type === 'DeviceTimedOut')).toEqual([
      {
        type: 'DeviceTimedOut',
        schemaVersion: 1,
        data: expect.objectContaining({ deviceId: canary, deadline: new Date(Date.parse(at) + 600_000).toISOString() }),
      },
    ]);
    // the halt rule tolerates 5: the timed-out canary does not hold the next wave back
    expect(events.slice(-2)).toMatchObject([
      { type: 'WaveStarted', data: { wave: 1 } },
      { type: 'DevicesAssigned', data: { wave: 1 } },
    ]);
    expect(errors).toEqual([]);
  });
});
