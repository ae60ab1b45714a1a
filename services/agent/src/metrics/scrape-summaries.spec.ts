import { meanOf, sketchQuantile, summarize, varianceOf } from '@keelson/experiment-stats';
import { parsePrometheusText } from './prometheus-text.js';
import { scrapeSummaries, type SeriesMemory } from './scrape-summaries.js';

/** Two scrapes in a row: what the second says since the first. */
function between(first: string, second: string) {
  const memory: SeriesMemory = new Map();
  scrapeSummaries(parsePrometheusText(first), new Map(), memory);
  return scrapeSummaries(parsePrometheusText(second), memory, new Map());
}

describe('what one scrape says about each metric', () => {
  it('takes each gauge series as one value, merged across label sets', () => {
    const got = scrapeSummaries(parsePrometheusText('# TYPE c gauge\nc{cam="a"} 0.8\nc{cam="b"} 0.9\n'), new Map(), new Map());
    expect(got.get('c')).toEqual(summarize([0.8, 0.9]));
  });

  it("takes a counter's increase since the last scrape, and its value after a restart", () => {
    const got = between('# TYPE f counter\nf{cam="a"} 100\nf{cam="b"} 50\n', '# TYPE f counter\nf{cam="a"} 130\nf{cam="b"} 7\n');
    expect(got.get('f')).toEqual(summarize([30, 7]));
  });

  it('says nothing of a counter seen for the first time', () => {
    expect(scrapeSummaries(parsePrometheusText('# TYPE f counter\nf 100\n'), new Map(), new Map()).has('f')).toBe(false);
  });

  it("places a histogram's new observations in their buckets, with the exact count and sum", () => {
    const histogram = (b1: number, b2: number, inf: number, sum: number) =>
      `# TYPE t histogram\nt_bucket{le="0.1"} ${b1}\nt_bucket{le="0.5"} ${b2}\nt_bucket{le="+Inf"} ${inf}\nt_sum ${sum}\nt_count ${inf}\n`;
    const got = between(histogram(1, 1, 1, 0.05), histogram(3, 6, 7, 2.05))!.get('t')!;
    // new: 2 in (…, 0.1], 3 in (0.1, 0.5], 1 above 0.5; sum 2.0 exactly as the application counted it
    expect(got.count).toBe(6);
    expect(got.sum).toBeCloseTo(2.0, 12);
    expect(sketchQuantile(got.sketch, 0)).toBeCloseTo(0.1, 2);
    expect(sketchQuantile(got.sketch, 0.5)).toBeCloseTo(0.3, 2);
    expect(sketchQuantile(got.sketch, 1)).toBeCloseTo(0.5, 2);
    expect(varianceOf(got)).toBeGreaterThanOrEqual(0);
    expect(meanOf(got)).toBeCloseTo(2 / 6, 12);
  });

  it('skips summaries (their quantiles do not merge) and values that are not finite', () => {
    const text = '# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 3\ns_count 2\n# TYPE g gauge\ng NaN\ng{x="1"} +Inf\n';
    expect([...scrapeSummaries(parsePrometheusText(text), new Map(), new Map()).keys()]).toEqual([]);
  });
});
