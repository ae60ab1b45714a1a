import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BaseFetcher, Updater } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';

/** What one refresh and target lookup downloaded: bytes by file name, in request order. */
export interface Download {
  files: { name: string; bytes: number }[];
  total: number;
}

/**
 * tuf-js's fetcher over the files a facade would serve (`files`, a live map: a publish between
 * two refreshes is seen), counting the bytes of every answer. Unknown names answer
 * 404, which tuf-js takes as "no newer root" for `<N+1>.root.json`, as from the facade.
 */
class CountingFetcher extends BaseFetcher {
  downloads: Download = { files: [], total: 0 };

  constructor(private readonly files: Map<string, Buffer>) {
    super();
  }

  override async fetch(url: string): Promise<ReadableStream<Uint8Array<ArrayBuffer>>> {
    const name = url.slice(url.lastIndexOf('/') + 1);
    const body = this.files.get(name);
    if (!body) throw new DownloadHTTPError(`GET ${name}`, 404);
    this.downloads.files.push({ name, bytes: body.length });
    this.downloads.total += body.length;
    return new Blob([new Uint8Array(body)]).stream() as ReadableStream<Uint8Array<ArrayBuffer>>;
  }
}

/**
 * A device with the real tuf-js client: its own metadata directory, the pinned root, limits raised
 * above tuf-js's defaults (targets 5 MB) so that a large flat targets metadata can be measured at all.
 */
export class BenchDevice {
  private readonly fetcher: CountingFetcher;
  private readonly metadataDir: string;

  constructor(dir: string, pinnedRoot: Record<string, unknown>, files: Map<string, Buffer>) {
    this.metadataDir = join(dir, 'metadata');
    mkdirSync(this.metadataDir, { recursive: true });
    writeFileSync(join(this.metadataDir, 'root.json'), JSON.stringify(pinnedRoot));
    this.fetcher = new CountingFetcher(files);
  }

  /** Refreshes the metadata and looks `targetPath` up (through its bin, where there are bins): what it downloaded. */
  async update(targetPath: string): Promise<Download> {
    this.fetcher.downloads = { files: [], total: 0 };
    const updater = new Updater({
      metadataDir: this.metadataDir,
      metadataBaseUrl: 'http://facade.invalid/tuf',
      fetcher: this.fetcher,
      config: { fetchRetries: 0, targetsMaxLength: 256 * 1024 * 1024, snapshotMaxLength: 64 * 1024 * 1024 },
    });
    await updater.refresh();
    const info = await updater.getTargetInfo(targetPath);
    if (!info) throw new Error(`${targetPath} is not a signed target`);
    return this.fetcher.downloads;
  }
}
