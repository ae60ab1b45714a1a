import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { promtoolBinary } from './provisioned-tools.js';
import { k8sDir, named, overlays, renderOverlay } from './rendered-overlays.js';

const repoRoot = join(k8sDir, '..', '..');
const testFile = join(k8sDir, 'base', 'monitoring', 'alerts.test.yaml');

// Metrics not exported by Keelson's code: the NATS exporter's, and one another branch is adding now.
const exportedElsewhere = [/^jetstream_/];
const pendingElsewhere = ['keelson_runner_lease_held']; // issue 12 item 2: replicas' runner leases

// A histogram is exported under its base name; its series carry _bucket, _sum, _count.
const baseName = (metric: string) => metric.replace(/_(bucket|sum|count)$/, '');

function promtool(args: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync(promtoolBinary(), args, { cwd, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

describe.each(overlays)('the alert rules of the %s overlay', (overlay) => {
  const rule = named(renderOverlay(overlay), 'PrometheusRule', 'keelson');
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-k8s-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), stringify(rule.spec));
    copyFileSync(testFile, join(dir, 'alerts.test.yaml'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the alerts Keelson promises', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the schema spec checks the shape
    const alerts = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(alerts).toEqual([
      'KeelsonRolloutHalted',
      'KeelsonConsumerLagging',
      'KeelsonAuditLagging',
      'KeelsonAuditEventsStuck',
      'KeelsonAuditSinkPaused',
      'KeelsonAuditChainBroken',
      'KeelsonTufMetadataExpiring',
      'KeelsonCertificateExpiring',
      'KeelsonRunnerWithoutLeader',
    ]);
  });

  it('passes promtool check rules', () => {
    expect(promtool(['check', 'rules', 'rules.yaml'], dir)).toEqual({
      status: 0,
      output: expect.stringContaining('SUCCESS: 9 rules found'),
    });
  });

  it('passes its unit tests with promtool test rules: each alert fires and stays quiet as it should', () => {
    expect(promtool(['test', 'rules', 'alerts.test.yaml'], dir)).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
  });

  it('tests every alert it has', () => {
    const tested = new Set([...readFileSync(testFile, 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    for (const r of rule.spec.groups.flatMap((g: any) => g.rules)) expect(tested).toContain(r.alert);
  });

  it('reads only metrics a Keelson service exports (or the NATS exporter)', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
    const expressions: string = rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr)).join('\n');
    const metrics = [...new Set([...expressions.matchAll(/\b((?:keelson|jetstream)_[a-z_]+)\b/g)].map((m) => m[1]!))];
    expect(metrics.length).toBeGreaterThan(6);
    const grep = ['-rhoE', "'keelson_[a-z_]+'", 'libs', 'services', '--include=*.ts', '--exclude=*.spec.ts'];
    const sources = execFileSync('grep', grep, { cwd: repoRoot, encoding: 'utf8' });
    const exported = new Set(sources.split('\n').map((s) => s.replaceAll("'", '')));
    const unknown = metrics.filter(
      (m) => !exported.has(baseName(m)) && !pendingElsewhere.includes(m) && !exportedElsewhere.some((re) => re.test(m)),
    );
    expect(unknown).toEqual([]);
  });
});
