import { given, NotFound, RuleViolation } from '@keelson/domain-kit';
import type { RegistryConnectionEvent } from '@keelson/events';
import { connectionIdOf, registryConnectionDecider, type RegistryConnectionCommand } from './registry-connection.decider.js';

const fleet = 'plant-7';
const name = 'harbor';
const connectionId = connectionIdOf(fleet, name);
const at = '2026-12-07T09:00:00.000Z';
const data = {
  fleet,
  connectionId,
  name,
  url: 'https://harbor.example',
  username: 'ci',
  credentialsId: 'c-1',
  allowedRealmOrigins: [],
  at,
};
const connect: RegistryConnectionCommand = { type: 'ConnectRegistry', ...data };
const connected: RegistryConnectionEvent = { type: 'RegistryConnected', schemaVersion: 1, data };
const removed: RegistryConnectionEvent = { type: 'RegistryRemoved', schemaVersion: 1, data: { fleet, connectionId, name, at } };
const on = { fleet, connectionId, name, at };

describe('registry connection aggregate', () => {
  it('is connected with its URL and a reference to its sealed credentials, never the credentials', () => {
    given(registryConnectionDecider, []).when(connect).then([connected]);
  });

  it('refuses a second connection of the same name until the first is removed', () => {
    given(registryConnectionDecider, [connected]).when(connect).thenThrows(RuleViolation, 'registry.name-taken');
    given(registryConnectionDecider, [connected, removed]).when(connect).then([connected]);
  });

  it('rotates credentials to new ones, or clears them', () => {
    given(registryConnectionDecider, [connected])
      .when({ type: 'RotateRegistryCredentials', ...on, username: 'ci-2', credentialsId: 'c-2' })
      .then([{ type: 'RegistryCredentialsRotated', schemaVersion: 1, data: { ...on, username: 'ci-2', credentialsId: 'c-2' } }]);
    given(registryConnectionDecider, [connected])
      .when({ type: 'RotateRegistryCredentials', ...on })
      .then([{ type: 'RegistryCredentialsRotated', schemaVersion: 1, data: on }]);
  });

  it('folds a rotation into the current credentials', () => {
    const rotated: RegistryConnectionEvent = {
      type: 'RegistryCredentialsRotated',
      schemaVersion: 1,
      data: { ...on, at: '2026-12-07T10:00:00.000Z' },
    };
    const state = [connected, rotated].reduce(registryConnectionDecider.evolve, registryConnectionDecider.initialState());
    expect(state).toMatchObject({ status: 'connected', url: 'https://harbor.example', credentialsChangedAt: '2026-12-07T10:00:00.000Z' });
    expect(state).not.toHaveProperty('credentialsId');
    expect(state).not.toHaveProperty('username');
  });

  it('refuses to rotate or remove a connection that does not exist or was removed', () => {
    given(registryConnectionDecider, [])
      .when({ type: 'RemoveRegistry', ...on })
      .thenThrows(NotFound, 'registry.not-found');
    given(registryConnectionDecider, [connected, removed])
      .when({ type: 'RotateRegistryCredentials', ...on })
      .thenThrows(NotFound, 'registry.not-found');
  });

  it('derives one id per fleet and name, usable as a subject token', () => {
    expect(connectionIdOf(fleet, name)).toBe(connectionId);
    expect(connectionIdOf('plant-8', name)).not.toBe(connectionId);
    expect(connectionId).toMatch(/^rc-[0-9a-f]{16}$/);
  });
});
