import { runCli } from '../cli.js';

/** One CLI run as a spec sees it: exit code and everything printed. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--json` runs). */
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- specs read arbitrary JSON
}

/** Runs `keelson <args>` in-process against `url` with `token`, capturing output. */
export function keelson(url: string, token: string | undefined, ...args: string[]): Promise<CliRun> {
  return keelsonWithStdin(url, token, undefined, ...args);
}

/** As `keelson`, with `stdin` as what the command reads from standard input (`--password-stdin`). */
export async function keelsonWithStdin(
  url: string,
  token: string | undefined,
  stdin: string | undefined,
  ...args: string[]
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const env: NodeJS.ProcessEnv = { KEELSON_URL: url, ...(token ? { KEELSON_TOKEN: token } : {}) };
  const readStdin = stdin === undefined ? {} : { readStdin: () => Promise.resolve(stdin) };
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, ...readStdin });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
