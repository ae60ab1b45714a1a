import type { orchestrator } from '@keelson/requests';
import { evidenceLines, figure, historyLines, lookLine } from './experiment-evidence.js';

const figures = (mean: number, count: number) => ({ count, mean, variance: 0.01, p50: mean - 0.001, p95: mean + 0.16449 });

const look: orchestrator.ExperimentLook = {
  judgedAt: '2026-12-07T10:06:00.000Z',
  outcome: 'continue',
  reason: 'collecting',
  alpha: 0.05,
  samples: { candidate: 300, control: 250 },
  elapsedMs: 360_000,
  primary: {
    metric: 'confidence_mean',
    rule: 'higher',
    verdict: 'better',
    candidate: figures(0.80123, 300),
    control: figures(0.7, 250),
    estimate: 0.10123,
    low: 0.0412,
    high: 0.16,
    pValue: 0.001,
    looks: 6,
  },
  guardrails: [
    {
      metric: 'latency_ms',
      rule: 'max+10%',
      verdict: 'undecided',
      candidate: figures(41, 300),
      control: null,
      estimate: null,
      low: null,
      high: null,
      pValue: 1,
      looks: 0,
    },
  ],
  devices: { candidate: { confidence_mean: 3, latency_ms: 3 }, control: { confidence_mean: 2 } },
};

describe('an experiment look, side by side', () => {
  it('rounds figures to four significant digits and shows a missing one as a dash', () => {
    expect([figure(0.80123), figure(1234.56), figure(-0.000123456), figure(null)]).toEqual(['0.8012', '1235', '-0.0001235', '-']);
  });

  it('prints a row per metric and arm, then each test with its difference, interval and state', () => {
    const lines = evidenceLines(look);
    expect(lines[0]).toBe('evidence at 2026-12-07T10:06:00.000Z: continue (collecting), alpha 0.05, samples 300 candidate / 250 control');
    expect(lines.slice(1, 6).map((l) => l.split(/\s+/))).toEqual([
      ['METRIC', 'ARM', 'MEAN', 'P50', 'P95', 'SAMPLES', 'DEVICES'],
      ['confidence_mean', 'candidate', '0.8012', '0.8002', '0.9657', '300', '3'],
      ['confidence_mean', 'control', '0.7', '0.699', '0.8645', '250', '2'],
      ['latency_ms', 'candidate', '41', '41', '41.16', '300', '3'],
      ['latency_ms', 'control', '-', '-', '-', '0', '0'],
    ]);
    expect(lines.slice(6)).toEqual([
      'TEST                            DIFFERENCE  INTERVAL        STATE',
      'primary confidence_mean:higher  +0.1012     [0.0412, 0.16]  better',
      'guardrail latency_ms:max+10%    -           [-∞, ∞]         undecided',
    ]);
  });

  it('lines the columns up', () => {
    const header = evidenceLines(look)[1]!;
    for (const row of evidenceLines(look).slice(2, 6)) expect(row.indexOf(row.split(/\s+/)[1]!)).toBe(header.indexOf('ARM'));
  });

  it('puts a look on one line for watch: outcome, then per test the mean and samples of each arm, difference, interval, state', () => {
    expect(lookLine(look)).toBe(
      '10:06:00 look: continue (collecting)' +
        ' | confidence_mean:higher candidate 0.8012 (300) control 0.7 (250) +0.1012 [0.0412, 0.16] better' +
        ' | latency_ms:max+10% candidate 41 (300) control - (0) - [-∞, ∞] undecided',
    );
  });
});

/** A look at `minute` with the arms' figures so far (null: no values yet). */
function lookAt(minute: number, candidate: [number, number] | null, control: [number, number] | null): orchestrator.ExperimentLook {
  const primary = {
    metric: 'confidence_mean',
    rule: 'higher',
    verdict: 'undecided' as const,
    candidate: candidate && figures(...candidate),
    control: control && figures(...control),
    estimate: candidate && control ? candidate[0] - control[0] : null,
    low: null,
    high: null,
    pValue: 1,
    looks: minute,
  };
  return {
    judgedAt: `2026-12-07T10:0${minute}:00.000Z`,
    outcome: 'continue',
    reason: 'collecting',
    alpha: 0.05,
    samples: { candidate: candidate?.[1] ?? 0, control: control?.[1] ?? 0 },
    elapsedMs: minute * 60_000,
    primary,
    guardrails: [],
    devices: { candidate: {}, control: {} },
  };
}

describe('an experiment over time, compact', () => {
  it('prints a row per look that brought new values, skipping looks without any and repeated ones', () => {
    const looks = [
      lookAt(0, null, null),
      lookAt(1, [0.9, 10], null),
      lookAt(2, [0.9, 10], null),
      lookAt(3, [0.85, 30], [0.8, 20]),
      lookAt(4, [0.85, 30], [0.8, 20]),
    ];
    expect(historyLines(looks).map((l) => l.split(/\s+/))).toEqual([
      ['LOOK', 'CANDIDATE', 'confidence_mean', 'N', 'CONTROL', 'confidence_mean', 'N', 'DIFFERENCE', 'STATE'],
      ['2026-12-07T10:01:00.000Z', '0.9', '10', '-', '0', '-', 'undecided'],
      ['2026-12-07T10:03:00.000Z', '0.85', '30', '0.8', '20', '0.05', 'undecided'],
    ]);
  });

  it('says so when no look has a value yet', () => {
    expect(historyLines([lookAt(0, null, null)])).toEqual(['no values of the primary metric yet']);
    expect(historyLines([])).toEqual(['no values of the primary metric yet']);
  });
});
