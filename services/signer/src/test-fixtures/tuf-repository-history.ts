import type { TufEvent } from '@keelson/events';
import { binOf, type TargetEntry, type TufLifetimes } from '@keelson/tuf';
import { Metadata, MetadataKind } from '@tufjs/models';
import { fleetKeysFrom, generateKeyPems } from '../keys/fleet-keys.js';
import { planInitialisation, planTargets } from '../repository/signing-plans.js';
import { tufRepositoryDecider as decider, type TufCommand } from '../repository/tuf-repository.decider.js';
import type { TufRepository } from '../repository/tuf-repository.evolve.js';

// One fleet's repository for the decider specs: keys made once per spec file, a clock, two targets and
// the histories the specs start from (initialised; initialised with the model added).
/** The data of a signing event (every TUF event but the initialisation). */
export function signedData(e: TufEvent | undefined): { version: number; expires: string; metadata: Record<string, unknown> } {
  if (!e || e.type === 'TufRepositoryInitialised') throw new Error(`not a signing event: ${e?.type}`);
  return e.data;
}

type Active = Extract<TufRepository, { status: 'active' }>;

export const lifetimes: TufLifetimes = { root: 3600, targets: 1800, snapshot: 900, timestamp: 300 };
export const t0 = new Date('2026-11-23T07:00:00Z');
export const at = (s: number) => new Date(t0.getTime() + s * 1000);
export const keys = fleetKeysFrom(generateKeyPems());
export const model: TargetEntry = {
  path: 'model/detector/1.0.0/detector.onnx',
  length: 11,
  sha256: '1'.repeat(64),
  custom: {
    keelson: { artifactId: 'art-1', manifest: { kind: 'model', framework: 'onnx', inputs: [], metrics: { mAP: 0.71 }, hardware: {} } },
  },
};
export const config: TargetEntry = {
  path: 'config/settings/2/settings.json',
  length: 3,
  sha256: '2'.repeat(64),
  custom: { keelson: { artifactId: 'art-2', manifest: { kind: 'config' } } },
};

export const bins = 4;
const fold = (events: TufEvent[]) => events.reduce(decider.evolve, decider.initialState());
export const active = (events: TufEvent[]) => fold(events) as Active;
export const decide = (command: TufCommand, history: TufEvent[]) => decider.decide(command, fold(history));
export const versions = (events: TufEvent[]) => events.map((e) => `${e.type}:${'version' in e.data ? e.data.version : '-'}`);

export async function initialised(): Promise<TufEvent[]> {
  return decide(await planInitialisation('line-7', keys, lifetimes, bins, t0), []);
}

export async function withModel(): Promise<TufEvent[]> {
  const init = await initialised();
  return [...init, ...decide(await planTargets(active(init), [model], keys, lifetimes, at(10)), init)];
}

export const topOf = (history: TufEvent[]) =>
  Metadata.fromJSON(MetadataKind.Targets, active(history).documents.targets!.metadata as never).signed;

/** A config target that hashes into the same bin as `path`. */
export function inBinOf(history: TufEvent[], path: string): TargetEntry {
  const top = topOf(history);
  const candidates = Array.from({ length: 64 }, (_, i) => ({ ...config, path: `config/c${i}/1/c.json` }));
  return candidates.find((e) => binOf(top, e.path) === binOf(top, path))!;
}
