import { ConcurrencyError } from '@keelson/domain-kit';
import { AggregateCache, loadAggregate, type EventMetadata, type EventStore } from '@keelson/event-store';
import type { TufEvent } from '@keelson/events';
import type { TargetEntry, TufLifetimes, TufRoleName } from '@keelson/tuf';
import type { FleetKeyring, FleetKeys, HeldKey } from '../keys/fleet-keyring.js';
import { signedMetadata } from '../signer.metrics.js';
import { readMetadata } from './metadata-checks.js';
import { planOnlineKeyRotation, planRootImport } from './root-plans.js';
import { planInitialisation, planRedelegation, planRenewalSigning, planTargets } from './signing-plans.js';
import { tufRepositoryDecider, type TufCommand } from './tuf-repository.decider.js';
import { documentOf, isBinned, type TufRepository } from './tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;
type OnlineRole = Exclude<TufRoleName, 'root'>;

/** What one signing did: the events it appended (none when nothing was needed) and the state after. */
export interface SigningOutcome {
  events: TufEvent[];
  state: TufRepository;
}

export interface TufRepositoriesOptions {
  store: EventStore<TufEvent>;
  keyring: FleetKeyring;
  lifetimes: TufLifetimes;
  /** How many hash bins a repository gets when it is created or re-delegated (a power of two). */
  hashBins: number;
  now: () => Date;
  /** Total tries of one signing, the first included. */
  maxAttempts?: number;
}

type SigningReason = 'initialise' | 'publish' | 'renew' | 'import-root' | 'rotate-key' | 'redelegate';

const roleOf = {
  RootMetadataSigned: 'root',
  TargetsSigned: 'targets',
  DelegatedTargetsSigned: 'bin',
  SnapshotSigned: 'snapshot',
  TimestampRenewed: 'timestamp',
} as const;

