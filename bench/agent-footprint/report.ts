import type { ProcessFigures } from './process-figures.js';

export interface UpdateFigures {
  version: string;
  wallMs: number;
  cpuMs: number;
  readBytes: number;
  writtenBytes: number;
  rssMiB: number;
}

/** The bar for a small box: an idle, connected agent within this much resident memory. */
export const idleRssTargetMiB = 50;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mib = (n: number) => `${n.toFixed(1)} MiB`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

export function printReport(r: {
  label: string;
  idle: ProcessFigures;
  bare: ProcessFigures;
  withTls: ProcessFigures;
  perUpdate: UpdateFigures[];
  artifactBytes: number;
  idleSeconds: number;
  final: ProcessFigures;
}): void {
  const cpu = median(r.perUpdate.map((u) => u.cpuMs));
  const read = median(r.perUpdate.map((u) => u.readBytes));
  const written = median(r.perUpdate.map((u) => u.writtenBytes));
  console.log(`
agent footprint (x64 bundle, one enrolled and connected agent): ${r.label}

  idle RSS after ${r.idleSeconds} s     ${mib(r.idle.rssMiB)}   (target <= ${idleRssTargetMiB} MiB: ${r.idle.rssMiB <= idleRssTargetMiB ? 'met' : 'NOT met'}; peak so far ${mib(r.idle.peakRssMiB)})
    of which anon / file  ${mib(r.idle.anonMiB)} / ${mib(r.idle.fileMiB)}   (heap and stacks / the binary's and libraries' mapped pages)
  baseline: bare Node     ${mib(r.bare.rssMiB)}   (the same binary, setInterval only; anon / file ${mib(r.bare.anonMiB)} / ${mib(r.bare.fileMiB)})
  baseline: Node + TLS    ${mib(r.withTls.rssMiB)}   (node:tls loaded, one context, the launcher's flags: the floor of an mqtts agent)
  agent above baseline    ${mib(r.idle.rssMiB - r.bare.rssMiB)}

  per update (median of ${r.perUpdate.length}, artifact ${kib(r.artifactBytes)})
    CPU                   ${cpu.toFixed(0)} ms
    bytes read            ${kib(read)}   (read calls: sockets and files; the artifact is ${kib(r.artifactBytes)})
    bytes written         ${kib(written)}
  RSS after the updates   ${mib(r.final.rssMiB)}   (peak ${mib(r.final.peakRssMiB)})
`);
  for (const u of r.perUpdate)
    console.log(
      `  ${u.version}: ${u.wallMs} ms wall, ${u.cpuMs.toFixed(0)} ms CPU, ${kib(u.readBytes)} read, ${kib(u.writtenBytes)} written, RSS ${mib(u.rssMiB)}`,
    );
  console.log(
    `JSON ${JSON.stringify({ label: r.label, idle: r.idle, baseline: r.bare, tlsBaseline: r.withTls, perUpdate: r.perUpdate, medians: { cpuMs: cpu, readBytes: read, writtenBytes: written }, final: r.final, artifactBytes: r.artifactBytes })}`,
  );
}
