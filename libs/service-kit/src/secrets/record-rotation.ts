import { randomUUID } from 'node:crypto';
import type { EventStore } from '@keelson/event-store';
import type { OperatorEvent, PlatformSecretRotated } from '@keelson/events';

/**
 * Records that a service re-sealed its keys under a new key-encryption secret: `PlatformSecretRotated`
 * on `subject`, as the service itself — the variable's name and the number of keys, never a value.
 */
export async function recordSecretRotation(
  store: EventStore<OperatorEvent>,
  subject: string,
  rotation: PlatformSecretRotated['data'],
): Promise<void> {
  const { lastSeq } = await store.load(subject);
  const commandId = randomUUID();
  await store.append(subject, lastSeq, [{ type: 'PlatformSecretRotated', schemaVersion: 1, data: rotation }], {
    actor: { kind: 'service', id: rotation.service },
    correlationId: commandId,
    commandId,
  });
}
