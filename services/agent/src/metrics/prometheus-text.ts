/** The metric types of the Prometheus text format (0.0.4); a family without `# TYPE` is `untyped`. */
export type PrometheusType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** One line of a scrape: a series' sample. */
export interface PrometheusSample {
  /** The sample's own name: `<family>_bucket`, `<family>_sum`, … for histograms and summaries. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its declared type and every sample of its series. */
export interface PrometheusFamily {
  name: string;
  type: PrometheusType;
  samples: PrometheusSample[];
}

const types: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const sampleLine = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+-?\d+)?[ \t]*$/;
const labelPair = /^[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(?:,|$)/;
const suffixes: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

/** A sample value as the format writes it: a float, `NaN`, `+Inf` or `-Inf`. */
function valueOf(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const n = Number(text);
  return text.trim() === '' || Number.isNaN(n) ? undefined : n;
}

function labelsOf(text: string | undefined): Record<string, string> | undefined {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  let rest = text ?? '';
  while (rest.trim() !== '') {
    const m = labelPair.exec(rest);
    if (!m) return undefined;
    labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    rest = rest.slice(m[0].length);
  }
  return labels;
}

/**
 * Reads a scrape in the Prometheus text format. `# TYPE` lines give families their type; a sample
 * belongs to the family it names or, for a histogram or summary, to the family its `_bucket`,
 * `_sum` or `_count` suffix extends. A line that is not a sample, a comment or blank throws, naming
 * the line: a half-read scrape would summarise wrong numbers.
 */
export function parsePrometheusText(text: string): PrometheusFamily[] {
  const families = new Map<string, PrometheusFamily>();
  const familyOf = (sample: string): PrometheusFamily => {
    for (const [name, family] of families) {
      if (sample === name || (suffixes[family.type] ?? []).some((s) => sample === `${name}${s}`)) return family;
    }
    const family: PrometheusFamily = { name: sample, type: 'untyped', samples: [] };
    families.set(sample, family);
    return family;
  };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const [, keyword, name, type] = line.split(/[ \t]+/);
      if (keyword === 'TYPE' && name && type && types.has(type) && !families.has(name)) {
        families.set(name, { name, type: type as PrometheusType, samples: [] });
      }
      return;
    }
    const m = sampleLine.exec(line);
    const labels = m ? labelsOf(m[2]) : undefined;
    const value = m ? valueOf(m[3]!) : undefined;
    if (!m || !labels || value === undefined)
      throw new Error(`line ${i + 1} of the scrape is not a Prometheus sample: ${line.slice(0, 80)}`);
    familyOf(m[1]!).samples.push({ name: m[1]!, labels, value });
  });
  return [...families.values()];
}
