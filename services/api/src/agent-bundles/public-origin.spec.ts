import type { IncomingMessage } from 'node:http';
import { loadServiceConfig } from '@keelson/service-kit';
import { loadApiConfig } from '../api-config.js';
import { installCommandLine } from '../devices/enrollment-tokens.controller.js';
import { publicOrigin } from './agent-bundles.controller.js';
import { installScript, sha256Of } from './install-script.js';

// Where the install line and the installer tell a device to fetch from: KEELSON_PUBLIC_API_URL when
// set, else the request's own address (its Host header), which is wrong behind a proxy or a port-forward.

const env = (extra: Record<string, string> = {}) => ({
  KEELSON_NATS_URL: 'nats://127.0.0.1:4222',
  KEELSON_ADMIN_TOKEN: 'admin-token-0123456789',
  KEELSON_INTERNAL_TOKEN: 'internal-token-0123456789',
  KEELSON_FACADE_URL: 'https://facade.example.test',
  KEELSON_GATEWAY_URL: 'https://gateway.example.test',
  ...extra,
});
const apiConfig = (extra?: Record<string, string>) => loadApiConfig(loadServiceConfig('api', env(extra)));
const request = (host: string) => ({ headers: { host } }) as IncomingMessage;
const bundle = { version: '0.1.0', arch: 'x64', file: 'keelson-agent-0.1.0-linux-x64.tar.gz', sha256: 'a'.repeat(64) };

describe('the address devices fetch the agent from', () => {
  it("is the request's own address when KEELSON_PUBLIC_API_URL is not set", () => {
    expect(apiConfig().publicApiUrl).toBeUndefined();
    expect(publicOrigin(apiConfig(), request('localhost:8080'))).toBe('http://localhost:8080');
  });

  it('is KEELSON_PUBLIC_API_URL when set (without a trailing slash), whatever Host the caller used', () => {
    const config = apiConfig({ KEELSON_PUBLIC_API_URL: 'https://api.fleet.example.test/' });
    const origin = publicOrigin(config, request('localhost:8080'));
    expect(origin).toBe('https://api.fleet.example.test');
    const script = installScript(origin, [bundle]);
    expect(script).toContain("platform='https://api.fleet.example.test'");
    expect(installCommandLine(origin, sha256Of(script), config.gatewayUrl, 'tok')).toMatch(
      /^curl -fsSL https:\/\/api\.fleet\.example\.test\/v1\/agent\/install\.sh /,
    );
  });

  it.each(['api.fleet.example.test', 'ftp://api.fleet.example.test', 'not a url'])(
    'refuses KEELSON_PUBLIC_API_URL=%s, naming the variable',
    (value) => {
      expect(() => apiConfig({ KEELSON_PUBLIC_API_URL: value })).toThrow('KEELSON_PUBLIC_API_URL must be an http(s) URL');
    },
  );
});
