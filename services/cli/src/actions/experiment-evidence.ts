import type { orchestrator } from '@keelson/requests';
import { table } from '../action.js';

type ExperimentLook = orchestrator.ExperimentLook;
type LookTest = orchestrator.LookTest;

/** A figure with four significant digits; `-` where there is none. */
export const figure = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : String(Number(x.toPrecision(4))));

const signed = (x: number | null) => (x !== null && x > 0 ? `+${figure(x)}` : figure(x));

/** Each test's metric once, in the plan's order: the primary first, then the guardrails. */
function metricsOf(look: ExperimentLook): LookTest[] {
  const seen = new Set<string>();
  return [look.primary, ...look.guardrails].filter((t) => !seen.has(t.metric) && seen.add(t.metric));
}

/**
 * The evidence of a look, side by side: a row per metric and arm (mean, p50, p95, how many values and
 * from how many devices), then a row per test with the difference, its always-valid interval (an
 * unbounded end reads ∞) and the test's state.
 */
export function evidenceLines(look: ExperimentLook): string[] {
  const arms = metricsOf(look).flatMap((t) =>
    (['candidate', 'control'] as const).map((arm) => {
      const f = t[arm];
      return [
        t.metric,
        arm,
        figure(f?.mean),
        figure(f?.p50),
        figure(f?.p95),
        String(f?.count ?? 0),
        String(look.devices[arm][t.metric] ?? 0),
      ];
    }),
  );
  const tests = [look.primary, ...look.guardrails].map((t, i) => [
    i === 0 ? `primary ${t.metric}:${t.rule}` : `guardrail ${t.metric}:${t.rule}`,
    signed(t.estimate),
    `[${t.low === null ? '-∞' : figure(t.low)}, ${t.high === null ? '∞' : figure(t.high)}]`,
    t.verdict,
  ]);
  return [
    `evidence at ${look.judgedAt}: ${look.outcome} (${look.reason}), alpha ${look.alpha}, samples ${look.samples.candidate} candidate / ${look.samples.control} control`,
    ...table([['METRIC', 'ARM', 'MEAN', 'P50', 'P95', 'SAMPLES', 'DEVICES'], ...arms]),
    ...table([['TEST', 'DIFFERENCE', 'INTERVAL', 'STATE'], ...tests]),
  ];
}

/** One test in a few words: each arm's mean and samples, the difference, its interval and the state. */
function testWords(t: LookTest): string {
  const arm = (f: LookTest['candidate']) => `${figure(f?.mean)} (${f?.count ?? 0})`;
  const interval = `[${t.low === null ? '-∞' : figure(t.low)}, ${t.high === null ? '∞' : figure(t.high)}]`;
  return `${t.metric}:${t.rule} candidate ${arm(t.candidate)} control ${arm(t.control)} ${signed(t.estimate)} ${interval} ${t.verdict}`;
}

/** A look on one line, as `experiment watch` prints each new one: the outcome so far, then every test. */
export function lookLine(look: ExperimentLook): string {
  return [
    `${look.judgedAt.slice(11, 19)} look: ${look.outcome} (${look.reason})`,
    ...[look.primary, ...look.guardrails].map(testWords),
  ].join(' | ');
}

/**
 * The primary metric over time, compact: a row per look that brought either arm new values (the
 * loop looks again every tick with or without data), with each arm's mean and count so far, the
 * difference and where the test stood.
 */
export function historyLines(looks: ExperimentLook[]): string[] {
  const rows: string[][] = [];
  let counts = '';
  for (const look of looks) {
    const { candidate, control, estimate, verdict, metric } = look.primary;
    const now = `${candidate?.count ?? 0}/${control?.count ?? 0}`;
    if (now === counts || now === '0/0') continue;
    counts = now;
    rows.push([
      look.judgedAt,
      figure(candidate?.mean),
      String(candidate?.count ?? 0),
      figure(control?.mean),
      String(control?.count ?? 0),
      figure(estimate),
      verdict,
    ]);
    if (rows.length === 1) rows.unshift(['LOOK', `CANDIDATE ${metric}`, 'N', `CONTROL ${metric}`, 'N', 'DIFFERENCE', 'STATE']);
  }
  return rows.length ? table(rows) : ['no values of the primary metric yet'];
}
