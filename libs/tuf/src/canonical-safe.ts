/**
 * Makes a JSON value fit for canonical JSON, which has no floating-point numbers (OLPC canonical
 * JSON, the form TUF signs): every non-integer number becomes its decimal string (`0.93` ->
 * `"0.93"`, the exact text `JSON.stringify` writes, so nothing is lost). Integers, strings,
 * booleans and null stay as they are. Without this a model's evaluation metrics could not be
 * signed, and tuf-js would refuse to verify the metadata.
 */
export function canonicalSafe(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('canonical JSON cannot hold NaN or Infinity');
    return Number.isInteger(value) ? value : JSON.stringify(value);
  }
  if (Array.isArray(value)) return value.map(canonicalSafe);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, canonicalSafe(v)]),
    );
  }
  return value;
}
