import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Metadata, MetadataKind, Targets } from '@tufjs/models';
import { Updater } from 'tuf-js';
import type { TufEvent } from '@keelson/events';
import { binOf, specVersion, targetFileOf } from '@keelson/tuf';
import { eventually } from '@keelson/testing';
import type { FleetKeys } from '../keys/fleet-keyring.js';
import { type ReceivedArtifact, type SignerApp } from './signer-app.js';
import type { TufMetadataServer } from './tuf-metadata-server.js';

/** The target paths signed so far (into hash bins, or into a flat targets metadata of an older repository). */
export const signedPaths = (events: TufEvent[]) =>
  events.flatMap((e) => (e.type === 'TargetsSigned' || e.type === 'DelegatedTargetsSigned' ? e.data.targetPaths : []));

/** Devices running the real tuf-js client against a fleet served by `facade`, each with its own metadata directory. */
export function tufDevices(s: SignerApp, facade: TufMetadataServer, fleet: string, work: string) {
  return {
    /** The device's client; `pinned` writes the root it trusts first (as enrollment does), else it keeps what it has. */
    device(name: string, pinned?: Record<string, unknown>): Updater {
      const metadataDir = join(work, name, 'metadata');
      mkdirSync(metadataDir, { recursive: true });
      mkdirSync(join(work, name, 'targets'), { recursive: true });
      if (pinned) writeFileSync(join(metadataDir, 'root.json'), JSON.stringify(pinned));
      return new Updater({
        metadataDir,
        metadataBaseUrl: facade.metadataBaseUrl,
        targetDir: join(work, name, 'targets'),
        targetBaseUrl: facade.targetBaseUrl,
        config: { fetchRetries: 0 },
      });
    },
    /** Receives an artifact and waits until the signer signed it. */
    async publish(name: string, version: string): Promise<ReceivedArtifact> {
      const artifact = await s.receive(fleet, name, version, Buffer.from(`${name} ${version} weights`));
      facade.targets.set(artifact.targetPath, artifact.bytes);
      await eventually(async () => signedPaths(await s.tufEventsOf(fleet)).includes(artifact.targetPath));
      return artifact;
    },
    /** Refreshes, finds the artifact and downloads its verified bytes. */
    async download(updater: Updater, artifact: ReceivedArtifact): Promise<Buffer> {
      await updater.refresh();
      const info = await updater.getTargetInfo(artifact.targetPath);
      if (!info) throw new Error(`${artifact.targetPath} is not a target`);
      return readFileSync(await updater.downloadTarget(info, join(work, `${artifact.sha256}.bin`)));
    },
  };
}

/**
 * What a holder of a stolen targets key would serve: `<N>.<bin>.json` of the extra target's hash bin
 * (the version the snapshot lists) with the extra target, signed by `keys`. Returns the event list
 * with that document swapped in.
 */
export function forgeTargetsWith(
  keys: FleetKeys,
  extra: { targetPath: string; sha256: string; length: number },
): (events: TufEvent[]) => TufEvent[] {
  return (events) => {
    const top = Metadata.fromJSON(
      MetadataKind.Targets,
      events.filter((e) => e.type === 'TargetsSigned').at(-1)!.data.metadata as never,
    ).signed;
    const bin = binOf(top, extra.targetPath);
    const isBin = (e: TufEvent): e is Extract<TufEvent, { type: 'DelegatedTargetsSigned' }> =>
      e.type === 'DelegatedTargetsSigned' && e.data.role === bin;
    const last = events.filter(isBin).at(-1)!;
    const current = Metadata.fromJSON(MetadataKind.Targets, last.data.metadata as never).signed;
    const file = targetFileOf({ path: extra.targetPath, length: extra.length, sha256: extra.sha256, custom: {} });
    const evil = new Targets({
      version: current.version,
      specVersion,
      expires: current.expires,
      targets: { ...current.targets, [extra.targetPath]: file },
    });
    const json = keys.countersign('targets', new Metadata(evil) as never).toJSON() as Record<string, unknown>;
    return events.map((e) => (e === last ? { ...last, data: { ...last.data, metadata: json } } : e));
  };
}
