import { createHash, X509Certificate } from 'node:crypto';
import { InvalidInput, NotFound } from '@keelson/domain-kit';
import type { ParsedRequestInput, registry } from '@keelson/requests';
import { handleCommand, loadAggregate, type EventStore } from '@keelson/event-store';
import type { RegistryConnectionEvent } from '@keelson/events';
import { eventMetadataOf, type Clock, type RequestContext } from '@keelson/service-kit';
import type { SealedCredentials } from './credentials/sealed-credentials.js';
import {
  connectionIdOf,
  registryConnectionDecider,
  type RegistryConnection,
  type RegistryConnectionCommand,
} from './domain/registry-connection.decider.js';
import { connectionView } from './registry-connection-views.js';
import { UpstreamRegistry, type UpstreamCredentials } from './upstream/upstream-registry.js';

type View = registry.RegistryConnectionView;
type Connected = Extract<RegistryConnection, { status: 'connected' }>;
type Named = { fleet: string; name: string };
type ConnectInput = ParsedRequestInput<typeof registry.connectRegistry>;
type RotateInput = ParsedRequestInput<typeof registry.rotateRegistryCredentials>;

const credentialsOf = (c: { username?: string | undefined; password?: string | undefined }): UpstreamCredentials | undefined =>
  c.username !== undefined && c.password !== undefined ? { username: c.username, password: c.password } : undefined;

/** SHA-256 of the first certificate's DER; InvalidInput (`registry.bad-ca`) when the PEM does not parse. */
function caFingerprintOf(pem: string): string {
  try {
    return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
  } catch (err) {
    throw new InvalidInput('registry.bad-ca', [{ path: ['caPem'], message: `not a certificate: ${(err as Error).message}` }]);
  }
}

/**
 * Connects, tests, rotates and removes upstream registry connections. Every change is checked
 * against the registry first (a `/v2/` ping with the credentials it would store), so a wrong
 * password or an unreachable registry records nothing. Credentials are sealed before the event
 * that names them is appended, and destroyed if that append fails.
 */
export class RegistryConnections {
  constructor(
    private readonly store: EventStore<RegistryConnectionEvent>,
    private readonly credentials: SealedCredentials,
    private readonly clock: Clock,
  ) {}

  async connect(input: ConnectInput, ctx: RequestContext): Promise<View> {
    const connectionId = connectionIdOf(input.fleet, input.name);
    const credentials = credentialsOf(input);
    const command: RegistryConnectionCommand = {
      type: 'ConnectRegistry',
      fleet: input.fleet,
      connectionId,
      name: input.name,
      url: input.url,
      allowedRealmOrigins: input.allowedRealmOrigins,
      at: this.clock.now().toISOString(),
      ...(credentials ? { username: credentials.username } : {}),
      ...(input.caPem !== undefined ? { caPem: input.caPem, caFingerprint: caFingerprintOf(input.caPem) } : {}),
    };
    // A taken name is refused before the registry is reached; the append decides again under concurrency.
    registryConnectionDecider.decide(command, await this.load(input.fleet, connectionId));
    await new UpstreamRegistry({
      url: new URL(input.url),
      caPem: input.caPem,
      credentials,
      allowedRealmOrigins: input.allowedRealmOrigins,
    }).ping();
    const credentialsId = credentials ? await this.credentials.seal(input.fleet, connectionId, credentials) : undefined;
    const state = await this.decide(input.fleet, connectionId, { ...command, ...(credentialsId ? { credentialsId } : {}) }, ctx).catch(
      async (err: unknown) => {
        if (credentialsId) await this.credentials.destroy(credentialsId);
        throw err;
      },
    );
    return connectionView(input.fleet, connectionId, state);
  }

  /** Read from the connection's own stream, so a connection is visible the moment `connect` returned. */
  async get(input: Named): Promise<View> {
    const connectionId = connectionIdOf(input.fleet, input.name);
    return connectionView(input.fleet, connectionId, await this.connected(input, connectionId));
  }

