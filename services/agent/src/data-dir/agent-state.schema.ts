import { z } from 'zod';
import { Assignment, Reason, Sha256Hex, StepTimes, TerminalDeviceState, Traceparent } from '@keelson/events';

// The agent's journal (`state.json`) as zod schemas: the last word on what a valid journal is. The
// agent loads them only when the hand check (agent-state.fast.ts) cannot vouch for a journal, so an
// agent whose journal is sound never holds zod or the platform's schemas.

/**
 * Where the agent is with one assignment. Each phase is written before the work it names starts,
 * so after a crash the journal tells from which safe point to go on (see reconcile/assignment-workflow.ts).
 * `verifying` is reported but no longer written (it resumes as `downloading` does); it stays valid
 * for journals an older agent left.
 */
export const Phase = z.enum(['pending', 'downloading', 'verifying', 'applying', 'probing', 'rolling_back', 'done']);
export type Phase = z.infer<typeof Phase>;

/** The links before a swap and the version it makes current; written before the first link moves. */
export const SwapRecord = z.strictObject({
  fromCurrent: z.string().nullable(),
  fromPrevious: z.string().nullable(),
  to: z.string().nullable(),
});
export type SwapRecord = z.infer<typeof SwapRecord>;

export const AssignmentRecord = z.strictObject({
  assignment: Assignment,
  phase: Phase,
  swap: SwapRecord.optional(),
  /** A container artifact's swap: `swapping` once the old container may be stopped, `committed` once the new one passed its probe. */
  containerStep: z.enum(['swapping', 'committed']).optional(),
  /** Written by older agents with the `probing` phase; read by nothing. */
  swappedAt: z.string().optional(),
  outcome: TerminalDeviceState.optional(),
  reason: Reason.optional(),
  /** When each step began, journalled with the step: the outcome's report carries them. */
  steps: StepTimes.optional(),
  /** The trace of the desired state that brought the assignment: its reports carry it back. */
  traceparent: Traceparent.optional(),
});
export type AssignmentRecord = z.infer<typeof AssignmentRecord>;

/** What the agent verified about one version it keeps on disk; the hello reports it. */
export const KeptVersion = z.strictObject({ sha256: Sha256Hex, length: z.number().int().min(0), basename: z.string().min(1) });
export type KeptVersion = z.infer<typeof KeptVersion>;

export const AgentState = z.strictObject({
  schemaVersion: z.literal(1),
  /** Highest desired-state generation received; an older one arriving late is ignored. */
  seenGeneration: z.number().int().min(0),
  /** Highest generation whose assignments all reached a terminal state (sent in the hello). */
  appliedGeneration: z.number().int().min(0),
  assignments: z.record(z.string(), AssignmentRecord),
  /** `versions[name][version]`: every version kept under artifacts/<name>/versions. */
  versions: z.record(z.string(), z.record(z.string(), KeptVersion)),
});
export type AgentState = z.infer<typeof AgentState>;
