import { NotFound, type Decider } from '@keelson/domain-kit';
import type { RolloutEvent } from '@keelson/events';
import { approveWave, type ApproveWave } from './decisions/approve-wave.js';
import { createRollout, type CreateRollout } from './decisions/create-rollout.js';
import { excludeDevice, supersedeDevices, type ExcludeDevice, type SupersedeDevices } from './decisions/exclude-devices.js';
import {
  abortRollout,
  haltRollout,
  resumeRollout,
  type AbortRollout,
  type HaltRollout,
  type ResumeRollout,
} from './decisions/halt-resume-abort.js';
import { noteReachability, type NoteDeviceReachability } from './decisions/note-reachability.js';
import { recordDeviceOutcome, type RecordDeviceOutcome } from './decisions/record-device-outcome.js';
import { timeOutDevice, type TimeOutDevice } from './decisions/time-out-device.js';
import { timeOutRevert, type TimeOutRevert } from './decisions/time-out-revert.js';
import { evolve, initialState, type LiveRollout, type Rollout } from './rollout.evolve.js';
import type { RolloutDecision } from './rollout.next-step.js';

/** What can be asked of a rollout; operators send the first five, the reactors and the sweep the rest. */
export type RolloutCommand =
  | CreateRollout
  | ApproveWave
  | HaltRollout
  | ResumeRollout
  | AbortRollout
  | RecordDeviceOutcome
  | ExcludeDevice
  | TimeOutDevice
  | TimeOutRevert
  | NoteDeviceReachability
  | SupersedeDevices;

type DecisionOf<C extends RolloutCommand> = (command: C, state: LiveRollout) => RolloutDecision;
type ExistingRolloutCommand = Exclude<RolloutCommand, CreateRollout>;

/**
 * One decision per command of an existing rollout, each in `decisions/` with its command's shape.
 * A decision that changes what the rollout waits for (an outcome, a gate, a resume) goes on with
 * what follows it (`rollout.next-step.ts`: the next devices, the next wave, the halt rule, the finish).
 */
const decisions: { [T in ExistingRolloutCommand['type']]: DecisionOf<Extract<ExistingRolloutCommand, { type: T }>> } = {
  ApproveWave: approveWave,
  HaltRollout: haltRollout,
  ResumeRollout: resumeRollout,
  AbortRollout: abortRollout,
  RecordDeviceOutcome: recordDeviceOutcome,
  ExcludeDevice: excludeDevice,
  TimeOutDevice: timeOutDevice,
  TimeOutRevert: timeOutRevert,
  NoteDeviceReachability: noteReachability,
  SupersedeDevices: supersedeDevices,
};

/** `decide`, with the state its events lead to: the decision folds them to find what follows, and the store keeps that fold. */
export function decideAndEvolve(command: RolloutCommand, state: Rollout): RolloutDecision {
  if (command.type === 'CreateRollout') return createRollout(command, state);
  if (state.status === 'absent') throw new NotFound('rollout', command.rolloutId);
  return (decisions[command.type] as DecisionOf<ExistingRolloutCommand>)(command, state);
}

/** Decides what a command means for a rollout; `[]` when it is already satisfied. */
export const decide = (command: RolloutCommand, state: Rollout): RolloutEvent[] => decideAndEvolve(command, state).events;

/**
 * The rollout aggregate (`ev.rollout.<fleet>.<rolloutId>`): waves over a device list fixed at
 * creation, gates, the halt rule, operator halt/resume/abort, and the finish. State and evolve are in
 * `rollout.evolve.ts`, each decision in `decisions/`. A decision folds its events to find what follows
 * them (the next wave, the finish); `decideAndEvolve` hands that fold to the store, so a command's
 * events (a creation's: every device) are folded once.
 */
export const rolloutDecider: Decider<RolloutCommand, RolloutEvent, Rollout> = { initialState, decide, evolve, decideAndEvolve };

export {
  type Rollout,
  type LiveRollout,
  type RolloutFacts,
  assignedDevices,
  failureCount,
  isAssigned,
  isLive,
  isReachable,
  outcomeOf,
} from './rollout.evolve.js';
