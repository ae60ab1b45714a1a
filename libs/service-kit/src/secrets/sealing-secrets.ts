/**
 * A key-encryption secret as a service holds it during its life: the one in force (`NAME`) and, while
 * it is being rotated, the one it replaces (`NAME_PREVIOUS`). `name` goes into error messages; the
 * secrets themselves never do.
 */
export interface SealingSecrets {
  name: string;
  current: string;
  previous?: string | undefined;
}

/**
 * Reads `NAME` and `NAME_PREVIOUS` from `env`; undefined when `NAME` is unset. Throws (naming the
 * variable, never a value) when either is shorter than `minLength` or both are the same.
 */
export function sealingSecretsOf(env: Record<string, string | undefined>, name: string, minLength = 16): SealingSecrets | undefined {
  const current = env[name] || undefined;
  const previous = env[`${name}_PREVIOUS`] || undefined;
  if (current === undefined) {
    if (previous !== undefined) throw new Error(`${name}_PREVIOUS is set but ${name} is not: a rotation needs the new secret`);
    return undefined;
  }
  if (current.length < minLength) throw new Error(`${name} must be at least ${minLength} characters`);
  if (previous !== undefined && previous.length < minLength) throw new Error(`${name}_PREVIOUS must be at least ${minLength} characters`);
  if (previous !== undefined && previous === current) throw new Error(`${name}_PREVIOUS is the same as ${name}: nothing to rotate`);
  return { name, current, previous };
}
