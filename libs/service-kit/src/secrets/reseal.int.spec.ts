import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openKeyFile, resealKeyFiles, type SealedKeyFile } from './reseal.js';
import { openKey, sealKey, SealedKeyRefused } from './sealed-key.js';
import { sealingSecretsOf } from './sealing-secrets.js';

const oldSecret = 'the secret sealed before rotation';
const newSecret = 'the secret in force after rotation';
const pemOf = (n: number) => `-----BEGIN PRIVATE KEY-----\nkey-${n}\n-----END PRIVATE KEY-----\n`;

describe('re-sealing keys under a new secret', () => {
  let dir: string;
  let files: SealedKeyFile[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keelson-reseal-'));
    files = [1, 2].map((n) => ({ path: join(dir, `k${n}.sealed`), label: `test/k${n}` }));
    for (const [i, f] of files.entries()) writeFileSync(f.path, await sealKey(pemOf(i + 1), oldSecret, f.label));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('opens with the previous secret, re-seals under the new one in place, and loses no key', async () => {
    const secrets = { name: 'KEELSON_X_SECRET', current: newSecret, previous: oldSecret };
    expect(await resealKeyFiles(files, secrets)).toBe(2);
    for (const [i, f] of files.entries()) {
      expect(await openKey(readFileSync(f.path, 'utf8'), newSecret, f.label, 'KEELSON_X_SECRET')).toBe(pemOf(i + 1));
      await expect(openKey(readFileSync(f.path, 'utf8'), oldSecret, f.label, 'KEELSON_X_SECRET')).rejects.toThrow(SealedKeyRefused);
      expect(statSync(f.path).mode & 0o777).toBe(0o600);
    }
    expect(await resealKeyFiles(files, secrets)).toBe(0); // already done: nothing more
    expect(await openKeyFile(files[0]!, { name: 'KEELSON_X_SECRET', current: newSecret })).toEqual({ pem: pemOf(1), resealed: false });
  });

  it('refuses, naming both variables and no secret, when neither secret opens a file, and changes nothing', async () => {
    const before = readFileSync(files[0]!.path, 'utf8');
    const wrong = { name: 'KEELSON_X_SECRET', current: newSecret, previous: 'not the secret it was sealed with' };
    const refusal = openKeyFile(files[0]!, wrong);
    await expect(refusal).rejects.toThrow(SealedKeyRefused);
    await expect(refusal).rejects.toThrow('neither KEELSON_X_SECRET nor KEELSON_X_SECRET_PREVIOUS opens test/k1');
    const message = await refusal.catch((err: Error) => err.message);
    for (const secret of [newSecret, wrong.previous]) expect(message).not.toContain(secret);
    expect(readFileSync(files[0]!.path, 'utf8')).toBe(before);
  });

  it('without a previous secret, refuses a file sealed under another one', async () => {
    await expect(openKeyFile(files[0]!, { name: 'KEELSON_X_SECRET', current: newSecret })).rejects.toThrow(
      'KEELSON_X_SECRET does not open test/k1',
    );
  });

  it('keeps the label bound: a file moved to another label opens with neither secret', async () => {
    const moved = { path: files[0]!.path, label: 'test/elsewhere' };
    await expect(openKeyFile(moved, { name: 'KEELSON_X_SECRET', current: newSecret, previous: oldSecret })).rejects.toThrow(
      SealedKeyRefused,
    );
  });
});

describe('reading the secrets of a rotation from the environment', () => {
  it('reads the secret and the one it replaces', () => {
    expect(sealingSecretsOf({ KEELSON_X_SECRET: newSecret, KEELSON_X_SECRET_PREVIOUS: oldSecret }, 'KEELSON_X_SECRET')).toEqual({
      name: 'KEELSON_X_SECRET',
      current: newSecret,
      previous: oldSecret,
    });
    expect(sealingSecretsOf({}, 'KEELSON_X_SECRET')).toBeUndefined();
  });

  it.each([
    [{ KEELSON_X_SECRET_PREVIOUS: oldSecret }, 'KEELSON_X_SECRET_PREVIOUS is set but KEELSON_X_SECRET is not'],
    [{ KEELSON_X_SECRET: 'short' }, 'KEELSON_X_SECRET must be at least 16 characters'],
    [{ KEELSON_X_SECRET: newSecret, KEELSON_X_SECRET_PREVIOUS: 'short' }, 'KEELSON_X_SECRET_PREVIOUS must be at least 16'],
    [{ KEELSON_X_SECRET: newSecret, KEELSON_X_SECRET_PREVIOUS: newSecret }, 'is the same as KEELSON_X_SECRET'],
  ])('refuses %j without printing a value', (env, message) => {
    expect(() => sealingSecretsOf(env, 'KEELSON_X_SECRET')).toThrow(message);
    try {
      sealingSecretsOf(env, 'KEELSON_X_SECRET');
    } catch (err) {
      for (const value of Object.values(env)) expect((err as Error).message).not.toContain(value);
    }
  });
});
