import type { orchestrator } from '@keelson/requests';
import type { ArtifactRef, Probe, RolloutEvent, Strategy, TalliedRecord, TerminalDeviceState } from '@keelson/events';
import { nextPhase, type RolloutPhase } from '../domain/rollout-phase.js';
import type { RolloutTargeting } from '../domain/rollout.evolve.js';

type RolloutStatus = orchestrator.RolloutView['status'];

/**
 * A rollout as operators read it, one `rollout_views` row: what it was created with, where it is
 * (the view's status: a finished rollout is `succeeded` or `failed`), when, and how many devices it
 * targets. No device and no rule's bookkeeping (clocks, approvals, acknowledged failures).
 */
export interface RolloutViewRow {
  fleet: string;
  rolloutId: string;
  artifact: ArtifactRef;
  /** The group, device names or selector the devices came from, misfits, superseded rollouts, retryOf. */
  targeting: RolloutTargeting & { groupId?: string };
  probe: Probe;
  strategy: Strategy;
  status: RolloutStatus;
  currentWave: number;
  startedWaves: number;
  haltReason?: string;
  haltAutomatic?: boolean;
  haltedAt?: string;
  abortMode?: 'keep' | 'revert';
  createdAt: string;
  /** When it finished or was aborted. */
  finishedAt?: string;
  deviceCount: number;
}

/** One device of a rollout as operators read it (`rollout_view_devices`): its place, wave, and what the rollout recorded of it. */
export interface DeviceViewRow {
  deviceId: string;
  position: number;
  wave: number;
  assigned?: true;
  outcome?: { state: TerminalDeviceState; reason?: string };
  /** The gateway's latest word on it, as the rollout noted it. */
  reachable?: boolean;
  excluded?: true;
  timedOut?: true;
  lateReport?: true;
  revertTimedOut?: true;
}

/** The device row as the shared tally rules read it (`@keelson/events`' device-tally). */
export function talliedOf(d: DeviceViewRow): TalliedRecord {
  return {
    ...(d.outcome ? { outcome: d.outcome } : {}),
    ...(d.assigned ? { clock: {} } : {}),
    ...(d.reachable === undefined ? {} : { reachability: { reachable: d.reachable } }),
    ...(d.excluded ? { excludedOrder: 0 } : {}),
    ...(d.timedOut ? { timedOutOrder: 0 } : {}),
    ...(d.lateReport ? { lateReportOrder: 0 } : {}),
    ...(d.revertTimedOut ? { revertTimedOutOrder: 0 } : {}),
  };
}

type PhaseColumns = Pick<
  RolloutViewRow,
  'status' | 'currentWave' | 'startedWaves' | 'haltReason' | 'haltAutomatic' | 'haltedAt' | 'abortMode' | 'finishedAt'
>;

/** The view's columns for a phase: the aggregate's view and the projection write them by this one rule. */
export function phaseColumns(phase: RolloutPhase, startedWaves: number): PhaseColumns {
  const status = phase.status === 'finished' ? phase.outcome : phase.status;
  const currentWave = phase.status === 'awaiting-approval' ? phase.wave : Math.max(0, startedWaves - 1);
  return {
    status,
    currentWave,
    startedWaves,
    ...(phase.status === 'halted' ? { haltReason: phase.reason, haltAutomatic: phase.automatic, haltedAt: phase.haltedAt } : {}),
    ...(phase.status === 'aborted' ? { abortMode: phase.mode, finishedAt: phase.abortedAt } : {}),
    ...(phase.status === 'finished' ? { finishedAt: phase.finishedAt } : {}),
  };
}

/** The phase a view row shows (the inverse of `phaseColumns`). */
export function phaseOfRow(row: RolloutViewRow): RolloutPhase {
  switch (row.status) {
    case 'running':
      return { status: 'running' };
    case 'awaiting-approval':
      return { status: 'awaiting-approval', wave: row.currentWave };
    case 'halted':
      return { status: 'halted', reason: row.haltReason!, automatic: row.haltAutomatic!, haltedAt: row.haltedAt! };
    case 'aborted':
      return { status: 'aborted', mode: row.abortMode!, abortedAt: row.finishedAt! };
    default:
      return { status: 'finished', outcome: row.status, finishedAt: row.finishedAt! };
  }
}

/**
 * The row after a phase event, by the aggregate's own phase rule (`nextPhase`), or null for an event
 * about devices. The view keeps no approvals nor acknowledged failures: the rule's figures for them
 * are dropped, and a resume's counts (which only set them) are not read.
 */
export function rowAfterPhaseEvent(row: RolloutViewRow, event: RolloutEvent): RolloutViewRow | null {
  const facts = { startedWaves: row.startedWaves, approvedWaves: [], acknowledgedFailures: 0, acknowledgedFinished: 0 };
  const next = nextPhase({ ...phaseOfRow(row), facts }, event, () => ({ outcomes: 0, failures: 0 }));
  if (!next) return null;
  const { facts: after, ...phase } = next;
  const { haltReason: _, haltAutomatic: __, haltedAt: ___, abortMode: ____, finishedAt: _____, ...kept } = row;
  return { ...kept, ...phaseColumns(phase as RolloutPhase, after.startedWaves) };
}