function countSigned(events: TufEvent[], reason: SigningReason): void {
  for (const e of events) if (e.type !== 'TufRepositoryInitialised') signedMetadata().inc({ role: roleOf[e.type], reason });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const derived = (meta: EventMetadata, suffix: string): EventMetadata => ({
  ...meta,
  commandId: `${meta.commandId.slice(0, 120)}.${suffix}`,
});

/**
 * Runs signings against `ev.tuf.<fleet>.repository`: load -> prepare and sign -> decide -> append,
 * and on a concurrent append (another replica signed first) all of it again from the new state, so
 * versions stay one chain. Signing is per fleet: fleets never wait for each other.
 */
export class TufRepositories {
  private readonly cache = new AggregateCache<TufRepository>();

  constructor(private readonly options: TufRepositoriesOptions) {}

  subject(fleet: string): string {
    return this.options.store.subject('tuf', fleet, 'repository');
  }

  /** The fleet's repository as the stream says now (through the cache). */
  async current(fleet: string): Promise<{ state: TufRepository; seq: number }> {
    const subject = this.subject(fleet);
    return loadAggregate(this.options.store, subject, tufRepositoryDecider, this.cache);
  }

  /** The fleet's repository, initialised first (development trust setup) if it has none. */
  async ensure(fleet: string, meta: EventMetadata): Promise<Active> {
    const { state } = await this.current(fleet);
    if (state.status === 'active') return state;
    const outcome = await this.run('initialise', fleet, meta, async (s, keys, now) =>
      s.status === 'absent' ? planInitialisation(fleet, keys, this.options.lifetimes, this.options.hashBins, now) : null,
    );
    if (outcome.state.status !== 'active') throw new Error(`fleet '${fleet}': repository still absent after initialisation`);
    return outcome.state;
  }

  /**
   * Moves a repository from before hash bins to bins (`hashBins` of them), in one decision; a
   * repository that has bins is left as it is. Runs before any publish or renewal of the fleet, and
   * so on the renewal timer's first round after a start: existing repositories keep working.
   */
  async redelegate(fleet: string, meta: EventMetadata): Promise<SigningOutcome> {
    return this.run('redelegate', fleet, meta, async (s, keys, now) =>
      s.status === 'active' && !isBinned(s) ? planRedelegation(s, this.options.hashBins, keys, this.options.lifetimes, now) : null,
    );
  }

  /** Signs `entries` into their hash bins (with snapshot and timestamp) unless they are signed already. */
  async addTargets(fleet: string, entries: TargetEntry[], meta: EventMetadata): Promise<SigningOutcome> {
    const state = await this.ensure(fleet, derived(meta, 'init'));
    if (!isBinned(state)) await this.redelegate(fleet, derived(meta, 'bins'));
    return this.run('publish', fleet, meta, async (s, keys, now) =>
      s.status === 'active' ? planTargets(s, entries, keys, this.options.lifetimes, now) : null,
    );
  }

  /** Re-signs whatever of the fleet's metadata is past half its lifetime; nothing for an absent fleet. */
  async renew(fleet: string, meta: EventMetadata): Promise<SigningOutcome> {
    const { state } = await this.current(fleet);
    if (state.status === 'absent') return { events: [], state }; // and no keys made for it
    await this.retireKeys(state, false); // a root key left by a crash between an import and its retirement
    if (state.status === 'active' && !isBinned(state)) await this.redelegate(fleet, derived(meta, 'bins'));
    return this.run('renew', fleet, meta, async (s, keys, now) =>
      s.status === 'active' ? planRenewalSigning(s, keys, this.options.lifetimes, now) : null,
    );
  }

  /** Puts an offline-signed root in force, then deletes the root keys and the online keys it no longer names. */
  async importRoot(fleet: string, root: Record<string, unknown>, meta: EventMetadata): Promise<Active> {
    await this.ensure(fleet, derived(meta, 'init'));
    const outcome = await this.run('import-root', fleet, meta, async (s, keys, now) =>
      s.status === 'active' ? planRootImport(s, root, keys, this.options.lifetimes, now) : null,
    );
    const state = outcome.state as Active;
    await this.retireKeys(state, true);
    return state;
  }

  /**
   * A new key for an online role: in force at once in the development trust setup (a root the
   * signer signs), pending in production until an imported root names it.
   */
  async rotateOnlineKey(fleet: string, role: OnlineRole, meta: EventMetadata): Promise<{ keyId: string; pending: boolean; state: Active }> {
    const before = await this.ensure(fleet, derived(meta, 'init'));
    const added = await this.options.keyring.addKey(fleet, role);
    if (!before.development) return { keyId: added.key.keyID, pending: true, state: before };
    const outcome = await this.run('rotate-key', fleet, meta, async (s, keys, now) =>
      s.status === 'active' ? planOnlineKeyRotation(s, role, added.key, keys, this.options.lifetimes, now) : null,
    );
    const state = outcome.state as Active;
    await this.retireKeys(state, true);
    return { keyId: added.key.keyID, pending: false, state };
  }

  /** The root in force and the online public keys the signer holds, for an offline root ceremony. */
  async onlineKeys(fleet: string, meta: EventMetadata): Promise<{ state: Active; keys: HeldKey[]; trusted: (key: HeldKey) => boolean }> {
    const state = await this.ensure(fleet, meta);
    const root = readMetadata('root', documentOf(state, 'root').metadata).signed;
    const keys = (await this.options.keyring.keysOf(fleet)).held.filter((h) => h.role !== 'root');
    return { state, keys, trusted: (h) => root.roles[h.role]!.keyIDs.includes(h.key.keyID) };
  }

  /**
   * Deletes keys the root in force makes useless: every root key once the fleet is in production
   * (the node never holds production root keys), and, right after a new root, online keys it no
   * longer names (revoked: devices refuse their signatures from then on).
   */
  private async retireKeys(state: TufRepository, afterNewRoot: boolean): Promise<void> {
    if (state.status !== 'active') return;
    const root = readMetadata('root', documentOf(state, 'root').metadata).signed;
    const named = (h: HeldKey) => root.roles[h.role]!.keyIDs.includes(h.key.keyID);
    await this.options.keyring.retire(state.fleet, (h) => (h.role === 'root' ? state.development && named(h) : !afterNewRoot || named(h)));
  }

  private async run(
    reason: SigningReason,
    fleet: string,
    meta: EventMetadata,
    plan: (s: TufRepository, keys: FleetKeys, now: Date) => Promise<TufCommand | null>,
  ): Promise<SigningOutcome> {
    const { store, keyring, maxAttempts = 8 } = this.options;
    const subject = this.subject(fleet);
    const keys = await keyring.keysOf(fleet);
    for (let attempt = 1; ; attempt++) {
      const { state, seq } = await this.current(fleet);
      const command = await plan(state, keys, this.options.now());
      const events = command ? tufRepositoryDecider.decide(command, state) : [];
      if (events.length === 0) return { events, state };
      try {
        const append = await store.append(subject, seq, events, meta);
        const after = events.reduce(tufRepositoryDecider.evolve, state);
        if (append && !append.duplicate) {
          this.cache.set(subject, { state: after, seq: append.lastSeq });
          countSigned(events, reason);
        }
        return { events, state: append?.duplicate ? (await this.current(fleet)).state : after };
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || attempt >= maxAttempts) throw err;
        await pause(5 * 2 ** Math.min(attempt, 6) + Math.random() * 20 * attempt);
      }
    }
  }
}
