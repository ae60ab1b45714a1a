/** The rollouts, devices and artifacts an event concerns: what the audit's filters match on. */
export interface EventReferences {
  rolloutIds: string[];
  deviceIds: string[];
  artifacts: string[];
}

const token = /^[a-z0-9][a-z0-9-]{0,62}$/;
const artifactName = /^[a-z0-9][a-z0-9._-]{0,99}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Adds the values that match `pattern` to `into`, each once, in first-seen order. A Set tells the
 * repeats: a rollout's chunk names ~1,500 devices, and a search of the list per value made each
 * chunk cost ~1,000,000 comparisons (66 chunks per 100,000-device creation).
 */
function collect(into: string[], pattern: RegExp, values: readonly unknown[]): void {
  const seen = new Set(into);
  for (const v of values) {
    if (typeof v !== 'string' || seen.has(v) || !pattern.test(v)) continue;
    seen.add(v);
    into.push(v);
  }
}

/**
 * Reads references from an event's data by the field names every Keelson family uses: `rolloutId`,
 * `deviceId`, `deviceIds` (rollout created, wave started, group membership), desired-state
 * `assignments`, an artifact's own `name` (only in the artifact family, where `name` means the
 * artifact), `artifact.name` (rollouts) and the name inside TUF `targetPaths`
 * (`<kind>/<name>/<version>/<file>`), and an experiment's `artifactName` and the devices of its
 * arms (`candidateDeviceIds`, `controlDeviceIds`). Works on unrecognised events too: values that are
 * not valid ids are ignored.
 */
export function referencesOf(family: string, data: Record<string, unknown>): EventReferences {
  const refs: EventReferences = { rolloutIds: [], deviceIds: [], artifacts: [] };
  const assignments = listOf(data.assignments).filter(isObject);
  collect(refs.rolloutIds, token, [data.rolloutId, ...assignments.map((a) => a.rolloutId)]);
  collect(refs.deviceIds, token, [
    data.deviceId,
    ...listOf(data.deviceIds),
    ...listOf(data.candidateDeviceIds),
    ...listOf(data.controlDeviceIds),
  ]);
  if (family === 'artifact') collect(refs.artifacts, artifactName, [data.name]);
  collect(refs.artifacts, artifactName, [data.artifactName]);
  const artifactOf = (v: unknown) => (isObject(v) ? v.name : undefined);
  collect(refs.artifacts, artifactName, [artifactOf(data.artifact), ...assignments.map((a) => artifactOf(a.artifact))]);
  collect(
    refs.artifacts,
    artifactName,
    listOf(data.targetPaths).map((p) => (typeof p === 'string' ? p.split('/')[1] : undefined)),
  );
  return refs;
}
