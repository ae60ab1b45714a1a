import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tufRoles } from '@keelson/tuf';
import { generateKeyPems, storedKeyOf } from './fleet-keys.js';
import { FleetKeyring } from './fleet-keyring.js';
import { SealedKeyRefused } from '@keelson/service-kit';

const secret = 'the-right-signer-key-secret';

describe('the fleet keyring on disk', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-keyring-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every key encrypted: no PEM and no key material on disk, 0600 files', async () => {
    const keys = await new FleetKeyring({ dir, secret }).keysOf('plant-1');
    const files = readdirSync(join(dir, 'plant-1'));
    expect(files).toHaveLength(4);
    for (const file of files) {
      const text = readFileSync(join(dir, 'plant-1', file), 'utf8');
      expect(text).not.toMatch(/PRIVATE KEY/);
      expect(JSON.parse(text)).toMatchObject({ format: 'keelson-sealed-key', kdf: { name: 'scrypt' } });
      expect(statSync(join(dir, 'plant-1', file)).mode & 0o777).toBe(0o600);
    }
    const again = await new FleetKeyring({ dir, secret }).keysOf('plant-1');
    expect(again.held.map((h) => h.key.keyID).sort()).toEqual(keys.held.map((h) => h.key.keyID).sort());
  });

  it('refuses to open the keys with a wrong secret, at start, saying which variable is wrong and not the secret', async () => {
    await new FleetKeyring({ dir, secret }).keysOf('plant-1');
    const wrong = new FleetKeyring({ dir, secret: 'another-secret-of-some-length' });
    await expect(wrong.openAll()).rejects.toThrow(SealedKeyRefused);
    await expect(wrong.openAll()).rejects.toThrow(/KEELSON_SIGNER_KEY_SECRET does not open signer key plant-1\//);
    await expect(wrong.openAll()).rejects.not.toThrow(/the-right/);
  });

  it('refuses a sealed key moved to another fleet: the fleet and file name are authenticated', async () => {
    await new FleetKeyring({ dir, secret }).keysOf('plant-1');
    mkdirSync(join(dir, 'plant-2'), { mode: 0o700 });
    const file = readdirSync(join(dir, 'plant-1')).find((f) => f.startsWith('targets-'))!;
    writeFileSync(join(dir, 'plant-2', file), readFileSync(join(dir, 'plant-1', file)));
    await expect(new FleetKeyring({ dir, secret }).keysOf('plant-2')).rejects.toThrow(SealedKeyRefused);
  });

  it('seals the plaintext keys of an older data directory on start, deletes them and signs with the same keys', async () => {
    const pems = generateKeyPems();
    mkdirSync(join(dir, 'legacy'), { mode: 0o700 });
    for (const role of tufRoles) writeFileSync(join(dir, 'legacy', `${role}.key.pem`), pems[role], { mode: 0o600 });
    const migrated: string[] = [];
    const keyring = new FleetKeyring({ dir, secret, onMigrated: (fleet, roles) => migrated.push(`${fleet}:${roles.join(',')}`) });
    expect(await keyring.openAll()).toEqual({ fleets: ['legacy'], resealed: 0 });
    expect(migrated).toEqual(['legacy:root,targets,snapshot,timestamp']);
    const files = readdirSync(join(dir, 'legacy'));
    expect(files.filter((f) => f.endsWith('.pem'))).toEqual([]);
    for (const role of tufRoles) expect(files).toContain(`${role}-${storedKeyOf(role, pems[role]).keyId}.key`);
    const keys = await new FleetKeyring({ dir, secret }).keysOf('legacy');
    for (const role of tufRoles) expect(keys.keys[role].keyID).toBe(storedKeyOf(role, pems[role]).keyId);
  });

  it('adds a key of a role next to the current one and retires what the caller no longer keeps', async () => {
    const keyring = new FleetKeyring({ dir, secret });
    const before = await keyring.keysOf('plant-1');
    const added = await keyring.addKey('plant-1', 'targets');
    expect((await keyring.keysOf('plant-1')).held.filter((h) => h.role === 'targets')).toHaveLength(2);
    const retired = await keyring.retire('plant-1', (h) => h.role !== 'root' && (h.role !== 'targets' || h.key.keyID === added.key.keyID));
    expect(retired.map((h) => h.role).sort()).toEqual(['root', 'targets']);
    const after = await new FleetKeyring({ dir, secret }).keysOf('plant-1');
    expect(after.holds('root')).toBe(false);
    expect(after.held.filter((h) => h.role === 'targets').map((h) => h.key.keyID)).toEqual([added.key.keyID]);
    expect(after.keys.snapshot.keyID).toBe(before.keys.snapshot.keyID);
  });
});
