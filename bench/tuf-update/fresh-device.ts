import { mkdirSync, writeFileSync } from 'node:fs';
import type { Updater as UpdaterType } from 'tuf-js';

/** The agent's tuf-js and its kept-metadata and signature-memory helpers, from one agent build. */
export interface AgentTuf {
  Updater: new (options: { metadataDir: string; metadataBaseUrl: string; fetcher: unknown }) => UpdaterType;
  DownloadHTTPError: new (message: string, statusCode: number) => Error;
  VerifiedBytes: new () => object;
  withVerifiedBytes<T>(memory: object, make: () => T): T;
  KeptMetadata: { open(layout: object): Promise<object> };
  keepThrough(updater: object, store: object): void;
  saveKept(updater: object): Promise<void>;
  DataDirLayout: new (root: string) => { tufDir: string; trustedRoot: string };
}

/**
 * One fresh device's refresh and target lookup, as the agent makes them (VerifiedDownloads.refresh):
 * an Updater built with the device's signature memory, reading and keeping metadata through its kept
 * file, saved once. The facade's answers come from `files`, each a new Buffer as a read gives.
 */
export async function freshDevice(
  tuf: AgentTuf,
  root: string,
  pinnedRoot: Record<string, unknown>,
  files: Map<string, Buffer>,
  targetPath: string,
): Promise<void> {
  const layout = new tuf.DataDirLayout(root);
  mkdirSync(layout.tufDir, { recursive: true });
  writeFileSync(layout.trustedRoot, JSON.stringify(pinnedRoot));
  const fetcher = {
    downloadBytes: async (url: string): Promise<Buffer> => {
      const body = files.get(url.slice(url.lastIndexOf('/') + 1));
      if (!body) throw new tuf.DownloadHTTPError(`GET ${url}`, 404);
      return Buffer.from(body);
    },
    downloadFile: () => Promise.reject(new Error('no target downloads in this bench')),
  };
  const kept = await tuf.KeptMetadata.open(layout);
  const updater = tuf.withVerifiedBytes(
    new tuf.VerifiedBytes(),
    () => new tuf.Updater({ metadataDir: layout.tufDir, metadataBaseUrl: 'https://facade.invalid/tuf', fetcher }),
  );
  tuf.keepThrough(updater, kept);
  try {
    await updater.refresh();
    if (!(await updater.getTargetInfo(targetPath))) throw new Error(`${targetPath} is not a signed target`);
  } finally {
    await tuf.saveKept(updater);
  }
}
