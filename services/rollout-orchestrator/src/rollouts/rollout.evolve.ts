import type { ArtifactRef, Probe, RolloutEvent, Strategy, TerminalDeviceState } from '@keelson/events';
import { coveredBy } from './wave-plan.js';

/** What a rollout was created with and what has happened to its devices so far. */
export interface RolloutFacts {
  fleet: string;
  rolloutId: string;
  artifact: ArtifactRef;
  groupId: string;
  probe: Probe;
  strategy: Strategy;
  /** The rollout's devices in wave order, fixed at creation. */
  deviceIds: string[];
  createdAt: string;
  /** How many waves have started (wave numbers 0 .. startedWaves-1). */
  startedWaves: number;
  approvedWaves: number[];
  outcomes: Record<string, { state: TerminalDeviceState; reason?: string }>;
  /** Devices that are no longer live targets (decommissioned, refused by the gateway): never waited for or counted. */
  excluded: string[];
  /** Failures an operator acknowledged by resuming; only failures beyond these count against the halt rule. */
  acknowledgedFailures: number;
}

/** Where a rollout is in its life. */
export type RolloutPhase =
  | { status: 'running' }
  | { status: 'awaiting-approval'; wave: number }
  | { status: 'halted'; reason: string; automatic: boolean; haltedAt: string }
  | { status: 'aborted'; mode: 'keep' | 'revert'; abortedAt: string }
  | { status: 'finished'; outcome: 'succeeded' | 'failed'; finishedAt: string };

export type Rollout = { status: 'absent' } | (RolloutPhase & { facts: RolloutFacts });
export type LiveRollout = Exclude<Rollout, { status: 'absent' }>;

export const initialState = (): Rollout => ({ status: 'absent' });

/** Devices of the waves that have started: the ones assigned the artifact. */
export function assignedDevices(facts: RolloutFacts): string[] {
  return facts.startedWaves === 0 ? [] : facts.deviceIds.slice(0, coveredBy(facts.strategy, facts.startedWaves - 1, facts.deviceIds.length));
}

/** Devices still targeted: every device of the rollout but the excluded ones. */
export function isLive(facts: RolloutFacts, deviceId: string): boolean {
  return !facts.excluded.includes(deviceId);
}

/** Devices that ended `rolled_back` or `failed`. */
export function failureCount(facts: RolloutFacts): number {
  return Object.values(facts.outcomes).filter((o) => o.state !== 'healthy').length;
}

const withPhase = (state: LiveRollout, phase: RolloutPhase): Rollout => ({ ...phase, facts: state.facts });
const withFacts = (state: LiveRollout, facts: Partial<RolloutFacts>): LiveRollout => ({ ...state, facts: { ...state.facts, ...facts } }) as LiveRollout;

/** Folds one event into the state; total, and ignores what does not apply. */
export function evolve(state: Rollout, event: RolloutEvent): Rollout {
  if (event.type === 'RolloutCreated') {
    if (state.status !== 'absent') return state;
    const { fleet, rolloutId, artifact, groupId, probe, strategy, deviceIds, createdAt } = event.data;
    const facts: RolloutFacts = {
      fleet, rolloutId, artifact, groupId, probe, strategy, deviceIds, createdAt,
      startedWaves: 0, approvedWaves: [], outcomes: {}, excluded: [], acknowledgedFailures: 0,
    };
    return { status: 'running', facts };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'WaveStarted': {
      const next = withFacts(state, { startedWaves: Math.max(state.facts.startedWaves, event.data.wave + 1) });
      return state.status === 'awaiting-approval' ? withPhase(next, { status: 'running' }) : next;
    }
    case 'WaveAwaitingApproval':
      return withPhase(state, { status: 'awaiting-approval', wave: event.data.wave });
    case 'WaveApproved': {
      const next = withFacts(state, { approvedWaves: [...new Set([...state.facts.approvedWaves, event.data.wave])] });
      return state.status === 'awaiting-approval' ? withPhase(next, { status: 'running' }) : next;
    }
    case 'DeviceOutcomeRecorded': {
      const { deviceId, state: outcome, reason } = event.data;
      return withFacts(state, { outcomes: { ...state.facts.outcomes, [deviceId]: reason === undefined ? { state: outcome } : { state: outcome, reason } } });
    }
    case 'DeviceExcluded':
      return state.facts.excluded.includes(event.data.deviceId) ? state : withFacts(state, { excluded: [...state.facts.excluded, event.data.deviceId] });
    case 'RolloutHalted':
      return withPhase(state, { status: 'halted', reason: event.data.reason, automatic: event.data.automatic, haltedAt: event.data.haltedAt });
    case 'RolloutResumed': {
      // Resuming acknowledges the failures seen so far (spec: "acknowledge failures and resume").
      return withPhase(withFacts(state, { acknowledgedFailures: failureCount(state.facts) }), { status: 'running' });
    }
    case 'RolloutAborted':
      return withPhase(state, { status: 'aborted', mode: event.data.mode, abortedAt: event.data.abortedAt });
    case 'RolloutFinished':
      return withPhase(state, { status: 'finished', outcome: event.data.outcome, finishedAt: event.data.finishedAt });
    default:
      return state;
  }
}
