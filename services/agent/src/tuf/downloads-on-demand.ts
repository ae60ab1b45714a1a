import type { ArtifactRef } from '@keelson/events/device-protocol';
import type { Updater } from 'tuf-js';
import type { DataDirLayout } from '../data-dir/layout.js';
import type { TufSource, VerifiedDownloads } from './verified-download.js';

/** Why an artifact was refused: the reason goes into the `failed` report. */
export class VerificationFailed extends Error {
  override readonly name = 'VerificationFailed';
}

/** The two steps of an update the reconciler takes: refresh the metadata, then download the target. */
export type UpdateDownloads = Pick<VerifiedDownloads, 'refresh' | 'download'>;

/**
 * `VerifiedDownloads`, loaded at the agent's first update. tuf-js and `@tufjs/models` (with the
 * agent's patches to them) are not loaded at start: an idle agent never verifies anything, and
 * holding them cost ~2 MiB of its memory (bench/README.md, agent-footprint). The one instance,
 * and so its fetcher and the signature checks it remembers, lasts the agent's life as before.
 */
export class DownloadsOnDemand implements UpdateDownloads {
  private loaded: Promise<VerifiedDownloads> | undefined;

  constructor(
    private readonly layout: DataDirLayout,
    private readonly source: TufSource,
  ) {}

  async refresh(targetPath?: string): Promise<Updater> {
    return (await this.downloads()).refresh(targetPath);
  }

  async download(updater: Updater, artifact: ArtifactRef): Promise<string> {
    return (await this.downloads()).download(updater, artifact);
  }

  private downloads(): Promise<VerifiedDownloads> {
    this.loaded ??= import('./verified-download.js').then(({ VerifiedDownloads }) => new VerifiedDownloads(this.layout, this.source));
    return this.loaded;
  }
}
