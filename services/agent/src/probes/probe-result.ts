/** The outcome of one probe attempt or of a whole probe; a failure says why, in words for operators. */
export type ProbeResult = { ok: true } | { ok: false; reason: string };

export const passed: ProbeResult = { ok: true };

export function failedBecause(reason: string): ProbeResult {
  return { ok: false, reason };
}

/** Keeps a reason inside the 500 characters a report may carry. */
export function boundedReason(reason: string, max = 500): string {
  return reason.length <= max ? reason : `${reason.slice(0, max - 1)}…`;
}
