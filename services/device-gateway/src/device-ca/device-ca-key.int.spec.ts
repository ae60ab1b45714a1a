import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { csrFor, deviceKeys } from '../test-fixtures/device-keys.js';
import { verifyCsr } from './csr.js';
import { DeviceCertificateAuthority } from './device-ca.js';

const secret = 'correct horse battery staple 42';
const now = new Date();

// The CA key on a real file system: sealed with AES-256-GCM, and an old plaintext key migrated.
describe('the device CA key at rest', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'keelson-ca-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const issueWith = async (ca: DeviceCertificateAuthority) => {
    const { publicKeyDer } = await verifyCsr(await csrFor(await deviceKeys()));
    return ca.issue({ fleet: 'plant-7', deviceId: 'd-0000000000000001', publicKeyDer, now });
  };

  it('keeps no plaintext key on disk, only a sealed file the gateway alone can read', async () => {
    const issued = await issueWith(new DeviceCertificateAuthority({ dir, keySecret: secret }));
    const fleetDir = join(dir, 'plant-7');
    expect(existsSync(join(fleetDir, 'ca.key.pem'))).toBe(false);
    const sealed = readFileSync(join(fleetDir, 'ca.key.sealed'), 'utf8');
    expect(statSync(join(fleetDir, 'ca.key.sealed')).mode & 0o777).toBe(0o600);
    expect(sealed).not.toContain('PRIVATE KEY');
    expect(JSON.parse(sealed)).toMatchObject({ format: 'keelson-sealed-key', v: 1, kdf: { name: 'scrypt' } });
    // After a restart the same CA signs again.
    const again = await issueWith(new DeviceCertificateAuthority({ dir, keySecret: secret }));
    expect(again.caCertificatePem).toBe(issued.caCertificatePem);
    const ca = new x509.X509Certificate(issued.caCertificatePem);
    expect(await new x509.X509Certificate(again.certificatePem).verify({ publicKey: ca.publicKey, date: now })).toBe(true);
  });

  it('refuses to sign with a wrong secret, without a secret, or with a sealed key moved to another fleet', async () => {
    await issueWith(new DeviceCertificateAuthority({ dir, keySecret: secret }));
    await expect(issueWith(new DeviceCertificateAuthority({ dir, keySecret: `${secret}!` }))).rejects.toThrow(
      /KEELSON_DEVICE_CA_KEY_SECRET does not open device-ca\/plant-7/,
    );
    await expect(issueWith(new DeviceCertificateAuthority({ dir }))).rejects.toThrow(/KEELSON_DEVICE_CA_KEY_SECRET is required/);
    renameSync(join(dir, 'plant-7'), join(dir, 'plant-8'));
    const moved = new DeviceCertificateAuthority({ dir, keySecret: secret });
    await expect(moved.caCertificatePem('plant-8')).rejects.toThrow(/KEELSON_DEVICE_CA_KEY_SECRET does not open device-ca\/plant-8/);
  });

  it('refuses a sealed key that was altered', async () => {
    await issueWith(new DeviceCertificateAuthority({ dir, keySecret: secret }));
    const file = join(dir, 'plant-7', 'ca.key.sealed');
    const sealed = JSON.parse(readFileSync(file, 'utf8')) as { ciphertext: string };
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    bytes[10] = bytes[10]! ^ 0x01;
    writeFileSync(file, JSON.stringify({ ...sealed, ciphertext: bytes.toString('base64') }));
    await expect(issueWith(new DeviceCertificateAuthority({ dir, keySecret: secret }))).rejects.toThrow(/wrong or the file was altered/);
  });

  it('seals the plaintext key of an older gateway on first load and keeps the same CA', async () => {
    const before = await issueWith(new DeviceCertificateAuthority({ dir })); // no secret: plaintext, as before
    const plain = readFileSync(join(dir, 'plant-7', 'ca.key.pem'), 'utf8');
    expect(plain).toContain('PRIVATE KEY');
    const after = await issueWith(new DeviceCertificateAuthority({ dir, keySecret: secret }));
    expect(after.caCertificatePem).toBe(before.caCertificatePem);
    expect(existsSync(join(dir, 'plant-7', 'ca.key.pem'))).toBe(false);
    expect(readFileSync(join(dir, 'plant-7', 'ca.key.sealed'), 'utf8')).not.toContain(plain.split('\n')[1]!);
  });
});
