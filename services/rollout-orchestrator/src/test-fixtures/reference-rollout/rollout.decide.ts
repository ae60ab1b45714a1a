// The rollout fold as it was before the device ledger (main at fbafaaf, O(devices) per outcome), kept
// unchanged as the reference that rollout-fold.equivalence.spec.ts compares the current decider with.
// It writes the version-1 facts as the registry reads them (device ids inline in `RolloutCreated` and
// `WaveStarted`); the spec merges the current decider's chunks into that shape to compare.
import { assertNever, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { RolloutEvent, TerminalDeviceState } from '@keelson/events';
import { assignedDevices, evolve, isLive, type LiveRollout, type Rollout } from './rollout.evolve.js';
import { noteReachability, recordLateReport, timeOutDevice, timeOutRevert } from './rollout-in-flight.decide.js';
import { andWhatFollows } from './rollout.next-step.js';
import { createdData, type CreateRolloutRequest } from '../../rollouts/domain/decisions/create-rollout.js';
import { installAssignmentId } from '../../rollouts/domain/wave-plan.js';

interface Ref {
  fleet: string;
  rolloutId: string;
  /** When the command happened, stamped at the edge. */
  at: string;
}

/** What can be asked of a rollout; operators send all but the last, the device-report reactor sends that one. */
export type RolloutCommand =
  | (Ref & { type: 'CreateRollout' } & CreateRolloutRequest)
  | (Ref & { type: 'ApproveWave'; wave?: number })
  | (Ref & { type: 'HaltRollout'; reason: string })
  | (Ref & { type: 'ResumeRollout' })
  | (Ref & { type: 'AbortRollout'; mode: 'keep' | 'revert' })
  | (Ref & { type: 'RecordDeviceOutcome'; deviceId: string; assignmentId: string; state: TerminalDeviceState; reason?: string })
  | (Ref & { type: 'ExcludeDevice'; deviceId: string; reason: string })
  | (Ref & { type: 'TimeOutDevice'; deviceId: string })
  | (Ref & { type: 'TimeOutRevert'; deviceId: string })
  | (Ref & { type: 'NoteDeviceReachability'; deviceId: string; reachable: boolean; asOfSeq: number })
  | (Ref & { type: 'SupersedeDevices'; deviceIds: string[]; byRolloutId: string; reason: string });

/** Finished and aborted rollouts take no further operator changes. */
function refuseIfEnded(state: LiveRollout): void {
  if (state.status === 'finished')
    throw new RuleViolation('rollout.finished', `rollout '${state.facts.rolloutId}' has finished (${state.outcome})`);
  if (state.status === 'aborted') throw new RuleViolation('rollout.aborted', `rollout '${state.facts.rolloutId}' was aborted`);
}

function create(command: Extract<RolloutCommand, { type: 'CreateRollout' }>, state: Rollout): RolloutEvent[] {
  if (state.status !== 'absent') throw new RuleViolation('rollout.exists', `rollout '${command.rolloutId}' exists`);
  const created: RolloutEvent = { type: 'RolloutCreated', schemaVersion: 2, data: createdData(command) };
  return [created, ...andWhatFollows(evolve(state, created) as LiveRollout, [], command.at)];
}

/**
 * A newer rollout of the same artifact name took these devices over: they leave this rollout
 * (excluded, with the reason). If nothing is left to wait for, the rollout is aborted keeping what
 * is installed; otherwise it carries on without them.
 */
function supersede(command: Extract<RolloutCommand, { type: 'SupersedeDevices' }>, state: LiveRollout): RolloutEvent[] {
  if (state.status === 'finished' || state.status === 'aborted') return [];
  const { fleet, rolloutId, at } = command;
  const { facts } = state;
  const leaving = command.deviceIds.filter((d) => facts.deviceIds.includes(d) && !facts.outcomes[d] && isLive(facts, d));
  if (leaving.length === 0) return [];
  const reason = `superseded by rollout ${command.byRolloutId}: ${command.reason}`.slice(0, 500);
  const excluded: RolloutEvent[] = leaving.map((deviceId) => ({
    type: 'DeviceExcluded',
    schemaVersion: 1,
    data: { fleet, rolloutId, deviceId, reason },
  }));
  const after = excluded.reduce(evolve, state as Rollout) as LiveRollout;
  if (after.facts.deviceIds.every((d) => !isLive(after.facts, d) || after.facts.outcomes[d])) {
    return [...excluded, { type: 'RolloutAborted', schemaVersion: 1, data: { fleet, rolloutId, mode: 'keep', abortedAt: at } }];
  }
  return andWhatFollows(state, excluded, at);
}

function approve(command: Extract<RolloutCommand, { type: 'ApproveWave' }>, state: LiveRollout): RolloutEvent[] {
  refuseIfEnded(state);
  // The one deliberate change since (issue 15): an approval of a halted rollout is refused, not a silent no-op.
  if (state.status === 'halted') throw new RuleViolation('rollout.halted', `rollout '${state.facts.rolloutId}' is halted`);
  if (state.status !== 'awaiting-approval') return [];
  if (command.wave !== undefined && command.wave < state.wave) return []; // that gate was opened already
  if (command.wave !== undefined && command.wave > state.wave) {
    throw new RuleViolation('wave.not-awaiting-approval', `wave ${command.wave} is not waiting for approval; wave ${state.wave} is`);
  }
  return andWhatFollows(
    state,
    [{ type: 'WaveApproved', schemaVersion: 1, data: { fleet: command.fleet, rolloutId: command.rolloutId, wave: state.wave } }],
    command.at,
  );
}

function recordOutcome(command: Extract<RolloutCommand, { type: 'RecordDeviceOutcome' }>, state: LiveRollout): RolloutEvent[] {
  const { fleet, rolloutId, deviceId, assignmentId, state: outcome, reason, at } = command;
  // Only this rollout's install assignment of a device it assigned counts, and only its first outcome.
  if (assignmentId !== installAssignmentId(rolloutId, deviceId)) return [];
  if (state.facts.timedOut.includes(deviceId)) return recordLateReport(command, state);
  if (!assignedDevices(state.facts).includes(deviceId) || state.facts.outcomes[deviceId] || !isLive(state.facts, deviceId)) return [];
  const data = { fleet, rolloutId, deviceId, assignmentId, state: outcome, ...(reason === undefined ? {} : { reason }) };
  return andWhatFollows(state, [{ type: 'DeviceOutcomeRecorded', schemaVersion: 1, data }], at);
}

function exclude(command: Extract<RolloutCommand, { type: 'ExcludeDevice' }>, state: LiveRollout): RolloutEvent[] {
  const { fleet, rolloutId, deviceId, reason, at } = command;
  const { facts } = state;
  // A device that already ended its update was counted; an ended rollout counts nothing more.
  if (state.status === 'finished' || state.status === 'aborted') return [];
  if (!facts.deviceIds.includes(deviceId) || facts.outcomes[deviceId] || !isLive(facts, deviceId)) return [];
  return andWhatFollows(state, [{ type: 'DeviceExcluded', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reason } }], at);
}

