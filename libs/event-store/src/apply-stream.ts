import { JetStreamApiCodes, JetStreamApiError, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { TimeoutError } from '@nats-io/transport-node';

/**
 * The version of the stream configurations this release writes, kept in each stream's metadata. A
 * release that changes a stream's shape in a way an older one must not undo raises it.
 */
export const streamSchemaVersion = 1;
export const streamSchemaKey = 'keelson.schema';

/** A stream exists in a shape this process must not change: it refuses to start rather than fight over it. */
export class StreamConfigRefused extends Error {
  override readonly name = 'StreamConfigRefused';
}

export type DeclaredStreamConfig = Partial<StreamConfig> & { name: string; num_replicas: number };

// nats-server's JSStreamNameExistErr; not among @nats-io/jetstream's JetStreamApiCodes.
const streamNameInUse = 10058;

export interface ApplyStreamOptions {
  /** false: create the stream when missing, and only check an existing one (a stream another service owns). */
  update?: boolean;
}

/**
 * Creates the stream, or brings an existing one to `config`. Refuses, changing nothing, when the
 * stream has another number of replicas than configured (two replicas of a service configured apart
 * would flip it back and forth; scaling a stream is an operator's step) or was set up by a newer
 * release (its schema version is above ours). Safe at every start.
 */
export async function applyStream(jsm: JetStreamManager, config: DeclaredStreamConfig, options: ApplyStreamOptions = {}): Promise<void> {
  // A clustered JetStream may not answer its API in time while it places a replicated stream or elects
  // a leader (seen when three servers and their services start together on a loaded machine): each step
  // below is safe to repeat, so a timed-out one is asked again before the start is given up.
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyStreamOnce(jsm, config, options);
    } catch (err) {
      if (!(err instanceof TimeoutError) || attempt === apiAttempts) throw err;
    }
  }
}

const apiAttempts = 4;

async function applyStreamOnce(jsm: JetStreamManager, config: DeclaredStreamConfig, options: ApplyStreamOptions): Promise<void> {
  const wanted = { ...config, metadata: { ...config.metadata, [streamSchemaKey]: String(streamSchemaVersion) } };
  let existing: StreamConfig;
  try {
    existing = (await jsm.streams.info(config.name)).config;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)) throw err;
    try {
      await jsm.streams.add(wanted);
      return;
    } catch (addErr) {
      // Another replica of the service, or the audit, created it in the meantime: check that one.
      if (!(addErr instanceof JetStreamApiError && addErr.code === streamNameInUse)) throw addErr;
      existing = (await jsm.streams.info(config.name)).config;
    }
  }
  refuseForeignShape(existing, config);
  if (options.update ?? true) await jsm.streams.update(config.name, wanted);
}

function refuseForeignShape(existing: StreamConfig, config: DeclaredStreamConfig): void {
  const theirs = Number(existing.metadata?.[streamSchemaKey] ?? 0);
  if (!(theirs <= streamSchemaVersion)) {
    throw new StreamConfigRefused(
      `stream ${config.name} was set up by a newer Keelson (stream schema ${existing.metadata?.[streamSchemaKey]}, this release writes ${streamSchemaVersion}): ` +
        'refusing to start rather than change it back; run the newer release',
    );
  }
  if (existing.num_replicas !== config.num_replicas) {
    throw new StreamConfigRefused(
      `stream ${config.name} has ${existing.num_replicas} replica(s), this service is configured for ${config.num_replicas} (KEELSON_STREAM_REPLICAS): ` +
        `refusing to start; set KEELSON_STREAM_REPLICAS=${existing.num_replicas}, or scale the stream first (nats stream edit ${config.name} --replicas ${config.num_replicas})`,
    );
  }
}
