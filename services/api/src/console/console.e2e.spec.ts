import { request } from 'node:http';
import { startApiApp, type ApiTestApp } from '../test-fixtures/api-app.js';

/** A request with the path exactly as written: `fetch` would resolve `..` before sending. */
function rawGet(
  base: string,
  path: string,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const expectSecurityHeaders = (headers: Record<string, string | string[] | undefined>) => {
  const csp = String(headers['content-security-policy']);
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
};

describe('the operator console, served by the api', () => {
  let t: ApiTestApp;

  beforeAll(async () => {
    t = await startApiApp();
  });
  afterAll(() => t.close());

  it('serves the page at /console/ without a token, with strict security headers', async () => {
    const res = await rawGet(t.url, '/console/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expectSecurityHeaders(res.headers);
    expect(res.body).toContain('<script type="module" src="app.js"></script>');
    expect(res.body).not.toMatch(/<script>|<style>|\son[a-z]+=/); // nothing inline for the CSP to refuse
  });

  it.each([
    ['/console/app.js', 'text/javascript; charset=utf-8', 'render'],
    ['/console/api.js', 'text/javascript; charset=utf-8', 'Authorization'],
    ['/console/pages/rollout.js', 'text/javascript; charset=utf-8', 'readSse'],
    ['/console/console.css', 'text/css; charset=utf-8', ':root'],
  ])('serves %s as %s', async (path, type, text) => {
    const res = await rawGet(t.url, path);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expectSecurityHeaders(res.headers);
    expect(res.body).toContain(text);
  });

  it('sends / and /console to /console/', async () => {
    for (const path of ['/', '/console', '/console?x=1']) {
      const res = await rawGet(t.url, path);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe('/console/');
    }
  });

  it('still asks for a token on every /v1 route', async () => {
    expect((await rawGet(t.url, '/v1/devices')).status).toBe(401);
    expect((await rawGet(t.url, '/v1/openapi.json')).status).toBe(401);
  });

  it.each([
    '/console/../package.json',
    '/console/../../package.json',
    '/console/..%2fpackage.json',
    '/console/%2e%2e/package.json',
    '/console/%2E%2E%2F%2E%2E%2Fpackage.json',
    '/console/..%5cpackage.json',
    '/console/pages/../../src/main.ts',
    '/console//etc/passwd',
    '/console/%2Fetc%2Fpasswd',
    '/console/app.js%00.css',
    '/console/README.md',
  ])('refuses %s with a plain 404, reading no file outside the console', async (path) => {
    const res = await rawGet(t.url, path);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expectSecurityHeaders(res.headers);
    expect(res.body).not.toContain('"name"');
    expect(res.body).not.toContain('import');
  });

  it('answers HEAD with the headers and no body, and leaves other methods to the API', async () => {
    const head = await rawGet(t.url, '/console/app.js', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(100);
    const post = await rawGet(t.url, '/console/app.js', 'POST');
    expect(post.status).toBe(404);
    expect(JSON.parse(post.body)).toMatchObject({ error: { code: 'route.not-found' } });
  });
});
