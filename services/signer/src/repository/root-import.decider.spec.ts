import { given, RuleViolation } from '@keelson/domain-kit';
import type { TufEvent } from '@keelson/events';
import {
  draftRoot,
  ed25519KeyOfPrivatePem,
  expiresAt,
  rootDocument,
  signRootDocument,
  type CeremonyInput,
  type TufLifetimes,
} from '@keelson/tuf';
import { fleetKeysFrom, generateKeyPem, generateKeyPems, storedKeyOf, type FleetKeys } from '../keys/fleet-keys.js';
import { planRootImport } from './root-plans.js';
import { planInitialisation, planRenewalSigning } from './signing-plans.js';
import { tufRepositoryDecider as decider, type TufCommand } from './tuf-repository.decider.js';
import type { TufRepository } from './tuf-repository.evolve.js';

type Active = Extract<TufRepository, { status: 'active' }>;

const lifetimes: TufLifetimes = { root: 3600, targets: 1800, snapshot: 900, timestamp: 300 };
const t0 = new Date('2026-11-23T07:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const fold = (events: TufEvent[]) => events.reduce(decider.evolve, decider.initialState());
const versions = (events: TufEvent[]) => events.map((e) => `${e.type}:${'version' in e.data ? e.data.version : '-'}`);
const offline = [generateKeyPem(), generateKeyPem(), generateKeyPem()];

/** The ceremony's input as `export-online-keys` gives it. */
function exported(state: Active, keys: FleetKeys): CeremonyInput {
  return {
    root: state.documents.root!.metadata,
    keys: keys.held
      .filter((h) => h.role !== 'root')
      .map((h) => ({ role: h.role as 'targets', keyId: h.key.keyID, key: { keyval: { public: h.key.keyVal.public! } }, inRoot: true })),
  };
}

function ceremony(state: Active, keys: FleetKeys, rootPems = offline, signers = [offline[0]!, offline[1]!]): Record<string, unknown> {
  const draft = draftRoot(exported(state, keys), rootPems.map(ed25519KeyOfPrivatePem), 2, expiresAt(at(10), 3600));
  return signers.reduce((doc, pem) => signRootDocument(doc, pem), rootDocument(draft));
}

describe('importing an offline root', () => {
  let keys: FleetKeys;
  let history: TufEvent[];
  let state: Active;

  beforeEach(async () => {
    keys = fleetKeysFrom(generateKeyPems());
    history = decider.decide(await planInitialisation('yard', keys, lifetimes, 4, t0), decider.initialState());
    state = fold(history) as Active;
  });

  const importing = (root: Record<string, unknown>, k = keys): Promise<TufCommand> => planRootImport(state, root, k, lifetimes, at(10));

  it('records the root (counter-signed by the development root key) with the online roles re-signed, and ends the development setup', async () => {
    const events = decider.decide(await importing(ceremony(state, keys)), state);
    expect(versions(events)).toEqual(['RootMetadataSigned:2', 'TargetsSigned:2', 'SnapshotSigned:2', 'TimestampRenewed:2']);
    expect((fold([...history, ...events]) as Active).development).toBe(false);
  });

  it('refuses a root the development root did not sign: the signer must hold the key the current root trusts', async () => {
    const withoutRootKey = fleetKeysFrom(
      keys.held
        .filter((h) => h.role !== 'root')
        .map((h) => storedKeyOf(h.role, h.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())),
    );
    given(decider, history)
      .when(await importing(ceremony(state, keys), withoutRootKey))
      .thenThrows(RuleViolation, 'tuf.signature-invalid');
  });

  it('refuses a root below its own threshold', async () => {
    given(decider, history)
      .when(await importing(ceremony(state, keys, offline, [offline[0]!])))
      .thenThrows(RuleViolation, 'tuf.signature-invalid');
  });

  it('refuses a root that trusts a root key the node holds', async () => {
    const online = keys.held
      .find((h) => h.role === 'root')!
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    given(decider, history)
      .when(await importing(ceremony(state, keys, [online, offline[0]!], [online, offline[0]!])))
      .thenThrows(RuleViolation, 'tuf.root-key-online');
  });

  it('refuses a root naming online keys the signer does not hold', async () => {
    const stranger = fleetKeysFrom(generateKeyPems());
    given(decider, history)
      .when(await importing(ceremony(state, stranger)))
      .thenThrows(RuleViolation, 'tuf.online-key-unknown');
  });

  it('refuses a root that skips a version (TUF 5.3.5 rollback and skip defence)', async () => {
    const doc = ceremony(state, keys) as { signed: { version: number } };
    const skipped = { ...doc, signed: { ...doc.signed, version: 3 } };
    given(decider, history)
      .when(await importing(skipped))
      .thenThrows(RuleViolation, 'tuf.version-not-next');
  });

  it('never renews a production root: the signer holds no root key, and only the timestamp is renewed', async () => {
    const events = decider.decide(await importing(ceremony(state, keys)), state);
    const production = fold([...history, ...events]) as Active;
    const online = fleetKeysFrom(
      keys.held
        .filter((h) => h.role !== 'root')
        .map((h) => storedKeyOf(h.role, h.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())),
    );
    const renewal = await planRenewalSigning(production, online, lifetimes, at(1900));
    expect(renewal?.type === 'SignMetadata' && Object.keys(renewal.signed).sort()).toEqual(['snapshot', 'targets', 'timestamp']);
  });
});
