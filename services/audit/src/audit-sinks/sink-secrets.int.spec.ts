import { RuleViolation } from '@keelson/domain-kit';
import { migrate, openDatabase, type Database } from '@keelson/postgres';
import { SealedKeyRefused } from '@keelson/service-kit';
import { createTestDatabase, type TestDatabase } from '@keelson/testing';
import { auditSinksMigrations } from './audit-sinks.migrations.js';
import { SinkSecrets } from './sink-secrets.js';

const oldSecret = 'the sink sealing secret before rotation';
const newSecret = 'the sink sealing secret after rotation';
const signing = 'shared-with-the-siem-0123456789';
const secrets = (current: string, previous?: string) => new SinkSecrets({ name: 'KEELSON_AUDIT_SINK_SECRET', current, previous });

describe('sink signing secrets sealed at rest', () => {
  let testDb: TestDatabase;
  let db: Database;
  const insert = async (sinkId: string, sealed: string) =>
    db.query(
      "INSERT INTO audit_sinks (sink_id, fleet, name, url, sealed_secret, position) VALUES ($1, 'default', $1, 'https://siem.example.com/', $2, 0)",
      [sinkId, sealed],
    );
  const sealedOf = async (sinkId: string) =>
    (await db.query<{ sealed_secret: string }>('SELECT sealed_secret FROM audit_sinks WHERE sink_id = $1', [sinkId]))[0]!.sealed_secret;

  beforeAll(async () => {
    testDb = await createTestDatabase();
    db = await openDatabase({ url: testDb.url });
    await migrate(db, auditSinksMigrations);
  });
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  it('keeps only ciphertext bound to its sink: another secret or another sink id does not open it', async () => {
    const sealed = await secrets(newSecret).seal('s-1', signing);
    expect(sealed).not.toContain(signing);
    expect(await secrets(newSecret).open('s-1', sealed)).toBe(signing);
    await expect(secrets('some other secret of 16+ chars').open('s-1', sealed)).rejects.toThrow(SealedKeyRefused);
    await expect(secrets(newSecret).open('s-2', sealed)).rejects.toThrow(SealedKeyRefused);
  });

  it('refuses to seal when the platform secret is not configured', async () => {
    await expect(new SinkSecrets(undefined).seal('s-3', signing)).rejects.toThrow(RuleViolation);
  });

  it('re-seals under the new secret during a rotation, so the previous one can go', async () => {
    await insert('s-old', await secrets(oldSecret).seal('s-old', signing));
    await insert('s-new', await secrets(newSecret).seal('s-new', signing));
    const untouched = await sealedOf('s-new');
    expect(await secrets(newSecret, oldSecret).resealAll(db)).toBe(1);
    expect(await secrets(newSecret).open('s-old', await sealedOf('s-old'))).toBe(signing);
    expect(await sealedOf('s-new')).toBe(untouched);
    expect(await secrets(newSecret, oldSecret).resealAll(db)).toBe(0);
  });

  it('stops a rotation at a row neither secret opens, naming the sink and the variables only', async () => {
    await insert('s-lost', await secrets('a third secret, long enough').seal('s-lost', signing));
    await expect(secrets(newSecret, oldSecret).resealAll(db)).rejects.toThrow(
      'neither KEELSON_AUDIT_SINK_SECRET nor KEELSON_AUDIT_SINK_SECRET_PREVIOUS opens audit-sink/s-lost',
    );
  });
});
