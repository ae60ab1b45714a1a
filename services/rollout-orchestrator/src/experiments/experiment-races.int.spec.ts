import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { RuleViolation } from '@keelson/domain-kit';
import { applyStreams, eventStreams, EventStore } from '@keelson/event-store';
import { parseExperimentEvent, type ExperimentEvent } from '@keelson/events';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import type { ExperimentCommand } from './domain/experiment.decide.js';
import { Experiments } from './experiments.js';

const fleet = 'plant-7';
const at = '2026-12-07T10:00:00.000Z';

// Two `Experiments` over one stream: two orchestrator replicas, or a person racing the decision loop.
describe('experiment verdicts racing, against real NATS', () => {
  const naming = testNamespace();
  let nc: NatsConnection;
  let tdb: TestDatabase;
  let db: Database;
  let store: EventStore<ExperimentEvent>;
  let replicas: [Experiments, Experiments];
  let n = 0;
  const meta = () => ({ actor: { kind: 'operator' as const, id: `ada-${n}` }, correlationId: 'c', commandId: `race-${++n}` });

  beforeAll(async () => {
    nc = await connectTestNats();
    await applyStreams(await jetstreamManager(nc), naming, [eventStreams.orchestrator]);
    tdb = await createTestDatabase();
    db = await openDatabase({ url: tdb.url });
    store = new EventStore({ nc, naming, stream: eventStreams.orchestrator, parse: parseExperimentEvent });
    replicas = [new Experiments(store, db), new Experiments(store, db)];
  });
  afterAll(async () => {
    await db?.close();
    await nc?.close();
    await tdb?.drop();
  });

  const create = (experimentId: string): ExperimentCommand => ({
    type: 'CreateExperiment',
    fleet,
    experimentId,
    at,
    candidateName: 'yolo-v8n',
    baselineName: 'yolo-v8n',
    candidate: '2.2.0',
    baseline: '2.1.0',
    groupId: 'g-1',
    split: 20,
    plan: { primary: 'confidence_mean:higher', guardrails: [], alpha: 0.05, minSamples: 100, maxDurationSeconds: 60 },
    probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 5, attempts: 1, initialDelaySeconds: 0 },
    strategy: { waves: [{ percent: 100, gate: 'auto' }], maxFailures: 0 },
    onSuccess: {},
    arms: { candidate: ['d-1'], control: ['d-2'], untouched: 0 },
  });
  const verdict = (
    experimentId: string,
    outcome: 'promote' | 'abort' | 'inconclusive',
    decidedBy: 'operator' | 'automatic',
  ): ExperimentCommand => ({
    type: 'DecideExperiment',
    fleet,
    experimentId,
    outcome,
    decidedBy,
    reason: 'race',
    at,
    candidateRolloutStatus: 'succeeded',
  });
  const decisions = async (experimentId: string) =>
    (await store.load(store.subject('experiment', fleet, experimentId))).events
      .map((r) => r.event)
      .filter((e) => e.type === 'ExperimentDecided');

  it('promote racing abort: exactly one verdict is recorded, the other is refused', async () => {
    for (let round = 0; round < 4; round++) {
      const experimentId = `x-race${round}`;
      await replicas[0].execute(create(experimentId), meta());
      const results = await Promise.allSettled([
        replicas[0].execute(verdict(experimentId, 'promote', 'operator'), meta()),
        replicas[1].execute(verdict(experimentId, 'abort', 'operator'), meta()),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(RuleViolation);
      expect((refused.reason as RuleViolation).code).toBe('experiment.ended');
      expect(await decisions(experimentId)).toHaveLength(1);
    }
  });

  it("the loop's inconclusive racing a person's abort: the person's verdict stands", async () => {
    for (let round = 0; round < 4; round++) {
      const experimentId = `x-loop${round}`;
      await replicas[0].execute(create(experimentId), meta());
      await Promise.all([
        replicas[0].execute(verdict(experimentId, 'inconclusive', 'automatic'), meta()),
        replicas[1].execute(verdict(experimentId, 'abort', 'operator'), meta()),
      ]);
      const state = await replicas[0].current(fleet, experimentId);
      expect(state.status).toBe('aborted');
    }
  });
});
