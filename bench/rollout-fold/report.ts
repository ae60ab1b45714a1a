import type { FoldFigures } from './measure-fold.js';

const us = (v: number | undefined) => (v === undefined ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const ratio = (a: number | undefined, b: number) => (a === undefined ? '–' : `${(a / b).toFixed(a / b < 10 ? 1 : 0)}×`);

/** One table row per size and scenario, then a last line `JSON {...}`. */
export function printReport(figures: FoldFigures[], baselineCode: string | undefined): void {
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out('Rollout fold: time per device outcome (decide + evolve, as handleCommand runs them), µs');
  out(
    baselineCode
      ? `baseline: the decider built in ${baselineCode}, timed in the same run on the same states`
      : 'no baseline (--baseline-code DIR)',
  );
  out();
  out(
    '| devices | strategy | current, mean of all outcomes | median at 10 %: current / baseline | at 50 % | at 90 % | baseline ÷ current at 90 % |',
  );
  out('|---|---|---|---|---|---|---|');
  for (const f of figures) {
    const [w10, w50, w90] = f.windows;
    const cell = (w = w10) => `${us(w?.currentUs)} / ${us(w?.baselineUs)}`;
    out(
      `| ${f.devices.toLocaleString('en')} | ${f.scenario} | ${us(f.currentUs)} | ${cell(w10)} | ${cell(w50)} | ${cell(w90)} | ${ratio(w90?.baselineUs, w90?.currentUs ?? 1)} |`,
    );
  }
  for (const f of figures)
    if (f.finalStatus !== 'finished')
      out(`warning: ${f.devices} devices, ${f.scenario}: the rollout ended '${f.finalStatus}', not finished`);
  out(`JSON ${JSON.stringify({ baselineCode, figures })}`);
}
