import { rmSync } from 'node:fs';
import { Key } from '@tufjs/models';
import { TestDeviceCa } from '@keelson/testing';
import { KeyedRepository } from '@keelson/tuf/testing';
import type { DataDirLayout } from '../data-dir/layout.js';
import { VerifiedDownloads } from '../tuf/verified-download.js';
import { issuedBy, startFakeFacade, type FakeFacade } from './fake-facade.js';
import { deviceId, enrolledDataDir, fleet } from './reconcile-harness.js';

/** A document whose signature is checked, as @tufjs/models passes it. */
export type CheckedDocument = Parameters<Key['verifySignature']>[0];
/** The document's `_type` (`Signed` leaves it to its subclasses). */
export const documentType = (metadata: CheckedDocument): string => (metadata.signed as unknown as { type: string }).type;

/** One enrolled device's data directory against a fake facade, with every TUF signature check recorded. */
export interface SignatureChecks {
  repo: KeyedRepository;
  facade: FakeFacade;
  layout: DataDirLayout;
  /** One `label(document)` per signature check, in order; empty it with `length = 0`. */
  checked: string[];
  downloads(): VerifiedDownloads;
  close(): Promise<void>;
}

/** Observes, does not replace: every signature check still runs the library's own code. */
export async function observeSignatureChecks(label: (metadata: CheckedDocument) => string): Promise<SignatureChecks> {
  const repo = new KeyedRepository({ bins: 16, rootKeys: 1 });
  const ca = await TestDeviceCa.create(fleet);
  const facade = await startFakeFacade(fleet, repo, issuedBy(ca.certPem, fleet));
  const layout = await enrolledDataDir(repo, facade, await ca.issue(deviceId));
  const checked: string[] = [];
  const verifySignature = Key.prototype.verifySignature;
  Key.prototype.verifySignature = function (this: Key, metadata: CheckedDocument) {
    checked.push(label(metadata));
    return verifySignature.call(this, metadata);
  };
  return {
    repo,
    facade,
    layout,
    checked,
    downloads: () => new VerifiedDownloads(layout, { facadeUrl: facade.url, fleet, platformCa: facade.ca }),
    async close() {
      Key.prototype.verifySignature = verifySignature;
      await facade.close();
      rmSync(layout.root, { recursive: true, force: true });
    },
  };
}
