import type { Download } from './device-update.js';
import type { SizeFigures } from './measure-size.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(a / b < 10 ? 2 : 0)}×`;
const breakdown = (d: Download) => d.files.map((f) => `${f.name} ${kib(f.bytes)}`).join(' + ');

/** Prints one table row per size, the files behind each update, and a last line `JSON {...}`. */
export function printReport(figures: SizeFigures[], bins: number): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out(`TUF bytes per device update: ${bins} hash bins vs one flat targets.json (same targets, same keys, same run)`);
  out();
  out(
    '| targets | update, bins | update, flat (baseline) | flat / bins | first refresh, bins | first refresh, flat | largest event, bins | largest event, flat |',
  );
  out('|---|---|---|---|---|---|---|---|');
  for (const f of figures) {
    out(
      `| ${f.targets.toLocaleString('en')} | ${kib(f.bins.update.total)} | ${kib(f.flat.update.total)} | ${ratio(f.flat.update.total, f.bins.update.total)} | ` +
        `${kib(f.bins.cold.total)} | ${kib(f.flat.cold.total)} | ${kib(f.bins.largestEvent.bytes)} (${f.bins.largestEvent.type}) | ${kib(f.flat.largestEvent.bytes)} (${f.flat.largestEvent.type}) |`,
    );
  }
  out();
  for (const f of figures) {
    out(`${f.targets} targets, update with bins: ${breakdown(f.bins.update)}`);
    out(`${f.targets} targets, update flat:      ${breakdown(f.flat.update)}`);
    out(`${f.targets} targets, filled in ${f.bins.fillSeconds.toFixed(1)} s (bins) and ${f.flat.fillSeconds.toFixed(1)} s (flat)`);
  }
  out(`JSON ${JSON.stringify({ bins, figures })}`);
}
