import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimPort, releaseAllClaims, releasePort } from './port-claims.js';

const claimFile = (port: number) => join(tmpdir(), 'keelson-port-claims', String(port));
// Ports outside the range freePort picks from, so the spec never meets a real claim.
const PORTS = [9_101, 9_102, 9_103, 9_104];
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

afterEach(() => {
  releaseAllClaims();
  for (const port of PORTS) rmSync(claimFile(port), { force: true });
});

describe('port claims', () => {
  it('records the claimer and drops the claim on release', () => {
    expect(claimPort(PORTS[0]!)).toBe(true);
    expect(readFileSync(claimFile(PORTS[0]!), 'utf8')).toBe(String(process.pid));
    expect(claimPort(PORTS[0]!)).toBe(true); // this process's own claim
    releasePort(PORTS[0]!);
    expect(existsSync(claimFile(PORTS[0]!))).toBe(false);
  });

  it('refuses a port a live process has claimed, and leaves that claim alone', () => {
    const other = String(process.ppid);
    claimPort(PORTS[1]!);
    releasePort(PORTS[1]!);
    writeFileSync(claimFile(PORTS[1]!), other);
    expect(claimPort(PORTS[1]!)).toBe(false);
    releaseAllClaims();
    expect(readFileSync(claimFile(PORTS[1]!), 'utf8')).toBe(other);
  });

  it('takes over the claim of a process that is gone', () => {
    claimPort(PORTS[2]!);
    releasePort(PORTS[2]!);
    writeFileSync(claimFile(PORTS[2]!), String(deadPid()));
    expect(claimPort(PORTS[2]!)).toBe(true);
    expect(readFileSync(claimFile(PORTS[2]!), 'utf8')).toBe(String(process.pid));
  });

  it('drops every claim of this process at once, and no other', () => {
    writeFileSync(claimFile(PORTS[3]!), String(process.ppid));
    expect(claimPort(PORTS[0]!)).toBe(true);
    expect(claimPort(PORTS[2]!)).toBe(true);
    releaseAllClaims();
    expect(existsSync(claimFile(PORTS[0]!))).toBe(false);
    expect(existsSync(claimFile(PORTS[2]!))).toBe(false);
    expect(readFileSync(claimFile(PORTS[3]!), 'utf8')).toBe(String(process.ppid));
  });
});
