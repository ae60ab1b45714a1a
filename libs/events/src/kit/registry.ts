import { z } from 'zod';
import { InvalidInput } from '@keelson/domain-kit';
import type { Message, MessageSchema } from './define-message.js';
import type { FastPath } from './fast-path.js';
import { toInputIssues } from './parse-or-throw.js';

/** Reads one stored version of a message and returns it as the latest version (upcasting if older). */
export type Reader<M> = (raw: unknown) => M;

/** Every version of one message type ever written, each with the reader that brings it up to date. */
export interface MessageReaders<M extends Message> {
  readonly type: M['type'];
  readonly latestVersion: number;
  readonly versions: Readonly<Record<number, Reader<M>>>;
}

/**
 * The readers of a message whose latest version is `latest`. `older` upcasts each earlier version;
 * a published version is never dropped, because its events stay in the streams forever. `fast`, for a
 * hot type, reads the latest version without zod when it is valid and leaves the rest to `latest`.
 */
export function readersOf<M extends Message>(
  latest: MessageSchema<M>,
  older: Record<number, Reader<M>> = {},
  fast?: FastPath<M>,
): MessageReaders<M> {
  const type = latest.shape.type.value;
  const latestVersion = latest.shape.schemaVersion.value;
  for (const version of Object.keys(older).map(Number)) {
    if (!(version < latestVersion)) throw new Error(`${type}: reader for v${version} is not older than v${latestVersion}`);
  }
  const read: Reader<M> = fast ? (raw) => fast(raw) ?? latest.parse(raw) : (raw) => latest.parse(raw);
  return { type, latestVersion, versions: { ...older, [latestVersion]: read } };
}

// Checked before the lookup so a message without a usable type or version fails as a shape error.
const Envelope = z.looseObject({ type: z.string(), schemaVersion: z.number().int() });

/**
 * `Envelope`'s check by hand, for the hot path: every message a service reads or appends passes it,
 * and zod's loose object copies every other key of the message to do the same. It accepts exactly
 * what `Envelope` accepts (an object, not an array; a string `type`; a safe integer `schemaVersion`);
 * anything else goes to `Envelope` for its error, so a bad message is refused as before.
 */
function envelopeOf(raw: unknown): { type: string; schemaVersion: number } | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const { type, schemaVersion } = raw as { type?: unknown; schemaVersion?: unknown };
  return typeof type === 'string' && Number.isSafeInteger(schemaVersion) ? { type, schemaVersion: schemaVersion as number } : undefined;
}
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses the messages of a closed set of types once, at the boundary: it looks up
 * `readers[type][schemaVersion]` and returns the latest version, so domain code sees only that.
 * Throws `InvalidInput` with `message.not-json`, `message.invalid`, `message.unknown-type` or
 * `message.unknown-version`.
 */
export class MessageRegistry<M extends Message> {
  /** Every type name this registry knows, in registration order. */
  readonly types: readonly M['type'][];
  private readonly byType = new Map<string, MessageReaders<M>>();

  constructor(readonly readers: readonly MessageReaders<M>[]) {
    for (const entry of readers) {
      if (this.byType.has(entry.type)) throw new Error(`message type '${entry.type}' is registered twice`);
      this.byType.set(entry.type, entry);
    }
    this.types = readers.map((entry) => entry.type);
  }

  /** Parses an already-decoded message into its latest version. Bound, so it can be passed around. */
  readonly parse = (raw: unknown): M => {
    const { type, schemaVersion } = envelopeOf(raw) ?? this.envelopeOrThrow(raw);
    const entry = this.byType.get(type);
    if (!entry) throw new InvalidInput('message.unknown-type', [{ path: ['type'], message: `unknown message type '${type}'` }]);
    const read = Object.hasOwn(entry.versions, schemaVersion) ? entry.versions[schemaVersion] : undefined;
    if (!read) {
      const message = `${type} has no schema version ${schemaVersion}`;
      throw new InvalidInput('message.unknown-version', [{ path: ['schemaVersion'], message }]);
    }
    try {
      return read(raw);
    } catch (err) {
      if (err instanceof z.core.$ZodError) throw new InvalidInput('message.invalid', toInputIssues(err), { cause: err });
      throw err;
    }
  };

  private envelopeOrThrow(raw: unknown): { type: string; schemaVersion: number } {
    const envelope = Envelope.safeParse(raw);
    if (!envelope.success) throw new InvalidInput('message.invalid', toInputIssues(envelope.error), { cause: envelope.error });
    return envelope.data;
  }

  /** Decodes UTF-8 JSON (a NATS or MQTT payload) and parses it like `parse`. */
  readonly parseJson = (bytes: Uint8Array | string): M => {
    let raw: unknown;
    try {
      raw = JSON.parse(typeof bytes === 'string' ? bytes : utf8.decode(bytes));
    } catch (err) {
      throw new InvalidInput('message.not-json', [{ path: [], message: (err as Error).message }], { cause: err });
    }
    return this.parse(raw);
  };

  /** The version writers must write for `type`, or undefined for a type this registry does not know. */
  latestVersion(type: string): number | undefined {
    return this.byType.get(type)?.latestVersion;
  }
}
