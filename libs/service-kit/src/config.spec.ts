import { loadServiceConfig } from './config.js';

describe('loadServiceConfig', () => {
  const env = { KEELSON_NATS_URL: 'nats://127.0.0.1:4222', KEELSON_HTTP_PORT: '8085' };

  it('serves plain HTTP unless both TLS files are given', () => {
    expect(loadServiceConfig('facade', env).tls).toBeUndefined();
    expect(
      loadServiceConfig('facade', { ...env, KEELSON_TLS_CERT_FILE: '/h/tls/server.pem', KEELSON_TLS_KEY_FILE: '/h/tls/server.key' }).tls,
    ).toEqual({ certFile: '/h/tls/server.pem', keyFile: '/h/tls/server.key' });
  });

  it('refuses a certificate without its key and the other way round', () => {
    expect(() => loadServiceConfig('facade', { ...env, KEELSON_TLS_CERT_FILE: '/h/tls/server.pem' })).toThrow(/set both or neither/);
    expect(() => loadServiceConfig('facade', { ...env, KEELSON_TLS_KEY_FILE: '/h/tls/server.key' })).toThrow(/set both or neither/);
  });

  it('takes every node of a cluster from a comma-separated KEELSON_NATS_URL', () => {
    expect(loadServiceConfig('api', env).natsServers).toEqual(['nats://127.0.0.1:4222']);
    expect(
      loadServiceConfig('api', { ...env, KEELSON_NATS_URL: 'nats://127.0.0.1:4222, nats://127.0.0.1:4223,nats://127.0.0.1:4224' })
        .natsServers,
    ).toEqual(['nats://127.0.0.1:4222', 'nats://127.0.0.1:4223', 'nats://127.0.0.1:4224']);
  });

  it('refuses a KEELSON_NATS_URL that names no server', () => {
    expect(() => loadServiceConfig('api', { ...env, KEELSON_NATS_URL: ' , ' })).toThrow(/KEELSON_NATS_URL is required/);
  });

  it.each(['', '8080 ', '65536', '-1', '80.5'])("refuses a KEELSON_HTTP_PORT of '%s' in its one error of bad configuration", (port) => {
    expect(() => loadServiceConfig('api', { ...env, KEELSON_HTTP_PORT: port })).toThrow(
      `api: bad configuration:\n  KEELSON_HTTP_PORT must be a whole number from 0 to 65535, got '${port}'`,
    );
  });
});