  async test(input: Named): Promise<registry.RegistryTestResult> {
    const connectionId = connectionIdOf(input.fleet, input.name);
    const c = await this.connected(input, connectionId);
    const started = performance.now();
    const ping = await this.upstreamOf(c).then((upstream) => upstream.ping());
    return { name: c.name, url: c.url, ...ping, elapsedMs: Math.round(performance.now() - started) };
  }

  async rotate(input: RotateInput, ctx: RequestContext): Promise<View> {
    const connectionId = connectionIdOf(input.fleet, input.name);
    const c = await this.connected(input, connectionId);
    const credentials = credentialsOf(input);
    // New credentials must work before they replace the old; clearing (a leaked password) needs no check.
    if (credentials)
      await new UpstreamRegistry({ url: new URL(c.url), caPem: c.caPem, credentials, allowedRealmOrigins: c.allowedRealmOrigins }).ping();
    const credentialsId = credentials ? await this.credentials.seal(input.fleet, connectionId, credentials) : undefined;
    const command: RegistryConnectionCommand = {
      type: 'RotateRegistryCredentials',
      fleet: input.fleet,
      connectionId,
      name: c.name,
      at: this.clock.now().toISOString(),
      ...(credentials ? { username: credentials.username, credentialsId } : {}),
    };
    const state = await this.decide(input.fleet, connectionId, command, ctx).catch(async (err: unknown) => {
      if (credentialsId) await this.credentials.destroy(credentialsId);
      throw err;
    });
    if (c.credentialsId) await this.credentials.destroy(c.credentialsId); // the old ones are no use to anyone now
    return connectionView(input.fleet, connectionId, state);
  }

  async remove(input: Named, ctx: RequestContext): Promise<View> {
    const connectionId = connectionIdOf(input.fleet, input.name);
    const c = await this.connected(input, connectionId);
    const command: RegistryConnectionCommand = {
      type: 'RemoveRegistry',
      fleet: input.fleet,
      connectionId,
      name: c.name,
      at: this.clock.now().toISOString(),
    };
    await handleCommand({
      store: this.store,
      subject: this.subjectOf(input.fleet, connectionId),
      decider: registryConnectionDecider,
      command,
      meta: eventMetadataOf(ctx),
    });
    await this.credentials.destroyAllOf(connectionId);
    return connectionView(input.fleet, connectionId, c);
  }

  /** A client of the named connection's registry, credentials opened; NotFound (`registry.not-found`) without one. */
  async upstreamByName(input: Named): Promise<UpstreamRegistry> {
    return this.upstreamOf(await this.connected(input, connectionIdOf(input.fleet, input.name)));
  }

  /** A client of the connection's registry with its credentials opened: tests, tag resolution and image copies. */
  async upstreamOf(c: Connected): Promise<UpstreamRegistry> {
    const credentials = c.credentialsId ? await this.credentials.open(c.credentialsId) : undefined;
    return new UpstreamRegistry({ url: new URL(c.url), caPem: c.caPem, credentials, allowedRealmOrigins: c.allowedRealmOrigins });
  }

  private subjectOf(fleet: string, connectionId: string): string {
    return this.store.subject('registry', fleet, connectionId);
  }

  private async load(fleet: string, connectionId: string): Promise<RegistryConnection> {
    return (await loadAggregate(this.store, this.subjectOf(fleet, connectionId), registryConnectionDecider, undefined, { latest: true }))
      .state;
  }

  private async connected(input: Named, connectionId: string): Promise<Connected> {
    const state = await this.load(input.fleet, connectionId);
    if (state.status !== 'connected') throw new NotFound('registry', input.name);
    return state;
  }

  /** Appends the command's events; the state after is `connected` for a connect or a rotation. */
  private async decide(fleet: string, connectionId: string, command: RegistryConnectionCommand, ctx: RequestContext): Promise<Connected> {
    const { state } = await handleCommand({
      store: this.store,
      subject: this.subjectOf(fleet, connectionId),
      decider: registryConnectionDecider,
      command,
      meta: eventMetadataOf(ctx),
    });
    return state as Connected;
  }
}
