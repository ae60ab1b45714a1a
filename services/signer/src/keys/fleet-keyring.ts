import { join } from 'node:path';
import { assertSubjectToken } from '@keelson/event-store';
import { fleetKeysFrom, generateKeyPems, type FleetKeys } from './fleet-keys.js';
import { readKeyFiles, writeKeyFilesOnce } from './key-files.js';

export type { FleetKeys } from './fleet-keys.js';

export interface FleetKeyringOptions {
  /** `<KEELSON_DATA_DIR>/keys`; each fleet's keys live in `<dir>/<fleet>/`. */
  dir: string;
  /** Told once per fleet and process when its keys are first used: they are development keys. */
  onDevelopmentKeys?: (fleet: string, dir: string) => void;
}

/**
 * The development trust setup: one online ed25519 key per role and fleet, root included, generated
 * the first time the fleet needs one and kept in the signer's data directory (0600 files), so they
 * survive restarts. Production imports an offline-signed root instead (a later issue).
 */
export class FleetKeyring {
  private readonly loaded = new Map<string, Promise<FleetKeys>>();

  constructor(private readonly options: FleetKeyringOptions) {}

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

  private async loadOrCreate(fleet: string): Promise<FleetKeys> {
    const dir = join(this.options.dir, fleet);
    const pems = (await readKeyFiles(dir)) ?? (await writeKeyFilesOnce(dir, generateKeyPems()));
    const keys = fleetKeysFrom(pems);
    this.options.onDevelopmentKeys?.(fleet, dir);
    return keys;
  }
}
