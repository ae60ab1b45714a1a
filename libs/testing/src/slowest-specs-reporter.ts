// A Jest reporter that ends the run with its slowest spec files, so a growing suite shows where its
// time goes (CI must stay under 45 minutes on two cores). Jest loads it from dist/ like the global setup.
interface FileResult {
  testFilePath: string;
  perfStats: { start: number; end: number };
  numFailingTests: number;
}
interface RunResults {
  testResults: FileResult[];
  startTime: number;
}

const SHOWN = 25;

/** The `count` slowest files of a run, slowest first, with their share of the run's wall time. */
export function slowestSpecs(results: RunResults, rootDir: string, count = SHOWN): string[] {
  const wall = Math.max(1, Date.now() - results.startTime);
  return results.testResults
    .map((file) => ({ path: file.testFilePath.replace(`${rootDir}/`, ''), ms: file.perfStats.end - file.perfStats.start }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
    .map(({ path, ms }) => `${(ms / 1000).toFixed(1).padStart(7)} s  ${((100 * ms) / wall).toFixed(1).padStart(4)} %  ${path}`);
}

export default class SlowestSpecsReporter {
  constructor(private readonly globalConfig: { rootDir: string }) {}

  onRunComplete(_contexts: unknown, results: RunResults): void {
    if (results.testResults.length < 2) return;
    const lines = slowestSpecs(results, this.globalConfig.rootDir);
    process.stdout.write(`\nSlowest spec files (of ${results.testResults.length}; share of the run's wall time):\n${lines.join('\n')}\n`);
  }
}
