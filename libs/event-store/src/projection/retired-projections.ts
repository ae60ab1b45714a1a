import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { migrate, type Database } from '@keelson/postgres';
import type { EventStoreNaming } from '../naming.js';
import type { StreamDeclaration } from '../streams.js';
import { projectionMigrations } from './checkpoints.js';

/** A projection a release no longer runs: its durable consumer and its checkpoint are left behind. */
export interface RetiredProjection {
  name: string;
  stream: StreamDeclaration;
}

/**
 * Deletes what retired projections left: the durable consumer (which would otherwise keep every new
 * event pending for nobody) and the checkpoint row. Safe at every start, and when they never existed.
 * Their tables are the owning service's to drop, in a migration.
 */
export async function retireProjections(
  nc: NatsConnection,
  naming: EventStoreNaming,
  db: Database,
  retired: RetiredProjection[],
): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  await migrate(db, projectionMigrations); // the checkpoints table, where a fresh database has none yet
  const deleted: string[] = [];
  for (const { name, stream } of retired) {
    const consumer = `${naming.streamPrefix}proj-${name}`;
    try {
      await jsm.consumers.delete(`${naming.streamPrefix}${stream.name}`, consumer);
      deleted.push(consumer);
    } catch (err) {
      if (!(
        err instanceof JetStreamApiError &&
        (err.code === JetStreamApiCodes.ConsumerNotFound || err.code === JetStreamApiCodes.StreamNotFound)
      ))
        throw err;
    }
    await db.query('DELETE FROM projection_checkpoints WHERE projection = $1', [name]);
  }
  return deleted;
}
