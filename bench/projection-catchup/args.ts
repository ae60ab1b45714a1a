import { parseArgs } from 'node:util';

export interface CatchUpArgs {
  /** Events appended once the lost pull holds its share: what the projection has to catch up on. */
  events: number;
  /** Events the lost pull takes and never acknowledges (as a pull gone with its nats-server). */
  lost: number;
  /** The projection's batch size, which is also its consumer's max_ack_pending (the audit's: 500). */
  batchSize: number;
  /** A built checkout whose ProjectionRunner is the baseline (e.g. one from before the gap recovery). */
  baselineCode?: string;
}

/** `--events 5000 --lost 3 --batch-size 500 --baseline-code DIR`. */
export function catchUpArgs(argv: string[]): CatchUpArgs {
  const options = {
    events: { type: 'string' },
    lost: { type: 'string' },
    'batch-size': { type: 'string' },
    'baseline-code': { type: 'string' },
  } as const;
  const { values } = parseArgs({ args: argv, options, strict: true });
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    const n = Number(raw ?? fallback);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer ${min}-${max}, got '${raw}'`);
    return n;
  };
  return {
    events: int('events', values.events, 5000, 100, 100_000),
    lost: int('lost', values.lost, 3, 1, 50),
    batchSize: int('batch-size', values['batch-size'], 500, 10, 1000),
    ...(values['baseline-code'] ? { baselineCode: values['baseline-code'] } : {}),
  };
}
