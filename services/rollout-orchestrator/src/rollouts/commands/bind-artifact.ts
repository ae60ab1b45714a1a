import type { NatsConnection } from '@nats-io/transport-node';
import { InvalidInput, NotFound, RuleViolation } from '@keelson/domain-kit';
import { registry } from '@keelson/requests';
import type { EventStoreNaming } from '@keelson/event-store';
import type { ArtifactRef } from '@keelson/events';
import { sendRequest, type RequestContext } from '@keelson/service-kit';
import type { Channels } from '../../channels/channels.js';
import { hardwareNeedsOf, type HardwareNeeds } from '../../targeting/hardware-fit.js';

/** The artifact a rollout binds, the channel its version came from, and what it needs of a device's hardware. */
export interface BoundArtifact {
  artifact: ArtifactRef;
  channel?: string;
  needs: HardwareNeeds;
}

interface Deps {
  nc: NatsConnection;
  naming: EventStoreNaming;
  channels: Channels;
}

const refusal = (code: string, message: string, cause?: unknown) => new InvalidInput(code, [{ path: ['artifact'], message }], { cause });

/** The published artifact; the registry's refusals become input errors of this request. */
export async function bindArtifact(
  deps: Deps,
  fleet: string,
  name: string,
  version: string,
  ctx: RequestContext,
): Promise<{ artifact: ArtifactRef; needs: HardwareNeeds }> {
  try {
    const artifact = await sendRequest(deps.nc, deps.naming, registry.resolveArtifact, { fleet, name, version }, ctx);
    const { manifest } = await sendRequest(deps.nc, deps.naming, registry.getArtifact, { fleet, name, version }, ctx);
    return { artifact, needs: hardwareNeedsOf(manifest) };
  } catch (err) {
    if (err instanceof NotFound) throw refusal('artifact.not-found', `artifact ${name}@${version} does not exist in fleet '${fleet}'`, err);
    if (err instanceof RuleViolation && err.code === 'artifact.not-published') {
      throw refusal('artifact.not-published', `artifact ${name}@${version} is not published (signed) yet`, err);
    }
    throw err;
  }
}

/** `name@version`, or `name@channel` resolved to the version the channel points at now (and recorded). */
export async function resolveArtifactTarget(
  deps: Deps,
  fleet: string,
  target: { name: string; version: string } | { name: string; channel: string },
  ctx: RequestContext,
): Promise<BoundArtifact> {
  if ('version' in target) return bindArtifact(deps, fleet, target.name, target.version, ctx);
  const position = (await deps.channels.current(fleet, target.name)).channels[target.channel];
  if (!position) throw refusal('channel.not-found', `artifact ${target.name} has no channel '${target.channel}' in fleet '${fleet}'`);
  return { ...(await bindArtifact(deps, fleet, target.name, position.version, ctx)), channel: target.channel };
}
