import { generateKeyPairSync } from 'node:crypto';
import { Metadata, MetadataKind } from '@tufjs/models';
import { draftRoot, ed25519KeyOfPrivatePem, rootDocument, signRootDocument, type CeremonyInput } from './ceremony.js';
import { defaultLifetimes } from './lifetimes.js';
import { initialRepository } from './next-metadata.js';
import { rootWithRoleKeys } from './root-drafts.js';
import { isSignedByRole } from './signatures.js';
import { generateRoleKeys, signAs } from './test-fixtures/signing-keys.js';

const now = new Date('2026-11-23T07:00:00Z');
const pem = () => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const online = generateRoleKeys();
const current = initialRepository(online.keys, defaultLifetimes, now).root;
const entry = (role: 'targets' | 'snapshot' | 'timestamp', key = online.keys[role], inRoot = true) => ({
  role,
  keyId: key.keyID,
  key: { keyval: { public: key.keyVal.public! } },
  inRoot,
});
const input: CeremonyInput = {
  root: signAs(online, 'root', current).toJSON() as Record<string, unknown>,
  keys: [entry('targets'), entry('snapshot'), entry('timestamp')],
};
const rootPems = [pem(), pem(), pem()];
const rootKeys = rootPems.map(ed25519KeyOfPrivatePem);

describe('the offline root ceremony', () => {
  it('drafts version + 1 trusting the new root keys with their threshold and keeping the online keys', () => {
    const draft = draftRoot(input, rootKeys, 2, '2027-11-23T00:00:00Z');
    expect(draft.version).toBe(2);
    expect(draft.roles.root).toMatchObject({ keyIDs: rootKeys.map((k) => k.keyID), threshold: 2 });
    expect(draft.roles.targets!.keyIDs).toEqual([online.keys.targets.keyID]);
    expect(Object.keys(draft.keys)).not.toContain(online.keys.root.keyID); // the online root key is dropped: revoked
  });

  it('signs with the root keys so that exactly the threshold verifies', () => {
    const draft = draftRoot(input, rootKeys, 2, '2027-11-23T00:00:00Z');
    const one = signRootDocument(rootDocument(draft), rootPems[0]!);
    const two = signRootDocument(one, rootPems[2]!);
    const read = (doc: Record<string, unknown>) => Metadata.fromJSON(MetadataKind.Root, doc as never);
    expect(isSignedByRole(draft, 'root', read(one))).toBe(false);
    expect(isSignedByRole(draft, 'root', read(two))).toBe(true);
    expect(isSignedByRole(current, 'root', read(two))).toBe(false); // the old root's threshold is a separate matter
  });

  it('names the pending online keys with --rotate-online-keys, and refuses when none is pending', () => {
    const next = generateRoleKeys();
    const pending = { ...input, keys: [...input.keys, entry('targets', next.keys.targets, false)] };
    expect(draftRoot(pending, rootKeys, 1, '2027-11-23T00:00:00Z', true).roles.targets!.keyIDs).toEqual([next.keys.targets.keyID]);
    expect(draftRoot(pending, rootKeys, 1, '2027-11-23T00:00:00Z').roles.targets!.keyIDs).toEqual([online.keys.targets.keyID]);
    expect(() => draftRoot(input, rootKeys, 1, '2027-11-23T00:00:00Z', true)).toThrow(/keys rotate/);
  });

  it('refuses an export whose key id does not match its public key, and a threshold above the key count', () => {
    const forged = { ...input, keys: [{ ...entry('targets'), keyId: online.keys.snapshot.keyID }, entry('snapshot'), entry('timestamp')] };
    expect(() => draftRoot(forged, rootKeys, 1, '2027-11-23T00:00:00Z')).toThrow(/does not match/);
    expect(() => rootWithRoleKeys(current, { root: { keys: rootKeys, threshold: 4 } }, 2, '2027-11-23T00:00:00Z')).toThrow(/threshold/);
  });
});
