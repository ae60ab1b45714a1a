import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { isAlive } from './pid-file.js';

// A port handed out is claimed across processes too: two test runs (or a run and a bench) on one
// machine pick from the same range, and a port one of them has handed out but not yet bound passes
// the other's listen check. A claim is a file named after the port holding the claimer's pid; it is
// dropped when that process exits, and a claim whose process is gone is taken over (a killed process;
// a Jest worker, whose 'exit' a test file never sees).
const DIR = join(tmpdir(), 'keelson-port-claims');
const mine = new Set<number>();
let releaseOnExit = false;

const fileOf = (port: number) => join(DIR, String(port));

function ownerOf(port: number): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(fileOf(port), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function tryCreate(port: number): boolean {
  try {
    writeFileSync(fileOf(port), String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(DIR, { recursive: true });
      return tryCreate(port);
    }
    return false;
  }
}

/** Claims `port` for this process; false when a live process holds it. */
export function claimPort(port: number): boolean {
  if (mine.has(port)) return true;
  if (!tryCreate(port)) {
    const owner = ownerOf(port);
    if (owner === process.pid) return true;
    if (owner !== undefined && isAlive(owner)) return false;
    rmSync(fileOf(port), { force: true }); // its process is gone (or the file is torn): take it over
    if (!tryCreate(port)) return false;
  }
  mine.add(port);
  if (!releaseOnExit) {
    releaseOnExit = true;
    process.once('exit', releaseAllClaims);
  }
  return true;
}

/** Drops this process's claim on `port` (a port that was picked but turned out not to be bindable). */
export function releasePort(port: number): void {
  if (!mine.delete(port)) return;
  if (ownerOf(port) === process.pid) rmSync(fileOf(port), { force: true });
}

/** Drops every claim of this process; runs at exit. */
export function releaseAllClaims(): void {
  for (const port of mine) {
    try {
      if (ownerOf(port) === process.pid) unlinkSync(fileOf(port));
    } catch {
      // already gone
    }
  }
  mine.clear();
}
