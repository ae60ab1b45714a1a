import type { NatsConnection } from '@nats-io/transport-node';
import type { StreamDeclaration } from '@keelson/event-store';
import { openDatabase, type Database } from '@keelson/postgres';
import { connectTestNats, createTestDatabase, testNamespace, type TestDatabase } from '@keelson/testing';
import { loadServiceConfig } from '../index.js';
import type { DeclaredWorker, ModuleDeclaration } from '../runner/module-declaration.js';
import { ServiceRunner } from '../runner/service-runner.js';

export const stream = (name: string, subject: string): StreamDeclaration => ({
  name,
  subjects: [`${subject}.>`],
  description: `service-runner spec: ${name}`,
});

/** What a service runner spec runs modules in: a namespace and config of its own, NATS, a database, and a log the workers write. */
export class RunnerBench {
  readonly naming = testNamespace();
  readonly config = loadServiceConfig('runner-spec', {
    KEELSON_NATS_URL: 'nats://unused',
    KEELSON_STREAM_PREFIX: this.naming.streamPrefix,
    KEELSON_SUBJECT_PREFIX: this.naming.subjectPrefix,
  });
  readonly log: string[] = [];
  private nc?: NatsConnection;
  private testDb?: TestDatabase;
  private db?: Database;

  async open(): Promise<{ nc: NatsConnection; db: Database }> {
    this.nc = await connectTestNats();
    this.testDb = await createTestDatabase();
    this.db = await openDatabase({ url: this.testDb.url });
    return { nc: this.nc, db: this.db };
  }

  async close(): Promise<void> {
    await this.db?.close();
    await this.testDb?.drop();
    await this.nc?.close();
  }

  /** A worker that notes what it could see when it started, and that it stopped. */
  readonly worker = (name: string, sees: () => Promise<string>): DeclaredWorker => ({
    name,
    replicas: 'every-replica',
    start: async () => void this.log.push(`start ${name} (${await sees()})`),
    stop: () => void this.log.push(`stop ${name}`),
  });

  readonly runnerOf = (modules: ModuleDeclaration[], database: Database | null = this.db!) =>
    new ServiceRunner({ nc: this.nc!, config: this.config, db: database, modules, pollMs: 50 });
}
