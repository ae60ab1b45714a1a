import { defaultLifetimes, type TufLifetimes } from './lifetimes.js';
import { initialRepository } from './next-metadata.js';
import { planRenewal } from './renewal.js';
import { generateRoleKeys } from './test-fixtures/signing-keys.js';

describe('planRenewal', () => {
  const signedAt = new Date('2026-11-23T07:00:00Z');
  const lifetimes: TufLifetimes = { root: 1000, targets: 400, snapshot: 200, timestamp: 100 };
  const repo = initialRepository(generateRoleKeys().keys, lifetimes, signedAt);
  const after = (s: number) => new Date(signedAt.getTime() + s * 1000);

  it('renews nothing while every role has more than half its life left', () => {
    expect(planRenewal(repo, lifetimes, after(40))).toBeNull();
  });

  it('renews only the timestamp when only the timestamp is past half-life', () => {
    expect(planRenewal(repo, lifetimes, after(60))).toEqual({ root: false, targets: false, snapshot: false, timestamp: true });
  });

  it('renews the timestamp with the snapshot, since the timestamp lists the snapshot version', () => {
    expect(
      planRenewal(
        { ...repo, timestamp: initialRepository(generateRoleKeys().keys, lifetimes, after(150)).timestamp },
        lifetimes,
        after(150),
      ),
    ).toEqual({ root: false, targets: false, snapshot: true, timestamp: true });
  });

  it('renews snapshot and timestamp with the targets', () => {
    expect(planRenewal(repo, lifetimes, after(250))).toEqual({ root: false, targets: true, snapshot: true, timestamp: true });
  });

  it('renews the root on its own schedule', () => {
    expect(planRenewal(repo, lifetimes, after(600))).toEqual({ root: true, targets: true, snapshot: true, timestamp: true });
    const rootOnly = initialRepository(generateRoleKeys().keys, { ...defaultLifetimes, root: 10 }, signedAt);
    expect(planRenewal(rootOnly, defaultLifetimes, after(6))).toEqual({ root: true, targets: false, snapshot: false, timestamp: false });
  });
});