/** Decides what a command means for a rollout; `[]` when it is already satisfied. */
export function decide(command: RolloutCommand, state: Rollout): RolloutEvent[] {
  if (command.type === 'CreateRollout') return create(command, state);
  if (state.status === 'absent') throw new NotFound('rollout', command.rolloutId);
  const ref = { fleet: command.fleet, rolloutId: command.rolloutId };
  switch (command.type) {
    case 'ApproveWave':
      return approve(command, state);
    case 'HaltRollout':
      refuseIfEnded(state);
      if (state.status === 'halted') return [];
      return [
        { type: 'RolloutHalted', schemaVersion: 1, data: { ...ref, reason: command.reason, automatic: false, haltedAt: command.at } },
      ];
    case 'ResumeRollout':
      refuseIfEnded(state);
      if (state.status !== 'halted') return [];
      return andWhatFollows(state, [{ type: 'RolloutResumed', schemaVersion: 1, data: { ...ref, resumedAt: command.at } }], command.at);
    case 'AbortRollout':
      if (state.status === 'aborted' && state.mode === command.mode) return [];
      refuseIfEnded(state);
      return [{ type: 'RolloutAborted', schemaVersion: 1, data: { ...ref, mode: command.mode, abortedAt: command.at } }];
    case 'RecordDeviceOutcome':
      return recordOutcome(command, state);
    case 'ExcludeDevice':
      return exclude(command, state);
    case 'TimeOutDevice':
      return timeOutDevice(command, state);
    case 'TimeOutRevert':
      return timeOutRevert(command, state);
    case 'NoteDeviceReachability':
      return noteReachability(command, state);
    case 'SupersedeDevices':
      return supersede(command, state);
    default:
      return assertNever(command, 'rollout command');
  }
}
