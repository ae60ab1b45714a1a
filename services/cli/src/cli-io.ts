/** Where the CLI writes and what it reads from its environment; tests pass their own. */
export interface CliIo {
  stdout: (text: string) => void;
  /** Standard output as a stream, for output written as it downloads (`audit export`); `stdout` serves otherwise. */
  stdoutStream?: import('node:stream').Writable;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** All of standard input, read when a command asks for it (`--password-stdin`). */
  readStdin?: () => Promise<string>;
}

/** A failure the CLI reports as one message and an exit code (2 for usage, 1 otherwise). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** The API's error body, printed as is under `--json`. */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad arguments: exit code 2, like most Unix tools. */
export const usageError = (message: string) => new CliError(message, 2);
