import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TufEvent } from '@keelson/events';
import { fleetKeysFrom, generateKeyPems } from '@keelson/signer/dist/keys/fleet-keys.js';
import { BenchDevice, type Download } from './device-update.js';
import { FlatRepository } from './flat-repository.js';
import { FleetRepository } from './fleet-repository.js';
import { targetEntry } from './targets.js';

/** One repository layout at one size: what devices download and how large the events are. */
export interface LayoutFigures {
  /** A device that was up to date before the publish: refresh + the new target's metadata. */
  update: Download;
  /** A device with only its pinned root: refresh + the new target's metadata. */
  cold: Download;
  /** The largest event of the measured publish (one target), in bytes of JSON. */
  largestEvent: { type: string; bytes: number };
  fillSeconds: number;
}

export interface SizeFigures {
  targets: number;
  bins: LayoutFigures;
  flat: LayoutFigures;
}

const largest = (events: TufEvent[]) =>
  events.map((e) => ({ type: e.type, bytes: Buffer.byteLength(JSON.stringify(e)) })).reduce((a, b) => (b.bytes > a.bytes ? b : a));

async function measureLayout(
  dir: string,
  repo: {
    pinnedRoot: Record<string, unknown>;
    files: Map<string, Buffer>;
    publish(entries: ReturnType<typeof targetEntry>[]): Promise<TufEvent[]>;
  },
  size: number,
  fillSeconds: number,
): Promise<LayoutFigures> {
  const device = new BenchDevice(join(dir, 'warm'), repo.pinnedRoot, repo.files);
  await device.update(targetEntry(0).path); // up to date before the publish, holding the metadata of one target
  const fresh = targetEntry(size);
  const events = await repo.publish([fresh]);
  const update = await device.update(fresh.path);
  const cold = await new BenchDevice(join(dir, 'cold'), repo.pinnedRoot, repo.files).update(fresh.path);
  return { update, cold, largestEvent: largest(events), fillSeconds };
}

/**
 * Publishes `size` targets into a fleet repository with `bins` hash bins (the signer's repository
 * code) and, in the same run with the same keys, into a flat repository (the baseline); then one
 * more target into each, and measures what a tuf-js device downloads for that update.
 */
export async function measureSize(size: number, bins: number, batch: number, log: (line: string) => void): Promise<SizeFigures> {
  const keys = fleetKeysFrom(generateKeyPems());
  const now = () => new Date();
  const entries = Array.from({ length: size }, (_, i) => targetEntry(i));
  const dir = mkdtempSync(join(tmpdir(), 'keelson-tuf-bytes-'));
  try {
    let started = performance.now();
    const fleet = await FleetRepository.create('bench', keys, bins, now);
    for (let i = 0; i < size; i += batch) await fleet.publish(entries.slice(i, i + batch));
    const binsFill = (performance.now() - started) / 1000;
    log(`${size} targets signed into ${bins} bins in ${binsFill.toFixed(1)} s (${Math.ceil(size / batch)} decisions)`);
    started = performance.now();
    const flat = await FlatRepository.create('bench', keys, now);
    await flat.publish(entries);
    const flatFill = (performance.now() - started) / 1000;
    return {
      targets: size,
      bins: await measureLayout(join(dir, 'bins'), fleet, size, binsFill),
      flat: await measureLayout(join(dir, 'flat'), flat, size, flatFill),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
