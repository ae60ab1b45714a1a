import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { assertSubjectToken } from '@keelson/event-store';
import { tufRoles, type TufRoleName } from '@keelson/tuf';
import { fleetKeysFrom, generateKeyPem, storedKeyOf, type FleetKeys, type HeldKey } from './fleet-keys.js';
import type { SealingSecrets } from '@keelson/service-kit';
import {
  addKeyFile,
  keySecretName,
  readKeyFiles,
  readLegacyKeyFiles,
  removeKeyFile,
  removeLegacyKeyFiles,
  writeKeyFilesOnce,
} from './key-files.js';

export type { FleetKeys, HeldKey } from './fleet-keys.js';

export interface FleetKeyringOptions {
  /** `<KEELSON_DATA_DIR>/keys`; each fleet's keys live in `<dir>/<fleet>/`. */
  dir: string;
  /** `KEELSON_SIGNER_KEY_SECRET`: every key file is sealed under it. */
  secret: string;
  /** `KEELSON_SIGNER_KEY_SECRET_PREVIOUS`, while the secret is rotated: files only it opens are re-sealed under `secret`. */
  previousSecret?: string | undefined;
  /** Told once per fleet and process when its keys are first used while it holds a root key. */
  onDevelopmentKeys?: (fleet: string, dir: string) => void;
  /** Told when plaintext key files of an older signer were sealed and deleted. */
  onMigrated?: (fleet: string, roles: TufRoleName[]) => void;
}

const fleetDirName = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** What `openAll` found: the fleets with keys, and how many key files it re-sealed under the current secret. */
export interface OpenedFleets {
  fleets: string[];
  resealed: number;
}

/**
 * The online keys of every fleet, sealed at rest (see `sealed-key.ts`). A fleet's first keys are
 * one ed25519 key per role, root included (the development trust setup); an imported offline root
 * removes the root key, and a rotation adds a key of a role and later retires the old one.
 */
export class FleetKeyring {
  private readonly loaded = new Map<string, Promise<FleetKeys>>();
  private readonly resealed = new Map<string, number>();
  private readonly secrets: SealingSecrets;

  constructor(private readonly options: FleetKeyringOptions) {
    this.secrets = { name: keySecretName, current: options.secret, previous: options.previousSecret };
  }

  keysOf(fleet: string): Promise<FleetKeys> {
    assertSubjectToken('fleet', fleet);
    let keys = this.loaded.get(fleet);
    if (!keys) {
      keys = this.loadOrCreate(fleet);
      keys.catch(() => this.loaded.delete(fleet)); // a failed load is retried by the next caller
      this.loaded.set(fleet, keys);
    }
    return keys;
  }

  /**
   * Opens every fleet's keys (sealing plaintext ones of an older data directory on the way), so
   * that a wrong `KEELSON_SIGNER_KEY_SECRET` stops the signer at start rather than at its first
   * signing, and so that during a rotation every key is re-sealed at this start, not at first use.
   */
  async openAll(): Promise<OpenedFleets> {
    let names: string[];
    try {
      names = await readdir(this.options.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { fleets: [], resealed: 0 };
      throw err;
    }
    const fleets = names.filter((n) => fleetDirName.test(n));
    for (const fleet of fleets) await this.keysOf(fleet);
    return { fleets, resealed: fleets.reduce((sum, fleet) => sum + (this.resealed.get(fleet) ?? 0), 0) };
  }

  /** Makes a new key of `role` for `fleet` (kept next to the current one until a root names it). */
  async addKey(fleet: string, role: TufRoleName): Promise<HeldKey> {
    const stored = storedKeyOf(role, generateKeyPem());
    await addKeyFile(this.dirOf(fleet), stored, this.options.secret);
    this.loaded.delete(fleet);
    return (await this.keysOf(fleet)).held.find((h) => h.key.keyID === stored.keyId)!;
  }

  /** Deletes every held key that `keep` refuses: retired online keys, or the root key of a production fleet. */
  async retire(fleet: string, keep: (key: HeldKey) => boolean): Promise<HeldKey[]> {
    const retired = (await this.keysOf(fleet)).held.filter((h) => !keep(h));
    for (const h of retired) await removeKeyFile(this.dirOf(fleet), { role: h.role, keyId: h.key.keyID });
    if (retired.length) this.loaded.delete(fleet);
    return retired;
  }

  private dirOf(fleet: string): string {
    assertSubjectToken('fleet', fleet);
    return join(this.options.dir, fleet);
  }

  private async loadOrCreate(fleet: string): Promise<FleetKeys> {
    const { secret } = this.options;
    const dir = this.dirOf(fleet);
    await this.migrate(fleet, dir);
    const read = await readKeyFiles(dir, this.secrets);
    if (read?.resealed) this.resealed.set(fleet, (this.resealed.get(fleet) ?? 0) + read.resealed);
    let stored = read?.keys;
    if (!stored?.length)
      stored = await writeKeyFilesOnce(
        dir,
        tufRoles.map((role) => storedKeyOf(role, generateKeyPem())),
        secret,
      );
    const keys = fleetKeysFrom(stored);
    if (keys.holds('root')) this.options.onDevelopmentKeys?.(fleet, dir);
    return keys;
  }

  /** Seals the plaintext keys an older signer left, then deletes them (sealed copy first: a crash loses nothing). */
  private async migrate(fleet: string, dir: string): Promise<void> {
    const legacy = await readLegacyKeyFiles(dir);
    if (!legacy) return;
    const roles = tufRoles.filter((role) => legacy[role] !== undefined);
    for (const role of roles) await addKeyFile(dir, storedKeyOf(role, legacy[role]!), this.options.secret);
    await removeLegacyKeyFiles(dir, roles);
    this.options.onMigrated?.(fleet, roles);
  }
}
