import { renderNatsConfig, type NatsConfigInput } from './nats-config.js';

const base: NatsConfigInput = {
  serverName: 'keelson-local',
  host: '127.0.0.1',
  port: 4222,
  mqttPort: 1883,
  monitorPort: 8222,
  storeDir: '/data/js',
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
    expect(() => renderNatsConfig({ ...base, authCallout: { issuerPublicKey: 'SAAF5327', authUsers: ['keelson-services'] } })).toThrow(
      /account nkey/,
    );
    expect(() => renderNatsConfig({ ...base, authCallout: { issuerPublicKey, authUsers: [] } })).toThrow(/authUsers/);
  });

  it('renders the allow-lists of a user, its reply permission and its connection types', () => {
    const conf = renderNatsConfig({
      ...base,
      users: [
        {
          user: 'keelson-signer',
          password: 'pw',
          permissions: { publish: ['ev.tuf.>'], subscribe: ['_INBOX.>'], allowResponses: true },
          allowedConnectionTypes: ['STANDARD'],
        },
      ],
    });
    expect(conf).toContain(
      '{ user: "keelson-signer", password: "pw", permissions: { publish: { allow: ["ev.tuf.>"] }, subscribe: { allow: ["_INBOX.>"] }, allow_responses: true }, allowed_connection_types: ["STANDARD"] }',
    );
  });

  it('puts TLS on the MQTT listener when asked', () => {
    const conf = renderNatsConfig({ ...base, mqttTls: { certFile: '/h/tls/server.pem', keyFile: '/h/tls/server.key' } });
    expect(conf).toContain(
      'mqtt {\n  listen: "127.0.0.1:1883"\n  tls {\n    cert_file: "/h/tls/server.pem"\n    key_file: "/h/tls/server.key"',
    );
  });

  describe('as one node of a cluster', () => {
    const cluster = {
      name: 'keelson',
      port: 6222,
      routeUser: { user: 'keelson-route', password: 'r/p w' },
      mqttStreamReplicas: 3,
      routes: ['nats-route://127.0.0.1:6222', 'nats-route://127.0.0.1:6223', 'nats-route://127.0.0.1:6224'],
    };

    it('listens for routes, authenticates them and dials every node with the route user', () => {
      const conf = renderNatsConfig({ ...base, cluster });
      expect(conf).toContain(`cluster {
  name: "keelson"
  listen: "127.0.0.1:6222"
  authorization { user: "keelson-route", password: "r/p w" }
  routes: ["nats-route://keelson-route:r%2Fp%20w@127.0.0.1:6222", "nats-route://keelson-route:r%2Fp%20w@127.0.0.1:6223", "nats-route://keelson-route:r%2Fp%20w@127.0.0.1:6224"]
}`);
    });

    it('keeps the MQTT sessions in streams of the asked replicas', () => {
      expect(renderNatsConfig({ ...base, cluster })).toContain('mqtt {\n  listen: "127.0.0.1:1883"\n  stream_replicas: 3\n}');
    });

    it('renders no cluster block and no MQTT replicas for a single node', () => {
      const conf = renderNatsConfig(base);
      expect(conf).not.toContain('cluster {');
      expect(conf).not.toContain('stream_replicas');
    });

    it('refuses a cluster of one route, a route that is not nats-route:// and a name the server would misread', () => {
      expect(() => renderNatsConfig({ ...base, cluster: { ...cluster, routes: ['nats-route://127.0.0.1:6222'] } })).toThrow(/at least two/);
      expect(() =>
        renderNatsConfig({ ...base, cluster: { ...cluster, routes: ['nats://127.0.0.1:6222', 'nats://127.0.0.1:6223'] } }),
      ).toThrow(/nats-route/);
      expect(() => renderNatsConfig({ ...base, cluster: { ...cluster, name: 'a b' } })).toThrow(/plain name/);
    });
  });
});
