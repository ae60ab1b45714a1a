import { orchestrator } from '@keelson/requests';
import type { Actor } from '@keelson/events';
import type { RequestContext } from '@keelson/service-kit';
import { carryOutVerdict } from '../commands/carry-out-verdict.js';
import { startExperimentRollout } from '../commands/experiment-rollouts.js';
import type { ExperimentDeps } from '../experiment-deps.js';
import { armStatusOf, automaticVerdict, type ArmRollout } from './automatic-verdict.js';
import { judgeExperiment } from './judge-experiment.js';

export interface DecisionLoopOptions {
  deps: ExperimentDeps;
  /** How often to look (`KEELSON_EXPERIMENT_TICK_SECONDS`, default 30 s). */
  everyMs: number;
  /** How much time one look of the sequential test covers (`KEELSON_EXPERIMENT_LOOK_SECONDS`, default 60 s). */
  lookMs: number;
  onError: (err: unknown) => void;
}

const actor: Actor = { kind: 'service', id: 'rollout-orchestrator' };
/** A creation that died between its experiment and its arm rollout is caught up after this long (the request does it first). */
const armCatchUpMs = 60_000;

/**
 * The experiments' timer, single-active: at each tick it judges every running experiment on its arms'
 * merged metrics (`judgeExperiment`) and records a verdict other than `continue`; it carries out the
 * verdicts not yet carried out, and starts an arm rollout a crashed creation left unstarted. Nothing
 * is kept in memory: each tick starts from the streams, so a restart or a failover loses nothing.
 */
export class ExperimentDecisionLoop {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly o: DecisionLoopOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.ticking ??= this.tick()
        .catch(this.o.onError)
        .finally(() => (this.ticking = undefined));
    }, this.o.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  async tick(): Promise<void> {
    for (const { fleet, experimentId } of await this.o.deps.experiments.needingAttention()) {
      try {
        await this.attend(fleet, experimentId);
      } catch (err) {
        this.o.onError(err); // one experiment's trouble does not hold up the others
      }
    }
  }

  private async attend(fleet: string, experimentId: string): Promise<void> {
    const { deps } = this.o;
    const state = await deps.experiments.current(fleet, experimentId);
    if (state.status === 'absent') return;
    const now = deps.clock.now();
    const ctx: RequestContext = { actor, correlationId: `experiment-${experimentId}`, commandId: `loop-${experimentId}` };
    if (state.status !== 'running') return carryOutVerdict(deps, state, ctx);
    const { created, rollouts } = state.facts;
    if (!rollouts.candidate && now.getTime() - Date.parse(created.createdAt) >= armCatchUpMs)
      await startExperimentRollout(deps, state, 'candidate', ctx);
    const decision = await judgeExperiment(deps.metrics, state.facts, now, this.o.lookMs);
    // The decision's own numbers, made JSON-safe: shown by `experiment show` and audited on a verdict.
    const evidence = JSON.parse(JSON.stringify(decision)) as Omit<orchestrator.ExperimentLook, 'judgedAt'>;
    const look: orchestrator.ExperimentLook = { judgedAt: now.toISOString(), ...evidence };
    await deps.experiments.recordLook(fleet, experimentId, look);
    // Live watchers get the look as it is recorded (the api's experiment stream) instead of asking for it.
    deps.nc.publish(orchestrator.liveLookSubject(deps.naming.subjectPrefix, fleet, experimentId), JSON.stringify(look));
    const arm = rollouts.candidate ? await deps.rollouts.current(fleet, rollouts.candidate) : undefined;
    const armRollout = arm && arm.status !== 'absent' ? (arm as ArmRollout) : undefined;
    const verdict = automaticVerdict(
      decision,
      armRollout,
      now.getTime() - Date.parse(created.createdAt),
      created.plan.maxDurationSeconds * 1000,
    );
    if (!verdict) return;
    const candidateRolloutStatus = armRollout ? armStatusOf(armRollout) : undefined;
    const command = {
      type: 'DecideExperiment' as const,
      fleet,
      experimentId,
      ...verdict,
      decidedBy: 'automatic' as const,
      evidence: { ...evidence },
      at: now.toISOString(),
      candidateRolloutStatus,
    };
    const meta = { actor, correlationId: ctx.correlationId, commandId: `loop-${experimentId}-${verdict.outcome}` };
    const decided = await deps.experiments.execute(command, meta);
    await carryOutVerdict(deps, decided.state, ctx);
  }
}
