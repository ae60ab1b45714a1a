import { createHash } from 'node:crypto';
import { assertNever, NotFound, RuleViolation, type Decider } from '@keelson/domain-kit';
import type { RegistryConnected, RegistryConnectionEvent } from '@keelson/events';

/** A connection to an upstream registry, folded from `ev.registry.<fleet>.<connectionId>`. */
export type RegistryConnection =
  | { status: 'absent' | 'removed' }
  | ({ status: 'connected'; credentialsChangedAt?: string } & Omit<RegistryConnected['data'], 'fleet' | 'connectionId'>);

type Credentials = { username?: string; credentialsId?: string };
/** The connection a command is about, and when it is given. */
type On = { fleet: string; connectionId: string; name: string; at: string };

/** What an operator can do to a connection; ids and times come in with the command. */
export type RegistryConnectionCommand =
  | ({ type: 'ConnectRegistry' } & RegistryConnected['data'])
  | ({ type: 'RotateRegistryCredentials' } & On & Credentials)
  | ({ type: 'RemoveRegistry' } & On);

/**
 * The connection id of a name in a fleet. Derived from the name, so two operators connecting the
 * same name race on one aggregate and exactly one wins: names stay unique without a lock.
 */
export function connectionIdOf(fleet: string, name: string): string {
  return `rc-${createHash('sha256').update(`${fleet}/${name}`).digest('hex').slice(0, 16)}`;
}

const credentialsOf = (c: Credentials): Credentials => ({
  ...(c.username !== undefined ? { username: c.username } : {}),
  ...(c.credentialsId !== undefined ? { credentialsId: c.credentialsId } : {}),
});

function decide(command: RegistryConnectionCommand, state: RegistryConnection): RegistryConnectionEvent[] {
  switch (command.type) {
    case 'ConnectRegistry': {
      if (state.status === 'connected')
        throw new RuleViolation('registry.name-taken', `a registry named '${command.name}' is connected: remove it first`);
      const { type: _type, ...data } = command;
      return [{ type: 'RegistryConnected', schemaVersion: 1, data }];
    }
    case 'RotateRegistryCredentials': {
      if (state.status !== 'connected') throw new NotFound('registry', command.name);
      const { fleet, connectionId, name, at } = command;
      return [{ type: 'RegistryCredentialsRotated', schemaVersion: 1, data: { fleet, connectionId, name, ...credentialsOf(command), at } }];
    }
    case 'RemoveRegistry': {
      if (state.status !== 'connected') throw new NotFound('registry', command.name);
      const { fleet, connectionId, name, at } = command;
      return [{ type: 'RegistryRemoved', schemaVersion: 1, data: { fleet, connectionId, name, at } }];
    }
    default:
      return assertNever(command, 'registry connection command');
  }
}

function evolve(state: RegistryConnection, event: RegistryConnectionEvent): RegistryConnection {
  switch (event.type) {
    case 'RegistryConnected': {
      const { fleet: _fleet, connectionId: _id, ...connection } = event.data;
      return { status: 'connected', ...connection };
    }
    case 'RegistryCredentialsRotated': {
      if (state.status !== 'connected') return state;
      const { username: _u, credentialsId: _c, ...rest } = state;
      return { ...rest, ...credentialsOf(event.data), credentialsChangedAt: event.data.at };
    }
    case 'RegistryRemoved':
      return { status: 'removed' };
    default:
      return assertNever(event, 'registry connection event');
  }
}

/** The registry connection aggregate: where the registry is, which sealed credentials are current. */
export const registryConnectionDecider: Decider<RegistryConnectionCommand, RegistryConnectionEvent, RegistryConnection> = {
  initialState: () => ({ status: 'absent' }),
  decide,
  evolve,
};
