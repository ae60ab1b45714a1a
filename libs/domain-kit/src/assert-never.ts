/** Exhaustiveness check for discriminated unions: the compiler proves this line unreachable. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
