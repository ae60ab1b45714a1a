import { assertNever, NotFound, RuleViolation } from '@keelson/domain-kit';
import { chunkDeviceIds, type RolloutEvent, type TerminalDeviceState } from '@keelson/events';
import { evolve, isAssigned, isLive, outcomeOf, type LiveRollout, type Rollout } from './rollout.evolve.js';
import { noteReachability, recordLateReport, timeOutDevice, timeOutRevert } from './rollout-in-flight.decide.js';
import { andWhatFollows, folded, type RolloutDecision } from './rollout.next-step.js';
import { createdData, type CreateRolloutRequest } from './rollout-creation.decide.js';
import { installAssignmentId } from './wave-plan.js';

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
  if (state.status === 'finished') throw new RuleViolation('rollout.finished', `rollout '${state.facts.rolloutId}' has finished (${state.outcome})`);
  if (state.status === 'aborted') throw new RuleViolation('rollout.aborted', `rollout '${state.facts.rolloutId}' was aborted`);
}

/**
 * The creation, its devices in chunks that each fit one event (wave order kept) and the first wave:
 * one decision, so one atomic append, and no event grows with the fleet.
 */
function create(command: Extract<RolloutCommand, { type: 'CreateRollout' }>, state: Rollout): RolloutDecision {
  if (state.status !== 'absent') throw new RuleViolation('rollout.exists', `rollout '${command.rolloutId}' exists`);
  const { deviceIds, ...data } = createdData(command);
  const { fleet, rolloutId } = command;
  const created: RolloutEvent = { type: 'RolloutCreated', schemaVersion: 2, data };
  let from = 0;
  const targets = chunkDeviceIds(deviceIds).map((chunk): RolloutEvent => {
    const event: RolloutEvent = { type: 'RolloutTargetsAdded', schemaVersion: 1, data: { fleet, rolloutId, from, deviceIds: chunk } };
    from += chunk.length;
    return event;
  });
  const rest = andWhatFollows(evolve(state, created) as LiveRollout, targets, command.at);
  return { events: [created, ...rest.events], state: rest.state };
}

/**
 * A newer rollout of the same artifact name took these devices over: they leave this rollout
 * (excluded, with the reason). If nothing is left to wait for, the rollout is aborted keeping what
 * is installed; otherwise it carries on without them.
 */
function supersede(command: Extract<RolloutCommand, { type: 'SupersedeDevices' }>, state: LiveRollout): RolloutDecision {
  if (state.status === 'finished' || state.status === 'aborted') return folded(state);
  const { fleet, rolloutId, at } = command;
  const { facts } = state;
  const leaving = command.deviceIds.filter((d) => facts.devices.isMember(d) && !outcomeOf(facts, d) && isLive(facts, d));
  if (leaving.length === 0) return folded(state);
  const reason = `superseded by rollout ${command.byRolloutId}: ${command.reason}`.slice(0, 500);
  const excluded: RolloutEvent[] = leaving.map((deviceId) => ({ type: 'DeviceExcluded', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reason } }));
  const after = excluded.reduce(evolve, state as Rollout) as LiveRollout;
  if (after.facts.devices.tally.liveUnfinished === 0) {
    const aborted = folded(after, [{ type: 'RolloutAborted', schemaVersion: 1, data: { fleet, rolloutId, mode: 'keep', abortedAt: at } }]);
    return { events: [...excluded, ...aborted.events], state: aborted.state };
  }
  return andWhatFollows(state, excluded, at);
}

function approve(command: Extract<RolloutCommand, { type: 'ApproveWave' }>, state: LiveRollout): RolloutDecision {
  refuseIfEnded(state);
  // A halt sets any gate aside: an approval now would change nothing, and a silent 200 reads as done.
  if (state.status === 'halted') {
    throw new RuleViolation('rollout.halted', `rollout '${state.facts.rolloutId}' is halted (${state.reason}): nothing to approve until it is resumed; a wave that was waiting at its gate waits there again after the resume`);
  }
  if (state.status !== 'awaiting-approval') return folded(state);
  if (command.wave !== undefined && command.wave < state.wave) return folded(state); // that gate was opened already
  if (command.wave !== undefined && command.wave > state.wave) {
    throw new RuleViolation('wave.not-awaiting-approval', `wave ${command.wave} is not waiting for approval; wave ${state.wave} is`);
  }
  return andWhatFollows(state, [{ type: 'WaveApproved', schemaVersion: 1, data: { fleet: command.fleet, rolloutId: command.rolloutId, wave: state.wave } }], command.at);
}

function recordOutcome(command: Extract<RolloutCommand, { type: 'RecordDeviceOutcome' }>, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, assignmentId, state: outcome, reason, at } = command;
  // Only this rollout's install assignment of a device it assigned counts, and only its first outcome.
  if (assignmentId !== installAssignmentId(rolloutId, deviceId)) return folded(state);
  const { facts } = state;
  if (facts.devices.record(deviceId).timedOutOrder !== undefined) return recordLateReport(command, state);
  if (!facts.devices.isMember(deviceId) || !isAssigned(facts, deviceId) || outcomeOf(facts, deviceId) || !isLive(facts, deviceId)) return folded(state);
  const data = { fleet, rolloutId, deviceId, assignmentId, state: outcome, ...(reason === undefined ? {} : { reason }) };
  return andWhatFollows(state, [{ type: 'DeviceOutcomeRecorded', schemaVersion: 1, data }], at);
}

function exclude(command: Extract<RolloutCommand, { type: 'ExcludeDevice' }>, state: LiveRollout): RolloutDecision {
  const { fleet, rolloutId, deviceId, reason, at } = command;
  const { facts } = state;
  // A device that already ended its update was counted; an ended rollout counts nothing more.
  if (state.status === 'finished' || state.status === 'aborted') return folded(state);
  if (!facts.devices.isMember(deviceId) || outcomeOf(facts, deviceId) || !isLive(facts, deviceId)) return folded(state);
  return andWhatFollows(state, [{ type: 'DeviceExcluded', schemaVersion: 1, data: { fleet, rolloutId, deviceId, reason } }], at);
}

/** Decides what a command means for a rollout; `[]` when it is already satisfied. */
export const decide = (command: RolloutCommand, state: Rollout): RolloutEvent[] => decideAndEvolve(command, state).events;

/** `decide`, with the state its events lead to: the decision folds them to find what follows, and the store keeps that fold. */
export function decideAndEvolve(command: RolloutCommand, state: Rollout): RolloutDecision {
  if (command.type === 'CreateRollout') return create(command, state);
  if (state.status === 'absent') throw new NotFound('rollout', command.rolloutId);
  const ref = { fleet: command.fleet, rolloutId: command.rolloutId };
  switch (command.type) {
    case 'ApproveWave':
      return approve(command, state);
    case 'HaltRollout':
      refuseIfEnded(state);
      if (state.status === 'halted') return folded(state);
      return folded(state, [{ type: 'RolloutHalted', schemaVersion: 1, data: { ...ref, reason: command.reason, automatic: false, haltedAt: command.at } }]);
    case 'ResumeRollout':
      refuseIfEnded(state);
      if (state.status !== 'halted') return folded(state);
      return andWhatFollows(state, [{ type: 'RolloutResumed', schemaVersion: 1, data: { ...ref, resumedAt: command.at } }], command.at);
    case 'AbortRollout':
      if (state.status === 'aborted' && state.mode === command.mode) return folded(state);
      refuseIfEnded(state);
      return folded(state, [{ type: 'RolloutAborted', schemaVersion: 1, data: { ...ref, mode: command.mode, abortedAt: command.at } }]);
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
