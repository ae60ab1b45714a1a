import { RuleViolation } from '@keelson/domain-kit';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { SealedKeyRefused } from '@keelson/service-kit';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { registryConnectionsMigrations } from '../registry-connections.projection.js';
import { SealedCredentials } from './sealed-credentials.js';

const oldSecret = 'the credentials secret before rotation';
const newSecret = 'the credentials secret after rotation';
const credentials = { username: 'ci-robot', password: 'harbor-robot-secret-5d1e' };
const secrets = (current: string, previous?: string) => ({ name: 'KEELSON_REGISTRY_CREDENTIALS_SECRET', current, previous });

describe('registry credentials sealed at rest', () => {
  let testDb: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db, registryConnectionsMigrations);
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  const storedRow = async (id: string) =>
    (await db.query<{ sealed: string }>('SELECT sealed FROM registry_credentials WHERE credentials_id = $1', [id]))[0]!.sealed;

  it('stores only ciphertext, and opens it again with the secret', async () => {
    const store = new SealedCredentials(db, secrets(newSecret));
    const id = await store.seal('plant-7', 'rc-1', credentials);
    const row = await storedRow(id);
    expect(row).not.toContain(credentials.password);
    expect(row).toContain('keelson-sealed-key');
    expect(await store.open(id)).toEqual(credentials);
  });

  it('does not open under another secret, nor when moved to another connection', async () => {
    const id = await new SealedCredentials(db, secrets(newSecret)).seal('plant-7', 'rc-2', credentials);
    await expect(new SealedCredentials(db, secrets('some other secret of 16+ chars')).open(id)).rejects.toThrow(SealedKeyRefused);
    await db.query(`UPDATE registry_credentials SET connection_id = 'rc-other' WHERE credentials_id = $1`, [id]);
    await expect(new SealedCredentials(db, secrets(newSecret)).open(id)).rejects.toThrow(SealedKeyRefused);
  });

  it('opens rows sealed under the previous secret during a rotation and re-seals them under the new one', async () => {
    const id = await new SealedCredentials(db, secrets(oldSecret)).seal('plant-7', 'rc-3', credentials);
    expect(await new SealedCredentials(db, secrets(newSecret, oldSecret)).open(id)).toEqual(credentials);
    expect(await new SealedCredentials(db, secrets(newSecret)).open(id)).toEqual(credentials);
  });

  it('re-seals every row under the new secret at start of a rotation, so the previous secret can go', async () => {
    await db.query('DELETE FROM registry_credentials');
    const ids = [
      await new SealedCredentials(db, secrets(oldSecret)).seal('plant-7', 'rc-6', credentials),
      await new SealedCredentials(db, secrets(newSecret)).seal('plant-7', 'rc-7', credentials),
    ];
    expect(await new SealedCredentials(db, secrets(newSecret)).resealAll()).toBe(0); // no rotation under way: nothing touched
    expect(await new SealedCredentials(db, secrets(newSecret, oldSecret)).resealAll()).toBe(1);
    for (const id of ids) expect(await new SealedCredentials(db, secrets(newSecret)).open(id)).toEqual(credentials);
    expect(await new SealedCredentials(db, secrets(newSecret, oldSecret)).resealAll()).toBe(0);
    await new SealedCredentials(db, secrets('a third secret, neither of them')).seal('plant-7', 'rc-8', credentials);
    const refusal = new SealedCredentials(db, secrets(newSecret, oldSecret)).resealAll();
    await expect(refusal).rejects.toThrow(
      'neither KEELSON_REGISTRY_CREDENTIALS_SECRET nor KEELSON_REGISTRY_CREDENTIALS_SECRET_PREVIOUS opens registry-credentials/plant-7/rc-8/',
    );
  });

  it('refuses to store credentials without a secret, naming the variable', async () => {
    const refusal = new SealedCredentials(db, undefined).seal('plant-7', 'rc-4', credentials);
    await expect(refusal).rejects.toThrow(RuleViolation);
    await expect(refusal).rejects.toThrow('KEELSON_REGISTRY_CREDENTIALS_SECRET is not set');
  });

  it('destroys one row, or every row of a removed connection', async () => {
    const store = new SealedCredentials(db, secrets(newSecret));
    const [a, b] = [await store.seal('plant-7', 'rc-5', credentials), await store.seal('plant-7', 'rc-5', credentials)];
    await store.destroy(a);
    await expect(store.open(a)).rejects.toThrow('are gone');
    await store.destroyAllOf('rc-5');
    await expect(store.open(b)).rejects.toThrow('are gone');
  });
});
