import { slowestSpecs } from './slowest-specs-reporter.js';

const file = (path: string, seconds: number) => ({
  testFilePath: `/repo/${path}`,
  perfStats: { start: 1_000, end: 1_000 + seconds * 1000 },
  numFailingTests: 0,
});

describe('slowestSpecs', () => {
  it('lists the slowest files first, relative to the root, with their share of the wall time', () => {
    const results = {
      startTime: Date.now() - 100_000,
      testResults: [file('a.spec.ts', 5), file('e2e/b.e2e.spec.ts', 40), file('c.spec.ts', 12.25)],
    };
    const lines = slowestSpecs(results, '/repo', 2);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\s+40\.0 s\s+40\.0 %  e2e\/b\.e2e\.spec\.ts$/);
    expect(lines[1]).toMatch(/^\s+12\.3 s\s+12\.3 %  c\.spec\.ts$/);
  });
});
