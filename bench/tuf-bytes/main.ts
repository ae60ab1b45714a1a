// bench/tuf-bytes: what a device downloads for one update as the fleet repository grows, with the
// targets in hash bins (the signer's layout) and, as the baseline measured in the same run, in one
// flat targets.json. Repositories are built with the signer's own repository code, in memory.
import { tufBytesArgs } from './args.js';
import { measureSize, type SizeFigures } from './measure-size.js';
import { printReport } from './report.js';

const args = tufBytesArgs(process.argv.slice(2));
const log = (line: string) => console.error(`bench: ${line}`);
process.on('exit', (code) => log(`exit code ${code}`));

const figures: SizeFigures[] = [];
for (const size of args.sizes) {
  log(`measuring ${size} targets…`);
  figures.push(await measureSize(size, args.bins, args.batch, log));
}
printReport(figures, args.bins);
