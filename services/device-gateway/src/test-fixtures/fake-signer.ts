import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { canonicalize } from '@tufjs/canonical-json';
import { Key, Metadata, Root, Signature } from '@tufjs/models';
import { signer } from '@keelson/commands';
import type { EventStoreNaming } from '@keelson/event-store';
import { handlerFor, serveCommands } from '@keelson/service-kit';

/**
 * Stands in for the signer service in gateway specs: answers `cmd.signer.get-root` with a real
 * root, signed with a real ed25519 key, one per fleet. Counts the requests it answered.
 */
export function serveFakeSigner(nc: NatsConnection, naming: EventStoreNaming): { subscriptions: Subscription[]; requests: string[] } {
  const roots = new Map<string, Record<string, unknown>>();
  const requests: string[] = [];
  const newRoot = () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const keyVal = { public: publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('hex') };
    const keyID = createHash('sha256').update(canonicalize({ keytype: 'ed25519', scheme: 'ed25519', keyval: keyVal })).digest('hex');
    const key = new Key({ keyID, keyType: 'ed25519', scheme: 'ed25519', keyVal });
    const root = new Root({ version: 1, specVersion: '1.0.31', expires: new Date(Date.now() + 365 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'), consistentSnapshot: true });
    for (const role of ['root', 'targets', 'snapshot', 'timestamp']) root.addKey(key, role);
    const metadata = new Metadata(root);
    metadata.sign((data) => new Signature({ keyID, sig: sign(null, data, privateKey).toString('hex') }));
    return metadata.toJSON() as Record<string, unknown>;
  };
  const subscriptions = serveCommands(nc, naming, [
    handlerFor(signer.getRoot, async ({ fleet }) => {
      requests.push(fleet);
      if (!roots.has(fleet)) roots.set(fleet, newRoot());
      return { version: 1, development: true, root: roots.get(fleet)! };
    }),
  ]);
  return { subscriptions, requests };
}
