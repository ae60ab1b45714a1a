import { readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Updater, type TargetFile } from 'tuf-js';
import type { ArtifactRef } from '@keelson/events/device-protocol';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import { deviceTlsIdentity } from '../link/platform-trust.js';
// Linear snapshot maps in the copy of @tufjs/models that tuf-js uses (see the module).
import './linear-snapshot.js';
// Public key objects kept across signature checks (see the module).
import './public-key-cache.js';
// The signed part of each checked document serialised to canonical JSON with less garbage (see the module).
import './lean-canonical-json.js';
// The top-level targets' signature checked once per update, not again at the target's lookup (see the module).
import './targets-verified-once.js';
// Trusted metadata other than root held in memory and written once per refresh, in one file (see the module).
import { KeptMetadata, keepThrough, saveKept } from './kept-metadata.js';
import { VerifiedBytes, withVerifiedBytes } from './verified-bytes.js';
import { DeviceFetcher, defaultRetry, type RetryPolicy } from './device-fetcher.js';
import { targetUrl } from './target-url.js';
import { isTransientFailure } from './transient-failure.js';
import { VerificationFailed } from './downloads-on-demand.js';

export { VerificationFailed } from './downloads-on-demand.js';

/** Where the device's fleet repository is served, and the platform CA the facade's HTTPS chains to (absent: the machine's trust store). */
export interface TufSource {
  facadeUrl: string;
  fleet: string;
  platformCa?: string;
}

/**
 * Fetches artifacts through the facade with tuf-js, trusting only what chains to the root pinned at
 * enrollment. Split in two steps so the agent can report `downloading` then `verifying`.
 */
export class VerifiedDownloads {
  /** One fetcher for the agent's life: its connections to the facade are kept alive across updates. */
  private readonly fetcher: DeviceFetcher;
  /** The signature checks this device passed: its next refresh does not repeat them for the same bytes. */
  private readonly verified = new VerifiedBytes();

  constructor(
    private readonly layout: DataDirLayout,
    private readonly source: TufSource,
    retry: RetryPolicy = defaultRetry,
  ) {
    this.fetcher = new DeviceFetcher(
      { ...(source.platformCa ? { platformCa: source.platformCa } : {}), clientIdentity: deviceTlsIdentity(layout) },
      layout.tmpDir,
      retry,
    );
  }

  private get targetBaseUrl(): string {
    return `${this.source.facadeUrl}/v1/fleets/${this.source.fleet}/targets`;
  }

  /** The lookup of each updater's target that its refresh already made (weak: gone with the updater). */
  private readonly lookups = new WeakMap<Updater, { targetPath: string; info: Promise<TargetFile | undefined> }>();

  /**
   * Refreshes root, timestamp, snapshot and targets metadata (the `downloading` step). Given the
   * target the update is for, it also loads the delegated targets that sign it (a hash bin), so
   * everything the update verifies is saved in one write; an error in that lookup is the
   * download's to report, as before.
   */
  async refresh(targetPath?: string): Promise<Updater> {
    const updater = await this.updater();
    try {
      await updater.refresh();
      if (targetPath !== undefined) {
        const info = updater.getTargetInfo(targetPath);
        this.lookups.set(updater, { targetPath, info });
        await info.catch(() => undefined);
      }
    } finally {
      await saveKept(updater); // what was verified is kept, also when a later check failed
    }
    return updater;
  }

  /**
   * Checks the assignment against the signed targets metadata, then downloads the target into its
   * partial file in the data directory, checked as it arrives by tuf-js's own `TargetFile.verify`
   * (the length and every hash the signed targets give): the file handed out holds exactly the
   * bytes that were verified. A download cut off by the network resumes from what the partial file
   * holds, in this call (retries) or a later one (the next update, the agent restarted): the file
   * is kept when the download fails for the network's sake, and discarded when its bytes failed the
   * check or the facade refused it. Returns the file's path.
   */
  async download(updater: Updater, artifact: ArtifactRef): Promise<string> {
    const info = await this.targetInfo(updater, artifact.targetPath);
    if (!info) throw new VerificationFailed(`${artifact.targetPath} is not in the fleet's signed targets`);
    if (info.length !== artifact.length || info.hashes.sha256 !== artifact.sha256) {
      throw new VerificationFailed(`signed targets disagree with the assignment about ${artifact.targetPath} (length or sha256)`);
    }
    const file = this.layout.partialDownload(artifact.sha256);
    const url = targetUrl(updater, this.targetBaseUrl, info);
    try {
      await this.fetcher.downloadResumable({
        url,
        length: info.length,
        sha256: artifact.sha256,
        file,
        check: (chunks) => info.verify(Readable.from(chunks)),
      });
      return file;
    } catch (err) {
      if (isTransientFailure(err)) throw err; // the network's failure: what arrived is kept to resume from
      await rm(file, { force: true }); // not a prefix of the target, or refused: never resumed
      throw new VerificationFailed(`${artifact.targetPath} failed verification: ${(err as Error).message}`);
    }
  }

  private async targetInfo(updater: Updater, targetPath: string): Promise<TargetFile | undefined> {
    const early = this.lookups.get(updater);
    try {
      return early?.targetPath === targetPath ? await early.info : await updater.getTargetInfo(targetPath);
    } finally {
      await saveKept(updater);
    }
  }

  /**
   * tuf-js rewrites `root.json` with a plain write when the root rotates: if a crash left it
   * missing or unparseable, start again from the pristine root kept from enrollment (rotations are
   * re-fetched). The Updater reads and parses the root itself, so its own error says so (the
   * agent's read and parse of the root before each refresh were a second copy of that work); a
   * root that parses but fails its checks is not replaced, and the refresh fails with it.
   */
  private async updater(): Promise<Updater> {
    const { facadeUrl, fleet } = this.source;
    const kept = await KeptMetadata.open(this.layout);
    const make = () => {
      const updater = withVerifiedBytes(
        this.verified,
        () =>
          new Updater({
            metadataDir: this.layout.tufDir,
            metadataBaseUrl: `${facadeUrl}/v1/fleets/${fleet}/tuf`,
            targetBaseUrl: this.targetBaseUrl,
            fetcher: this.fetcher,
          }),
      );
      keepThrough(updater, kept);
      return updater;
    };
    try {
      return make();
    } catch (err) {
      if (!(err instanceof SyntaxError) && (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await writeFileAtomic(this.layout.trustedRoot, await readFile(this.layout.pristineRoot));
      return make();
    }
  }
}
