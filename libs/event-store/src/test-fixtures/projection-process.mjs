// A process that runs one ProjectionRunner from the built libraries (`npm run build` first), for kill
// tests: it logs each applied event's sequence and stalls, mid-batch, on the event KILL_TEST_STALL_AT
// (its batch's transaction open) so the test can SIGKILL it there.
import { connect } from '@nats-io/transport-node';
// The built library (dist/), as a deployed service loads it, by path: this file is not compiled with the rest.
import { ProjectionRunner } from '../../dist/index.js';
import { openDatabase } from '@keelson/postgres';

const env = JSON.parse(process.env.KILL_TEST_ENV ?? '{}');
const nc = await connect({ servers: env.natsUrl, user: env.natsUser, pass: env.natsPass, name: 'projection-process' });
const db = await openDatabase({ url: env.dbUrl });
const projection = {
  name: env.projection,
  stream: env.stream,
  parse: (raw) => raw,
  async apply(sql, recorded) {
    await sql.query(`INSERT INTO ${env.projection} (seq) VALUES ($1)`, [recorded.seq]);
    if (recorded.seq === env.stallAt) {
      process.stdout.write(`stalled ${recorded.seq}\n`);
      await new Promise(() => undefined);
    }
  },
};
await new ProjectionRunner({ nc, naming: env.naming, db, projection, batchSize: env.batchSize }).start();
process.stdout.write('started\n');
