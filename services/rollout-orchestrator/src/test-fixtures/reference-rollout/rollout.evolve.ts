// The rollout fold as it was before the device ledger (main at fbafaaf, O(devices) per outcome), kept
// unchanged as the reference that rollout-fold.equivalence.spec.ts compares the current decider with.
import type { ArtifactRef, Probe, RolloutCreated, RolloutEvent, Strategy, TerminalDeviceState } from '@keelson/events';

/** The optional targeting fields of `RolloutCreated` (device names, selector, channel, misfits, supersedes, retryOf). */
export type RolloutTargeting = Omit<
  RolloutCreated['data'],
  'fleet' | 'rolloutId' | 'artifact' | 'groupId' | 'probe' | 'strategy' | 'deviceIds' | 'deviceCount' | 'createdAt'
>;
import { resumedClock, startedClock, stoppedClock, type DeviceClock } from '../../rollouts/domain/device-clock.js';

/** What a rollout was created with and what has happened to its devices so far. */
export interface RolloutFacts {
  fleet: string;
  rolloutId: string;
  artifact: ArtifactRef;
  /** The group the devices came from, if a group was the target. */
  groupId?: string;
  /** How the devices were chosen otherwise, what was left out or taken over, and the rollout retried. */
  targeting: RolloutTargeting;
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
  /** Devices finished when an operator last resumed: the failure rate looks only at the ones after. */
  acknowledgedFinished: number;
  /** The devices assigned so far, each with its per-device timeout clock. */
  clocks: Record<string, DeviceClock>;
  /** The gateway's latest word on a target's reachability; a device it never spoke of counts as reachable. */
  reachability: Record<string, { reachable: boolean; asOfSeq: number }>;
  /** Devices that timed out: their outcome is `failed` with reason `timeout`. */
  timedOut: string[];
  /** Timed-out devices whose late terminal report was recorded (once each). */
  lateReports: string[];
  /** After an abort with `revert`: the revert clocks the gateway's word moved, and the reverts that timed out. */
  revertClocks: Record<string, DeviceClock>;
  revertTimedOut: string[];
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

/** The devices assigned the artifact so far, in rollout order. */
export function assignedDevices(facts: RolloutFacts): string[] {
  return facts.deviceIds.filter((d) => Object.hasOwn(facts.clocks, d));
}

/** Whether the gateway last said the device is reachable (or never said otherwise). */
export function isReachable(facts: RolloutFacts, deviceId: string): boolean {
  return facts.reachability[deviceId]?.reachable !== false;
}

/** Devices still targeted: every device of the rollout but the excluded ones. */
export function isLive(facts: RolloutFacts, deviceId: string): boolean {
  return !facts.excluded.includes(deviceId);
}

/** Devices that ended `rolled_back` or `failed`, timed-out ones included. */
export function failureCount(facts: RolloutFacts): number {
  return Object.values(facts.outcomes).filter((o) => o.state !== 'healthy').length;
}

const withPhase = (state: LiveRollout, phase: RolloutPhase): Rollout => ({ ...phase, facts: state.facts });
const withFacts = (state: LiveRollout, facts: Partial<RolloutFacts>): LiveRollout =>
  ({ ...state, facts: { ...state.facts, ...facts } }) as LiveRollout;

function withAssigned(state: LiveRollout, deviceIds: string[], at: string): LiveRollout {
  const clocks = { ...state.facts.clocks };
  for (const d of deviceIds) clocks[d] ??= startedClock(at, isReachable(state.facts, d));
  return withFacts(state, { clocks });
}

function withReachability(state: LiveRollout, deviceId: string, reachable: boolean, asOfSeq: number, at: string): LiveRollout {
  const { facts } = state;
  if (state.status === 'aborted' && state.mode === 'revert') {
    const revert = facts.revertClocks[deviceId] ?? startedClock(state.abortedAt, isReachable(facts, deviceId));
    const revertClocks = { ...facts.revertClocks, [deviceId]: reachable ? resumedClock(revert, at) : stoppedClock(revert, at) };
    return withFacts(state, { revertClocks, reachability: { ...facts.reachability, [deviceId]: { reachable, asOfSeq } } });
  }
  const clock = facts.clocks[deviceId];
  const clocks = clock ? { ...facts.clocks, [deviceId]: reachable ? resumedClock(clock, at) : stoppedClock(clock, at) } : facts.clocks;
  return withFacts(state, { clocks, reachability: { ...facts.reachability, [deviceId]: { reachable, asOfSeq } } });
}

/** Folds one event into the state; total, and ignores what does not apply. */
export function evolve(state: Rollout, event: RolloutEvent): Rollout {
  if (event.type === 'RolloutCreated') {
    if (state.status !== 'absent') return state;
    const { fleet, rolloutId, artifact, groupId, probe, strategy, deviceIds = [], deviceCount: _, createdAt, ...targeting } = event.data;
    const facts: RolloutFacts = {
      fleet,
      rolloutId,
      artifact,
      ...(groupId === undefined ? {} : { groupId }),
      targeting,
      probe,
      strategy,
      deviceIds,
      createdAt,
      startedWaves: 0,
      approvedWaves: [],
      outcomes: {},
      excluded: [],
      acknowledgedFailures: 0,
      acknowledgedFinished: 0,
      clocks: {},
      reachability: {},
      timedOut: [],
      lateReports: [],
      revertClocks: {},
      revertTimedOut: [],
    };
    return { status: 'running', facts };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'WaveStarted': {
      // WaveStarted events written before `startedAt` existed: the clock counts from the creation.
      const assigned = withAssigned(state, event.data.deviceIds ?? [], event.data.startedAt ?? state.facts.createdAt);
      const next = withFacts(assigned, { startedWaves: Math.max(state.facts.startedWaves, event.data.wave + 1) });
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
      return withFacts(state, {
        outcomes: { ...state.facts.outcomes, [deviceId]: reason === undefined ? { state: outcome } : { state: outcome, reason } },
      });
    }
    case 'DevicesAssigned':
      return withAssigned(state, event.data.deviceIds, event.data.assignedAt);
    case 'DeviceTimedOut': {
      const { deviceId } = event.data;
      const outcomes = { ...state.facts.outcomes, [deviceId]: { state: 'failed' as const, reason: 'timeout' } };
      return withFacts(state, { outcomes, timedOut: [...new Set([...state.facts.timedOut, deviceId])] });
    }
    case 'DeviceRevertTimedOut':
      return withFacts(state, { revertTimedOut: [...new Set([...state.facts.revertTimedOut, event.data.deviceId])] });
    case 'LateDeviceReportRecorded':
      return withFacts(state, { lateReports: [...new Set([...state.facts.lateReports, event.data.deviceId])] });
    case 'DeviceReachabilityNoted': {
      const { deviceId, reachable, asOfSeq, notedAt } = event.data;
      return withReachability(state, deviceId, reachable, asOfSeq, notedAt);
    }
    case 'DeviceExcluded':
      return state.facts.excluded.includes(event.data.deviceId)
        ? state
        : withFacts(state, { excluded: [...state.facts.excluded, event.data.deviceId] });
    case 'RolloutHalted':
      return withPhase(state, {
        status: 'halted',
        reason: event.data.reason,
        automatic: event.data.automatic,
        haltedAt: event.data.haltedAt,
      });
    case 'RolloutResumed': {
      // Resuming acknowledges the failures seen so far (spec: "acknowledge failures and resume").
      const acknowledged = {
        acknowledgedFailures: failureCount(state.facts),
        acknowledgedFinished: Object.keys(state.facts.outcomes).length,
      };
      return withPhase(withFacts(state, acknowledged), { status: 'running' });
    }
    case 'RolloutAborted':
      return withPhase(state, { status: 'aborted', mode: event.data.mode, abortedAt: event.data.abortedAt });
    case 'RolloutFinished':
      return withPhase(state, { status: 'finished', outcome: event.data.outcome, finishedAt: event.data.finishedAt });
    default:
      return state;
  }
}
