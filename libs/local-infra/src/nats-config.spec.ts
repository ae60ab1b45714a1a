import { renderNatsConfig, type NatsConfigInput } from './nats-config.js';

const base: NatsConfigInput = {
  serverName: 'keelson-local', host: '127.0.0.1', port: 4222, mqttPort: 1883, monitorPort: 8222, storeDir: '/data/js',
  users: [{ user: 'keelson-services', password: 'pw' }],
  systemUser: { user: 'keelson-system', password: 'sys' },
};
const issuerPublicKey = 'ACB33HPP6YSCTIW4E3GFUCBHQHGX5K7OJEECOAZ3FOPPNSVU5L3KUX6H';

describe('renderNatsConfig', () => {
  it('has static users only when no auth callout is asked for', () => {
    const conf = renderNatsConfig(base);
    expect(conf).not.toContain('auth_callout');
    expect(conf).toContain('{ user: "keelson-services", password: "pw" }');
    expect(conf).toContain('mqtt {\n  listen: "127.0.0.1:1883"\n}');
  });

  it('sends everyone but the auth users and the system user to the callout, mapped into KEELSON', () => {
    const conf = renderNatsConfig({ ...base, authCallout: { issuerPublicKey, authUsers: ['keelson-services'] } });
    expect(conf).toContain(`authorization {
  auth_callout {
    issuer: "${issuerPublicKey}"
    account: KEELSON
    auth_users: ["keelson-services", "keelson-system"]
  }
}`);
  });

  it('opens the profiling port only when asked', () => {
    expect(renderNatsConfig(base)).not.toContain('prof_port');
    expect(renderNatsConfig({ ...base, profPort: 6060 })).toContain('http: "127.0.0.1:8222"\nprof_port: 6060\n');
  });

  it('refuses an issuer that is not a public account nkey, and a callout nobody can answer', () => {
    expect(() => renderNatsConfig({ ...base, authCallout: { issuerPublicKey: 'SAAF5327', authUsers: ['keelson-services'] } })).toThrow(/account nkey/);
    expect(() => renderNatsConfig({ ...base, authCallout: { issuerPublicKey, authUsers: [] } })).toThrow(/authUsers/);
  });

  it('renders the allow-lists of a user, its reply permission and its connection types', () => {
    const conf = renderNatsConfig({
      ...base,
      users: [{ user: 'keelson-signer', password: 'pw', permissions: { publish: ['ev.tuf.>'], subscribe: ['_INBOX.>'], allowResponses: true }, allowedConnectionTypes: ['STANDARD'] }],
    });
    expect(conf).toContain('{ user: "keelson-signer", password: "pw", permissions: { publish: { allow: ["ev.tuf.>"] }, subscribe: { allow: ["_INBOX.>"] }, allow_responses: true }, allowed_connection_types: ["STANDARD"] }');
  });

  it('puts TLS on the MQTT listener when asked', () => {
    const conf = renderNatsConfig({ ...base, mqttTls: { certFile: '/h/tls/server.pem', keyFile: '/h/tls/server.key' } });
    expect(conf).toContain('mqtt {\n  listen: "127.0.0.1:1883"\n  tls {\n    cert_file: "/h/tls/server.pem"\n    key_file: "/h/tls/server.key"');
  });
});
