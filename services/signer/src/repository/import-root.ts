import { RuleViolation } from '@keelson/domain-kit';
import type { TufEvent } from '@keelson/events';
import { readMetadata } from './metadata-checks.js';
import { onlineRoles, sign } from './sign-metadata.js';
import type { TufCommand } from './tuf-repository.decider.js';
import type { TufRepository } from './tuf-repository.evolve.js';

/**
 * An offline-signed root: besides the rules of any new root (in `sign`), the node must never hold
 * its root keys, and it must hold the online keys it names, or the fleet could not be signed for.
 */
export function importRoot(command: Extract<TufCommand, { type: 'ImportRoot' }>, state: TufRepository): TufEvent[] {
  if (state.status !== 'active') throw new RuleViolation('tuf.repository-absent', `fleet '${command.fleet}' has no TUF repository yet`);
  const root = readMetadata('root', command.root).signed;
  const online = root.roles.root!.keyIDs.filter(
    (id) => command.held.root.includes(id) || onlineRoles.some((r) => command.held[r].includes(id)),
  );
  if (online.length > 0)
    throw new RuleViolation('tuf.root-key-online', 'the new root trusts a root key the node holds; production root keys stay offline');
  for (const role of onlineRoles) {
    const named = root.roles[role]!;
    const held = named.keyIDs.filter((id) => command.held[role].includes(id));
    if (held.length < named.threshold) {
      throw new RuleViolation(
        'tuf.online-key-unknown',
        `the new root names ${role} keys the signer does not hold; export the online keys again and redo the ceremony`,
      );
    }
  }
  return sign(
    {
      type: 'SignMetadata',
      fleet: command.fleet,
      added: [],
      signed: { root: command.root, ...command.signed },
      bins: command.bins,
      now: command.now,
    },
    state,
  );
}
