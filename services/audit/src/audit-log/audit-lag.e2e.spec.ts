import { jetstreamManager } from '@nats-io/jetstream';
import { register, type Histogram } from 'prom-client';
import { eventStreams } from '@keelson/event-store';
import { eventually, TestClock } from '@keelson/testing';
import { auditHarness, type AuditHarness } from '../test-fixtures/audit-app.js';
import * as ev from '../test-fixtures/sample-events.js';
import { auditBatchSize } from './audit-log.projection.js';

const device = (id: string) => ({ kind: 'device', id }) as const;

// Issue 11, item 6: the bench reads the audit's lag (event stored -> entry committed) from /metrics.
describe('the audit lag histogram', () => {
  const clock = new TestClock();
  let h: AuditHarness;

  beforeAll(async () => {
    h = await auditHarness({ clock });
    await h.start();
  });

  afterAll(async () => {
    await h?.close();
  });

  const samples = async () => {
    const lag = register.getSingleMetric('keelson_audit_lag_seconds') as Histogram<string>;
    const values = (await lag.get()).values.filter((v) => v.labels.stream === 'EV_DEVICES');
    const of = (name: string, le?: number) => values.find((v) => v.metricName === name && v.labels.le === le)?.value ?? 0;
    return {
      count: of('keelson_audit_lag_seconds_count'),
      sum: of('keelson_audit_lag_seconds_sum'),
      upTo10s: of('keelson_audit_lag_seconds_bucket', 10),
      upTo30s: of('keelson_audit_lag_seconds_bucket', 30),
    };
  };

  it("observes each committed entry once, from the event's stored time to the commit on the audit's clock", async () => {
    // The audit's clock stands 20 s ahead of JetStream's: each entry is judged written 20 s (less the
    // few ms between pinning and storing) after its event was stored.
    const writtenAt = clock.set(Date.now() + 20_000).getTime();
    const subject = h.stores.gateway.subject('device', 'default', 'd-lag');
    await h.append('gateway', subject, [ev.deviceEnrolled('default', 'd-lag')], device('d-lag'));
    await h.append(
      'gateway',
      subject,
      [ev.deviceReported('default', 'd-lag', 'r-1', 'downloading'), ev.deviceReported('default', 'd-lag', 'r-1', 'healthy')],
      device('d-lag'),
    );
    await eventually(async () => (await samples()).count === 3);

    const stored = await h.db.query<{ ms: number }>(
      'SELECT (extract(epoch FROM time) * 1000)::float8 AS ms FROM audit_log WHERE subject = $1',
      [subject],
    );
    expect(stored).toHaveLength(3);
    const expectedSum = stored.reduce((sum, r) => sum + (writtenAt - Number(r.ms)) / 1000, 0);
    const seen = await samples();
    expect(seen).toEqual({ count: 3, sum: expect.closeTo(expectedSum, 6), upTo10s: 0, upTo30s: 3 });
    expect(await register.metrics()).toMatch(/keelson_audit_lag_seconds_bucket\{le="0.01",stream="EV_DEVICES"\} 0/);
  });

  it('takes each stream in batches of auditBatchSize: the consumers let that many events be in flight', async () => {
    const jsm = await jetstreamManager(h.nc);
    for (const [key, stream] of Object.entries(eventStreams)) {
      const info = await jsm.consumers.info(`${h.naming.streamPrefix}${stream.name}`, `${h.naming.streamPrefix}proj-audit-log-${key}`);
      expect(info.config.max_ack_pending).toBe(auditBatchSize);
    }
    expect(auditBatchSize).toBeGreaterThan(100); // the runners' default, which let the audit lag 2.2 s at 10,000 devices
  });
});
