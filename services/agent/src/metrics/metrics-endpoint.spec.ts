import { metricsUrlOf, MetricsUrlRefused } from './metrics-endpoint.js';

describe('the --metrics-url an agent accepts', () => {
  it.each(['http://127.0.0.1:9100/metrics', 'http://127.0.0.53:80/m', 'http://[::1]:9100/metrics', 'http://localhost:9100/metrics'])(
    'accepts %s',
    (url) => {
      expect(metricsUrlOf(url).href).toBe(new URL(url).href);
    },
  );

  it.each([
    ['another host', 'http://10.0.0.5:9100/metrics', /loopback host/],
    ['a name that resolves elsewhere', 'http://metrics.example.com/metrics', /loopback host/],
    ['0.0.0.0', 'http://0.0.0.0:9100/metrics', /loopback host/],
    ['https (nothing to protect on loopback, and no CA to check)', 'https://127.0.0.1:9100/metrics', /http:\/\//],
    ['a file URL', 'file:///proc/self/environ', /http:\/\//],
    ['credentials', 'http://user:pw@127.0.0.1:9100/metrics', /credentials/],
    ['something that is not a URL', '127.0.0.1:9100', /must be a URL/],
  ])('refuses %s with a clear error', (_what, url, message) => {
    expect(() => metricsUrlOf(url)).toThrow(MetricsUrlRefused);
    expect(() => metricsUrlOf(url)).toThrow(message);
  });
});
