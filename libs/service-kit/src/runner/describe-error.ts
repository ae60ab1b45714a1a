/** The one way a runner states a failure in a log line: the message, without the stack. */
export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A step of one module failed at start: the service does not start. */
export class ModuleStartError extends Error {
  constructor(
    readonly module: string,
    readonly step: string,
    cause: unknown,
  ) {
    super(`${module}: ${step} failed: ${describeError(cause)}`, { cause });
    this.name = new.target.name;
  }
}
