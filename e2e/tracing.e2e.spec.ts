import type { PlatformService } from '@keelson/local-infra';
import { startFleet, type TestFleet } from './support/fleet.js';
import { createGroup, createRollout, eventually, publishArtifact, readyProbe, rolloutBody, waitForRollout } from './support/operator.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';
import { startTestPlatform, type TestPlatform } from './support/test-platform.js';

const traced: PlatformService[] = ['api', 'rollout-orchestrator', 'audit', 'device-gateway'];
const uploadTraced: PlatformService[] = ['api', 'registry-facade'];

// Issue 12, item 6: one operator request, one trace, across the services it sets off.
describe('OpenTelemetry traces', () => {
  let receiver: OtlpReceiver;
  let platform: TestPlatform;
  let fleet: TestFleet;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The standard variables only: an OTLP/HTTP JSON endpoint, exported every 200 ms.
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200' };
    platform = await startTestPlatform({ serviceEnv: Object.fromEntries([...traced, ...uploadTraced].map((s) => [s, otel])) });
    fleet = await startFleet(platform, { count: 1 });
    await createGroup(platform, 'traced', ['sim-1']);
    await publishArtifact(platform, { name: 'traced-model', version: '1.0.0', bytes: `traced 1.0.0\n${'weights '.repeat(1000)}` });
  }, 240_000);

  afterAll(async () => {
    await fleet?.stop();
    await platform?.destroy();
    await receiver?.stop();
  }, 60_000);

  it('joins the spans of the api, the orchestrator, the audit and the gateway under the trace of rollout create', async () => {
    const created = await createRollout(platform, rolloutBody('traced-model@1.0.0', 'traced', readyProbe, [100]));
    expect((await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');

    const request = await eventually('the server span of POST /v1/rollouts', async () =>
      receiver.spans.find(
        (s) => s.service === 'api' && s.name === 'POST /v1/rollouts' && s.attributes['http.response.status_code'] === 201,
      ),
    );
    expect(request.parentSpanId).toBe(''); // the operator sent no traceparent: the request starts the trace

    const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === request.traceId);
    const services = await eventually(
      'spans of every traced service in the trace',
      async () => {
        const seen = new Set(inTrace().map((s) => s.service));
        return traced.every((s) => seen.has(s)) ? seen : undefined;
      },
      30_000,
    );
    expect([...services]).toEqual(expect.arrayContaining(traced));

    // Each span's parent is a span of the same trace: the context went hop by hop, not by accident.
    // A parent ends (and is exported) after its children: give the last batches time to arrive.
    const orphans = (): string[] => {
      const ids = new Set(inTrace().map((s) => s.spanId));
      return inTrace()
        .filter((s) => s !== request && !ids.has(s.parentSpanId))
        .map((s) => `${s.service}: ${s.name}`);
    };
    await eventually('every parent span exported', async () => (orphans().length === 0 ? true : undefined), 10_000).catch(() => undefined);
    expect(orphans()).toEqual([]);
    const spans = inTrace();
    // The api's command request is the parent of the orchestrator's server span, and that of what it did for it: its appends, its requests.
    const send = spans.find(
      (s) =>
        s.service === 'api' &&
        s.name.startsWith('send ') &&
        s.name.endsWith('cmd.orchestrator.create-rollout') &&
        s.parentSpanId === request.spanId,
    );
    expect(send).toBeDefined();
    const serve = spans.find((s) => s.service === 'rollout-orchestrator' && s.parentSpanId === send!.spanId);
    expect(serve).toMatchObject({
      kind: 2,
      attributes: { 'keelson.command': 'orchestrator.create-rollout', 'keelson.command.outcome': 'ok' },
    }); // SERVER
    const served = spans.filter((s) => s.service === 'rollout-orchestrator' && s.parentSpanId === serve!.spanId);
    expect(served.some((s) => s.name.startsWith('publish '))).toBe(true);
    expect(spans.some((s) => s.service === 'audit' && s.name.startsWith('process '))).toBe(true);

    // Down to the device and back: the desired state carried the push's context, the agent echoed it
    // in its reports, and the gateway handled the device's outcome report inside that trace.
    const push = spans.find((s) => s.service === 'device-gateway' && s.name.endsWith('react-gateway-desired-state'));
    expect(push).toBeDefined();
    const report = await eventually('the gateway span of the device report, in the rollout trace', async () =>
      inTrace().find(
        (s) =>
          s.service === 'device-gateway' &&
          s.name.endsWith('react-gateway-device-inbox') &&
          s.parentSpanId === push!.spanId &&
          inTrace().some((c) => c.parentSpanId === s.spanId && c.name.startsWith('publish ') && c.name.includes('ev.device.')),
      ),
    );
    expect(report.kind).toBe(5); // CONSUMER
    // The device's steps (live progress, never stored) are relayed in the same trace.
    await eventually('the relay of a device step, in the rollout trace', async () =>
      inTrace().find((s) => s.service === 'device-gateway' && s.name === 'process gateway-progress' && s.parentSpanId === push!.spanId),
    );
  }, 180_000);

  it("sends a device that was offline at the rollout its desired state in the rollout's trace, not in its hello's", async () => {
    const device = fleet.devices[0]!;
    const spansBefore = receiver.spans.length; // the earlier tests' spans are all in by now
    await publishArtifact(platform, { name: 'traced-model', version: '1.1.0', bytes: `traced 1.1.0\n${'weights '.repeat(1000)}` });
    await device.stop(); // the push of the new state goes nowhere: it comes in answer to the next hello
    const created = await createRollout(platform, rolloutBody('traced-model@1.1.0', 'traced', readyProbe, [100]));
    await eventually('the device assigned while offline', async () => {
      const { body } = await platform.api<{ assignments: { rolloutId: string }[] }>(`/v1/devices/${device.deviceId}`);
      return body.assignments?.some((a) => a.rolloutId === created.rolloutId) || undefined;
    });
    await device.restart();
    expect((await waitForRollout(platform, created.rolloutId, ['succeeded', 'failed', 'halted'])).status).toBe('succeeded');

    const request = await eventually('the server span of this POST /v1/rollouts', async () =>
      receiver.spans
        .slice(spansBefore)
        .find((s) => s.service === 'api' && s.name === 'POST /v1/rollouts' && s.attributes['http.response.status_code'] === 201),
    );
    // The device's outcome report is handled in the trace its desired state carried: the rollout's.
    await eventually('the gateway span of the device report, in the rollout trace', async () =>
      receiver.spans.find(
        (s) => s.traceId === request.traceId && s.service === 'device-gateway' && s.name.endsWith('react-gateway-device-inbox'),
      ),
    );
  }, 180_000);

  it("joins the facade's upload route and the append it causes to the operator's upload request", async () => {
    const upload = await eventually('the server span of the upload', async () =>
      receiver.spans.find(
        (s) => s.service === 'api' && s.name === 'POST /v1/artifacts' && s.attributes['http.response.status_code'] === 201,
      ),
    );
    const inTrace = (): ReceivedSpan[] => receiver.spans.filter((s) => s.traceId === upload.traceId);
    const forward = inTrace().find((s) => s.service === 'api' && s.kind === 3 && s.parentSpanId === upload.spanId); // CLIENT
    expect(forward?.attributes['url.full']).toMatch(/\/internal\/v1\/fleets\/[a-z0-9-]+\/artifacts$/);
    const received = await eventually("the facade's server span of the upload", async () =>
      inTrace().find((s) => s.service === 'registry-facade' && s.kind === 2 && s.parentSpanId === forward!.spanId),
    );
    expect(received).toMatchObject({ name: 'POST /internal/v1/fleets/:fleet/artifacts', attributes: { 'http.response.status_code': 201 } });
    const appended = await eventually('the append of ArtifactReceived', async () =>
      inTrace().find(
        (s) =>
          s.service === 'registry-facade' &&
          s.parentSpanId === received.spanId &&
          s.name.startsWith('publish ') &&
          s.name.includes('ev.artifact.'),
      ),
    );
    expect(appended.kind).toBe(4); // PRODUCER
  }, 60_000);
});
