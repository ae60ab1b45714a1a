import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { usageError } from '../../cli-io.js';

/** Reads a JSON file the operator named; a missing or broken file is a clear usage error. */
export function readJsonFile(path: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw usageError(`cannot read ${what} ${path}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw usageError(`${what} ${path} is not a JSON object`);
  }
}

/** Reads a private key file (PEM). */
export function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw usageError(`cannot read key ${path}`);
  }
}

/** Creates `dir` for the ceremony's output, private to the operator. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a new file and refuses to replace one: a ceremony must never overwrite a root key (or a
 * draft someone signed) by accident. `mode` 0600 for private keys.
 */
export function writeNewFile(path: string, text: string, mode = 0o644): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw usageError(`${path} already exists; refusing to overwrite it`);
    throw err;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}
