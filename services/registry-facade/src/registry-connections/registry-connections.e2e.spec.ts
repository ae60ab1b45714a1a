import { registry, type RequestContract, type RequestInput } from '@keelson/requests';
import { sendRequest } from '@keelson/service-kit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '@keelson/testing';
import { startDockerRegistry, type RunningDockerRegistry } from '../test-fixtures/docker-registry.js';
import { startFacade, type FacadeApp } from '../test-fixtures/facade-app.js';
import { startTokenRealm } from '../test-fixtures/token-realm.js';

const fleet = 'plant-7';
const user = { username: 'ci-robot', password: 'facade-race-secret-7c21' };

describe('registry connections in the facade, against real NATS, PostgreSQL and docker-registry', () => {
  let facade: FacadeApp;
  let upstream: RunningDockerRegistry;
  const call = <C extends RequestContract>(contract: C, input: RequestInput<C>) => sendRequest(facade.nc, facade.naming, contract, input);
  const sealedRows = async () =>
    await facade.db.query<{ credentials_id: string; sealed: string }>('SELECT credentials_id, sealed FROM registry_credentials');

  beforeAll(async () => {
    [facade, upstream] = await Promise.all([
      startFacade({ KEELSON_REGISTRY_CREDENTIALS_SECRET: 'facade spec credentials secret' }),
      startDockerRegistry({ kind: 'htpasswd', ...user }),
    ]);
  });
  afterAll(async () => {
    await upstream?.stop();
    await facade?.close();
  });

  it("lets exactly one of two racing connects of a name win, and keeps only the winner's sealed credentials", async () => {
    const connect = () => call(registry.connectRegistry, { fleet, name: 'harbor', url: upstream.url, caPem: upstream.caPem, ...user });
    const outcomes = await Promise.allSettled([connect(), connect()]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'registry.name-taken' });

    const rows = await sealedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.sealed).not.toContain(user.password);
    await expect(call(registry.testRegistry, { fleet, name: 'harbor' })).resolves.toMatchObject({ auth: 'basic' });
    await eventually(async () => (await call(registry.listRegistries, { fleet })).items.length === 1);
  });

  it('replaces the sealed row on rotation and destroys every row on removal', async () => {
    const [before] = await sealedRows();
    await call(registry.rotateRegistryCredentials, { fleet, name: 'harbor', ...user });
    const after = await sealedRows();
    expect(after).toHaveLength(1);
    expect(after[0]!.credentials_id).not.toBe(before!.credentials_id);

    await call(registry.removeRegistry, { fleet, name: 'harbor' });
    expect(await sealedRows()).toEqual([]);
    await expect(call(registry.getRegistry, { fleet, name: 'harbor' })).rejects.toMatchObject({ code: 'registry.not-found' });
    await eventually(async () => (await call(registry.listRegistries, { fleet })).items.length === 0);
  });

  it('refuses a connect whose credentials are wrong and stores nothing', async () => {
    await expect(
      call(registry.connectRegistry, { fleet, name: 'harbor', url: upstream.url, caPem: upstream.caPem, ...user, password: 'wrong' }),
    ).rejects.toMatchObject({ code: 'registry.credentials-refused' });
    expect(await sealedRows()).toEqual([]);
    await expect(call(registry.getRegistry, { fleet, name: 'harbor' })).rejects.toMatchObject({ code: 'registry.not-found' });
  });

  it("connects a token-realm registry only once the realm's origin is allowed, and sends it nothing before", async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'keelson-realm-tls-'));
    const realm = await startTokenRealm(user, tlsDir);
    const tokenRegistry = await startDockerRegistry(
      { kind: 'token', realm: realm.realm, service: realm.service, issuer: realm.issuer, rootCertBundle: realm.rootCertBundle },
      { tlsDir },
    );
    try {
      const connect = (allowedRealmOrigins: string[]) =>
        call(registry.connectRegistry, {
          fleet,
          name: 'tokens',
          url: tokenRegistry.url,
          caPem: tokenRegistry.caPem,
          ...user,
          allowedRealmOrigins,
        });
      await expect(connect([])).rejects.toMatchObject({ code: 'registry.realm-refused' });
      expect(realm.received).toEqual([]);
      expect(await sealedRows()).toEqual([]);

      await expect(connect([new URL(realm.realm).origin])).resolves.toMatchObject({
        name: 'tokens',
        credentialsSet: true,
        allowedRealmOrigins: [new URL(realm.realm).origin],
      });
      await expect(call(registry.testRegistry, { fleet, name: 'tokens' })).resolves.toMatchObject({ auth: 'bearer' });
      await call(registry.removeRegistry, { fleet, name: 'tokens' });
    } finally {
      await tokenRegistry.stop();
      await realm.close();
      rmSync(tlsDir, { recursive: true, force: true });
    }
  });
});
