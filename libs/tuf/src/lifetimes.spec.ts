import { defaultLifetimes, expiresAt, needsRenewal } from './lifetimes.js';

describe('expiry', () => {
  const now = new Date('2026-11-23T07:00:00.750Z');

  it('writes TUF expiries without fractions of a second', () => {
    expect(expiresAt(now, 86_400)).toBe('2026-11-24T07:00:00Z');
  });

  it('gives the timestamp the shortest life and the root the longest', () => {
    expect(defaultLifetimes.timestamp).toBe(86_400);
    expect(defaultLifetimes.snapshot).toBe(7 * 86_400);
    expect(defaultLifetimes.targets).toBe(90 * 86_400);
    expect(defaultLifetimes.root).toBe(365 * 86_400);
  });
});

describe('needsRenewal', () => {
  const lifetime = 100;
  const signedAt = new Date('2026-11-23T07:00:00Z');
  const expires = expiresAt(signedAt, lifetime);
  const after = (s: number) => new Date(signedAt.getTime() + s * 1000);

  it('leaves fresh metadata alone', () => {
    expect(needsRenewal(expires, lifetime, after(0))).toBe(false);
    expect(needsRenewal(expires, lifetime, after(50))).toBe(false);
  });

  it('renews once less than half of the lifetime is left', () => {
    expect(needsRenewal(expires, lifetime, after(51))).toBe(true);
  });

  it('renews expired metadata and metadata whose expiry cannot be read', () => {
    expect(needsRenewal(expires, lifetime, after(101))).toBe(true);
    expect(needsRenewal('not a time', lifetime, after(0))).toBe(true);
  });
});
