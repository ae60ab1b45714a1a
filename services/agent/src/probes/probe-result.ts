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

/**
 * The reason of a rollback: why, then what runs now (`; back on yolo@2.0.3`), so the operator
 * reading `rollout watch`, `rollout show` or the audit log knows the version it restored. The why
 * is shortened first: the restored version always fits.
 */
export function rolledBackReason(why: string, artifactName: string, restored: string | null): string {
  const now = restored === null ? '; nothing was installed before, so none runs now' : `; back on ${artifactName}@${restored}`;
  return `${boundedReason(why, 500 - now.length)}${now}`;
}
