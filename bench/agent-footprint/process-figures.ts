import { readFileSync } from 'node:fs';
import { cpuSeconds } from '../rollout-fanout/process-cpu.js';

/** What one process has used so far, from /proc: resident memory now and at peak, CPU, bytes it read and wrote. */
export interface ProcessFigures {
  rssMiB: number;
  peakRssMiB: number;
  /** The resident split: heap and stacks (`RssAnon`) against mapped files, mostly the Node binary's own pages (`RssFile`). */
  anonMiB: number;
  fileMiB: number;
  cpuMs: number;
  /** `rchar`/`wchar`: every byte through read/write calls, sockets and files alike. */
  readBytes: number;
  writtenBytes: number;
}

function statusField(status: string, name: string): number {
  const kib = Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`/proc status has no ${name}`);
  return kib / 1024;
}

export function processFigures(pid: number): ProcessFigures {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const ioField = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
  const cpu = cpuSeconds(pid);
  if (cpu === undefined) throw new Error(`process ${pid} is gone`);
  return {
    rssMiB: statusField(status, 'VmRSS'),
    peakRssMiB: statusField(status, 'VmHWM'),
    anonMiB: statusField(status, 'RssAnon'),
    fileMiB: statusField(status, 'RssFile'),
    cpuMs: cpu * 1000,
    readBytes: ioField('rchar'),
    writtenBytes: ioField('wchar'),
  };
}
