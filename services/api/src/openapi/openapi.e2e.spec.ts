import { apiClient } from '../test-fixtures/http-client.js';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `GET /v1/x/{id}` for every route the running app actually serves under /v1. */
function servedRoutes(t: ApiTestApp): string[] {
  const stack: ExpressLayer[] = t.app.getHttpAdapter().getInstance().router.stack;
  return stack
    .flatMap((l) =>
      l.route ? Object.keys(l.route.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:([A-Za-z]+)/g, '{$1}')}`) : [],
    )
    .filter((r) => r.includes(' /v1/'))
    .sort();
}

describe('GET /v1/openapi.json', () => {
  let t: ApiTestApp;
  let doc: {
    openapi: string;
    paths: Record<
      string,
      Record<string, { requestBody?: unknown; parameters: { name: string; in: string }[]; responses: Record<string, unknown> }>
    >;
  };

  beforeAll(async () => {
    t = await startApiApp();
    const res = await apiClient(t.url, t.adminToken)('GET', '/v1/openapi.json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => t.close());

  it('is OpenAPI 3.1 and describes exactly the routes the app serves', () => {
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    expect(servedRoutes(t)).toHaveLength(59);
    expect(documented).toEqual(servedRoutes(t));
  });

  it('documents the fleet parameter, bodies from the zod contracts, and the SSE events', () => {
    expect(doc.paths['/v1/devices']!.get!.parameters.map((p) => p.name)).toEqual([
      'fleet',
      'limit',
      'cursor',
      'search',
      'status',
      'label',
      'installed',
      'sort',
      'reachable',
    ]);
    expect(JSON.stringify(doc.paths['/v1/rollouts']!.post!.requestBody)).toContain('timeoutSeconds');
    expect(JSON.stringify(doc.paths['/v1/artifacts']!.post!.requestBody)).toContain('multipart/form-data');
    expect(doc.paths['/v1/rollouts/{id}/events']!.get!.responses['200']).toMatchObject({
      'x-sse-events': { snapshot: {}, rollout: {}, device: {}, end: {} },
    });
    expect(doc.paths['/v1/experiments/{id}/events']!.get!.responses['200']).toMatchObject({
      'x-sse-events': { snapshot: {}, experiment: {}, look: {}, end: {} },
    });
  });

  it("documents the strategy's halt rule, throttle and per-device timeout, and the view's wave summaries", () => {
    const body = (
      doc.paths['/v1/rollouts']!.post!.requestBody as {
        content: { 'application/json': { schema: { properties: { strategy: { properties: Record<string, unknown> } } } } };
      }
    ).content['application/json'].schema.properties.strategy.properties;
    expect(Object.keys(body)).toEqual(expect.arrayContaining(['maxFailures', 'failureRate', 'maxConcurrent', 'deviceTimeoutSeconds']));
    expect(body.deviceTimeoutSeconds).toMatchObject({ type: 'integer', minimum: 60 });
    expect(JSON.stringify(doc.paths['/v1/rollouts/{id}']!.get!.responses['200'])).toContain('unreachable');
  });

  it('documents the 503 with Retry-After on every route that talks to NATS, and only there', () => {
    const unavailable = { $ref: '#/components/responses/Unavailable' };
    const withoutBroker = ['GET /v1/agent/bundles', 'GET /v1/agent/bundles/{file}', 'GET /v1/agent/install.sh'];
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops).map(([m, op]) => [`${m.toUpperCase()} ${path}`, op.responses['503']] as const),
    );
    expect(
      operations
        .filter(([, r]) => r === undefined)
        .map(([name]) => name)
        .sort(),
    ).toEqual(withoutBroker);
    expect(
      operations.filter(([name]) => !withoutBroker.includes(name)).every(([, r]) => JSON.stringify(r) === JSON.stringify(unavailable)),
    ).toBe(true);
    const components = (
      doc as unknown as {
        components: { responses: Record<string, { headers: Record<string, { required: boolean; schema: unknown }>; content: unknown }> };
      }
    ).components;
    expect(components.responses.Unavailable!.headers['Retry-After']).toMatchObject({
      required: true,
      schema: { type: 'integer', const: 2 },
    });
    expect(components.responses.Unavailable!.content).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
  });

  it('needs the token like every other route', async () => {
    expect((await fetch(`${t.url}/v1/openapi.json`)).status).toBe(401);
  });
});
