import { parseArgs } from 'node:util';
import { isBinCount } from '@keelson/tuf';

export interface TufBytesArgs {
  /** Repository sizes to measure, in targets. */
  sizes: number[];
  /** Hash bins of the fleet repository (a power of two, 2-512; the signer's default is 256). */
  bins: number;
  /** Targets signed per decision while the repository is filled (the measured publish is always one target). */
  batch: number;
}

/** `--sizes 10,1000,10000 --bins 256 --batch 50`. */
export function tufBytesArgs(argv: string[]): TufBytesArgs {
  const { values } = parseArgs({
    args: argv,
    options: { sizes: { type: 'string' }, bins: { type: 'string' }, batch: { type: 'string' } },
    strict: true,
  });
  const sizes = (values.sizes ?? '10,1000,10000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000))
    throw new Error(`--sizes must be integers 1-100000, got '${values.sizes}'`);
  const bins = Number(values.bins ?? 256);
  if (!isBinCount(bins)) throw new Error(`--bins must be a power of two from 2 to 512, got '${values.bins}'`);
  const batch = Number(values.batch ?? 50);
  if (!Number.isInteger(batch) || batch < 1 || batch > 500) throw new Error(`--batch must be an integer 1-500, got '${values.batch}'`);
  return { sizes, bins, batch };
}
