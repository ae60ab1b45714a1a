import { randomUUID } from 'node:crypto';
import { orchestrator } from '@keelson/requests';
import { NotFound } from '@keelson/domain-kit';
import type { EventStore } from '@keelson/event-store';
import type { RolloutEvent } from '@keelson/events';
import { handlerFor, type RequestHandler } from '@keelson/service-kit';
import type { FakeGateway } from './fake-gateway.js';
import { pageOf } from './fake-page.js';
import type { FakeRegistry } from './fake-registry.js';
import { fakeCreation } from './fake-rollout-creation.js';

type View = orchestrator.RolloutView;

/**
 * The orchestrator's requests over real NATS, backed by memory, appending the rollout's events to
 * the real EV_ROLLOUTS stream so the api's live stream has something true to follow.
 */
export class FakeOrchestrator {
  readonly rollouts = new Map<string, View>();
  /** What each create-rollout, retry-rollout, promote-rollout and set-channel request carried, in order. */
  readonly received: { command: string; input: Record<string, unknown> }[] = [];
  /** What list-experiments answers, as a test put it there. */
  readonly experiments: orchestrator.ExperimentView[] = [];
  /** How many times one experiment was read (get-experiment): a live stream reads it on opening only. */
  experimentReads = 0;
  /** Channel versions by `<fleet>/<artifact>/<channel>`. */
  readonly channels = new Map<string, string>();
  private n = 0;

  constructor(
    private readonly store: EventStore<RolloutEvent>,
    private readonly registry: FakeRegistry,
    private readonly gateway: FakeGateway,
  ) {}

  /** Appends events to a rollout's subject after whatever is there. */
  async append(fleet: string, rolloutId: string, events: RolloutEvent[]): Promise<void> {
    const subject = this.store.subject('rollout', fleet, rolloutId);
    const { lastSeq } = await this.store.load(subject);
    await this.store.append(subject, lastSeq, events, {
      actor: { kind: 'service', id: 'rollout-orchestrator' },
      correlationId: 'fake',
      commandId: randomUUID(),
    });
  }

  private async change(
    fleet: string,
    rolloutId: string,
    patch: Partial<View>,
    event: (r: { fleet: string; rolloutId: string }) => RolloutEvent,
  ): Promise<View> {
    const view = this.rollouts.get(rolloutId);
    if (!view || view.fleet !== fleet) throw new NotFound('rollout', rolloutId);
    Object.assign(view, patch);
    await this.append(fleet, rolloutId, [event({ fleet, rolloutId })]);
    return view;
  }

  private channelsView(fleet: string, artifactName: string): orchestrator.ChannelsView {
    const prefix = `${fleet}/${artifactName}/`;
    const channels = [...this.channels]
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, version]) => ({ channel: k.slice(prefix.length), version, promotedAt: '2026-11-23T09:00:00.000Z' }));
    return { fleet, artifactName, channels };
  }

  handlers(): RequestHandler[] {
    const now = () => new Date().toISOString();
    return [
      handlerFor(orchestrator.createRollout, async (input) => {
        this.received.push({ command: 'create-rollout', input });
        const { view, events } = fakeCreation(
          { registry: this.registry, gateway: this.gateway, channels: this.channels, nextId: () => ++this.n },
          input,
          now(),
        );
        this.rollouts.set(view.rolloutId, view);
        await this.append(view.fleet, view.rolloutId, events);
        return view;
      }),
      handlerFor(orchestrator.retryRollout, async (input) => {
        this.received.push({ command: 'retry-rollout', input });
        const original = this.rollouts.get(input.rolloutId);
        if (!original || original.fleet !== input.fleet) throw new NotFound('rollout', input.rolloutId);
        const view: View = { ...original, rolloutId: `r-${++this.n}-retry`, retryOf: original.rolloutId, createdAt: now() };
        this.rollouts.set(view.rolloutId, view);
        return view;
      }),
      handlerFor(orchestrator.promoteRollout, async (input) => {
        this.received.push({ command: 'promote-rollout', input });
        const rollout = this.rollouts.get(input.rolloutId);
        if (!rollout || rollout.fleet !== input.fleet) throw new NotFound('rollout', input.rolloutId);
        this.channels.set(`${input.fleet}/${rollout.artifact.name}/${input.channel}`, rollout.artifact.version);
        return this.channelsView(input.fleet, rollout.artifact.name);
      }),
      handlerFor(orchestrator.setChannel, async (input) => {
        this.received.push({ command: 'set-channel', input });
        this.channels.set(`${input.fleet}/${input.artifactName}/${input.channel}`, input.version);
        return this.channelsView(input.fleet, input.artifactName);
      }),
      handlerFor(orchestrator.listExperiments, async (input) =>
        pageOf(
          this.experiments.filter((e) => e.fleet === input.fleet),
          input,
        ),
      ),
      handlerFor(orchestrator.getExperiment, async ({ fleet, experimentId }) => {
        this.experimentReads++;
        const view = this.experiments.find((e) => e.fleet === fleet && e.experimentId === experimentId);
        if (!view) throw new NotFound('experiment', experimentId);
        return view;
      }),
      handlerFor(orchestrator.listChannels, async ({ fleet, artifactName }) => this.channelsView(fleet, artifactName)),
      handlerFor(orchestrator.getRollout, async ({ fleet, rolloutId }) => {
        const view = this.rollouts.get(rolloutId);
        if (!view || view.fleet !== fleet) throw new NotFound('rollout', rolloutId);
        return view;
      }),
      handlerFor(orchestrator.listRollouts, async ({ fleet, status, limit }) => ({
        items: [...this.rollouts.values()]
          .filter((r) => r.fleet === fleet && (!status || r.status === status))
          .reverse()
          .slice(0, limit),
      })),
      handlerFor(orchestrator.approveWave, async ({ fleet, rolloutId, wave }) =>
        this.change(fleet, rolloutId, { status: 'running' }, (r) => ({
          type: 'WaveApproved',
          schemaVersion: 1,
          data: { ...r, wave: wave ?? 1 },
        })),
      ),
      handlerFor(orchestrator.haltRollout, async ({ fleet, rolloutId, reason }) =>
        this.change(fleet, rolloutId, { status: 'halted', haltReason: reason }, (r) => ({
          type: 'RolloutHalted',
          schemaVersion: 1,
          data: { ...r, reason, automatic: false, haltedAt: now() },
        })),
      ),
      handlerFor(orchestrator.resumeRollout, async ({ fleet, rolloutId }) =>
        this.change(fleet, rolloutId, { status: 'running' }, (r) => ({
          type: 'RolloutResumed',
          schemaVersion: 1,
          data: { ...r, resumedAt: now() },
        })),
      ),
      handlerFor(orchestrator.abortRollout, async ({ fleet, rolloutId, mode }) =>
        this.change(fleet, rolloutId, { status: 'aborted', abortMode: mode }, (r) => ({
          type: 'RolloutAborted',
          schemaVersion: 1,
          data: { ...r, mode, abortedAt: now() },
        })),
      ),
    ];
  }
}
