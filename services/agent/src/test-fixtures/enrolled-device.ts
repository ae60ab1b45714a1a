import { rmSync } from 'node:fs';
import { TestDeviceCa } from '@keelson/testing';
import type { KeyedRepository } from '@keelson/tuf/testing';
import type { DataDirLayout } from '../data-dir/layout.js';
import { VerifiedDownloads } from '../tuf/verified-download.js';
import { issuedBy, startFakeFacade, type FakeFacade } from './fake-facade.js';
import { deviceId, enrolledDataDir, fleet } from './reconcile-harness.js';

/** One enrolled device's data directory, the in-process facade it fetches from, and its downloads. */
export interface EnrolledDevice {
  facade: FakeFacade;
  layout: DataDirLayout;
  /** A new `VerifiedDownloads` (a new tuf-js Updater per refresh), as the agent makes one per run. */
  downloads(): VerifiedDownloads;
  /** Stops the facade and removes the data directory. */
  close(): Promise<void>;
}

/** Enrolls the harness's device against `repo` behind a fake facade that admits its fleet CA's certificates. */
export async function enrolledDevice(repo: KeyedRepository): Promise<EnrolledDevice> {
  const ca = await TestDeviceCa.create(fleet);
  const facade = await startFakeFacade(fleet, repo, issuedBy(ca.certPem, fleet));
  const layout = await enrolledDataDir(repo, facade, await ca.issue(deviceId));
  return {
    facade,
    layout,
    downloads: () => new VerifiedDownloads(layout, { facadeUrl: facade.url, fleet, platformCa: facade.ca }),
    close: async () => {
      await facade.close();
      rmSync(layout.root, { recursive: true, force: true });
    },
  };
}
