import type { Clock } from '@keelson/service-kit';
import { BoundedMap } from '../memory/bounded-map.js';
import type { MetadataRequest } from './tuf-metadata.store.js';

export interface TufMetadataMemoryOptions {
  clock: Clock;
  /** Most bytes of signed documents kept (by their length), 64 MiB by default. */
  maxDocumentBytes?: number;
  /** Most fleets whose newest timestamp (and missing versions) are kept, and whose latest TUF event is tracked. */
  maxFleets?: number;
  /** Longest an answer that can change is kept, even with the feed silent: the bound if the feed lags. */
  changingAnswerTtlMs?: number;
}

interface ChangingAnswer {
  document: Buffer | null;
  until: number;
}

const documentKey = (fleet: string, role: string, version: number) => `${fleet}\u0000${role}\u0000${version}`;
const answerKey = (request: MetadataRequest) => ('version' in request ? `${request.role}\u0000${request.version}` : request.role);

/**
 * What the facade has read of each fleet's TUF metadata, so devices are served from memory: as the
 * bytes that go out (UTF-8, encoded once when read), not strings encoded again for every device.
 *
 * A signed document at a version never changes (the projection inserts each (fleet, role, version)
 * once): it is kept, bounded by bytes. The answers that change when the signer signs again, the
 * newest `timestamp.json` and "no such version (yet)", are kept per fleet until the feed of the
 * signer's stream (`TufMetadataFeed`) announces a TUF event of that fleet. The feed may see an
 * event before the projection (perhaps another replica's) commits it, so an answer is kept only when
 * the database had applied every event the feed announced for the fleet (`applied`, the projection's
 * checkpoint read in the same statement): a device never gets an older timestamp from memory than
 * the database serves. Nothing that changes is kept while the feed is not following.
 */
export class TufMetadataMemory {
  private readonly documents: BoundedMap<Buffer>;
  private readonly answers: BoundedMap<Map<string, ChangingAnswer>>;
  /** Per fleet, the stream sequence of the newest TUF event the feed announced. */
  private readonly announced: BoundedMap<number>;
  /** The highest sequence an evicted fleet had announced: what its floor falls back to. */
  private evictedFloor = 0;
  /** The database must have applied at least this for any changing answer to be kept (Infinity: not following). */
  private followedFrom = Infinity;
  private readonly ttlMs: number;

  constructor(private readonly o: TufMetadataMemoryOptions) {
    const maxFleets = o.maxFleets ?? 10_000;
    this.ttlMs = o.changingAnswerTtlMs ?? 2_000;
    this.documents = new BoundedMap({ maxEntries: 1_000_000, maxWeight: o.maxDocumentBytes ?? 64 * 1024 * 1024, weigh: (d) => d.length });
    this.answers = new BoundedMap({ maxEntries: maxFleets });
    this.announced = new BoundedMap({
      maxEntries: maxFleets,
      onEvict: (_fleet, seq) => void (this.evictedFloor = Math.max(this.evictedFloor, seq)),
    });
  }

  /** What is known of `request` (a document, or null for "not there"), or undefined: ask the database. */
  recall(fleet: string, request: MetadataRequest): { document: Buffer | null } | undefined {
    const document = 'version' in request ? this.documents.get(documentKey(fleet, request.role, request.version)) : undefined;
    if (document !== undefined) return { document };
    const answer = this.answers.get(fleet)?.get(answerKey(request));
    return answer && answer.until > this.o.clock.now().getTime() ? { document: answer.document } : undefined;
  }

  /** Keeps what the database answered, `applied` being the projection's checkpoint as that same statement saw it. */
  remember(fleet: string, request: MetadataRequest, document: Buffer | null, applied: number): void {
    if ('version' in request && document !== null) return this.documents.set(documentKey(fleet, request.role, request.version), document);
    if (applied < Math.max(this.followedFrom, this.announced.get(fleet) ?? this.evictedFloor)) return; // the database is behind the feed
    let fleetAnswers = this.answers.get(fleet);
    if (!fleetAnswers) this.answers.set(fleet, (fleetAnswers = new Map()));
    if (fleetAnswers.size >= 64) fleetAnswers.clear(); // missing versions a device made up: keep few
    fleetAnswers.set(answerKey(request), { document, until: this.o.clock.now().getTime() + this.ttlMs });
  }

  /** The feed follows the stream from `seq` on: every event after it will be announced. */
  following(seq: number): void {
    this.followedFrom = seq;
  }

  /** The feed saw the fleet's TUF event at stream sequence `seq`: what changes is asked of the database again. */
  announce(fleet: string, seq: number): void {
    this.answers.delete(fleet);
    this.announced.set(fleet, Math.max(seq, this.announced.get(fleet) ?? 0));
  }

  /** The feed stopped following: nothing that changes is answered from memory until it follows again. */
  lost(): void {
    this.followedFrom = Infinity;
    this.answers.clear();
  }

  get documentBytes(): number {
    return this.documents.weight;
  }
}
