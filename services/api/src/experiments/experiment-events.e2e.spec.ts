import { orchestrator } from '@keelson/requests';
import { eventually } from '@keelson/testing';
import { readSse, type SseItem } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

const fleet = 'yard-9';
const test = {
  metric: 'confidence_mean',
  rule: 'higher',
  verdict: 'undecided' as const,
  candidate: null,
  control: null,
  estimate: null,
  low: null,
  high: null,
  pValue: 1,
  looks: 0,
};
const look = (judgedAt: string, candidateSamples: number): orchestrator.ExperimentLook => ({
  judgedAt,
  outcome: 'continue',
  reason: 'collecting',
  alpha: 0.05,
  samples: { candidate: candidateSamples, control: 0 },
  elapsedMs: 0,
  primary: test,
  guardrails: [],
  devices: { candidate: {}, control: {} },
});
const running: orchestrator.ExperimentView = {
  fleet,
  experimentId: 'x-live',
  artifactName: 'yolo',
  candidate: '2.0.0',
  baseline: '1.0.0',
  groupId: 'g-1',
  split: 50,
  plan: { primary: 'confidence_mean:higher', guardrails: [], alpha: 0.05, minSamples: 100, maxDurationSeconds: 60 },
  onSuccess: {},
  createdAt: '2026-12-07T10:00:00.000Z',
  status: 'running',
  settled: false,
  arms: { candidate: [], control: [], untouchedCount: 0 },
  rollouts: {},
  lastLook: look('2026-12-07T10:00:02.000Z', 1),
};

describe('the experiment live stream (GET /v1/experiments/:id/events)', () => {
  let t: ApiTestApp;
  beforeAll(async () => {
    t = await startApiApp();
    t.orchestrator.experiments.push(running);
  });
  afterAll(() => t.close());

  /** Publishes a look as the orchestrator's decision loop does when it records one. */
  const publish = (l: orchestrator.ExperimentLook) =>
    t.nc.publish(orchestrator.liveLookSubject(t.naming.subjectPrefix, fleet, 'x-live'), JSON.stringify(l));

  it('sends the snapshot with the latest look, then each look as it is published, new figures only, in the order taken', async () => {
    const abort = new AbortController();
    const res = await fetch(`${t.url}/v1/experiments/x-live/events?fleet=${fleet}`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const items = readSse(res);
    const next = async (): Promise<SseItem> => {
      for (;;) {
        const { value } = await items.next();
        if (value?.event) return value;
      }
    };
    expect(await next()).toMatchObject({ event: 'snapshot', data: { experimentId: 'x-live', lastLook: { samples: { candidate: 1 } } } });
    // The stream listens before it asks for the latest look once more: wait for that read, then publish.
    await eventually(async () => t.orchestrator.experimentReads >= 2);
    publish(look('2026-12-07T10:00:04.000Z', 1)); // the same figures again: nothing new to show
    publish(look('2026-12-07T10:00:06.000Z', 5));
    publish(look('2026-12-07T10:00:05.000Z', 3)); // taken before the last one sent: late, dropped
    publish(look('2026-12-07T10:00:08.000Z', 9));
    expect(await next()).toMatchObject({ event: 'look', data: { judgedAt: '2026-12-07T10:00:06.000Z', samples: { candidate: 5 } } });
    expect(await next()).toMatchObject({ event: 'look', data: { judgedAt: '2026-12-07T10:00:08.000Z', samples: { candidate: 9 } } });
    abort.abort();
    // Read when the stream opened (the view, then the latest look once): never polled while it was open.
    expect(t.orchestrator.experimentReads).toBe(2);
  });
});
