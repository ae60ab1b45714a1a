import { hasInternalToken } from './internal-token.js';

describe('internal token', () => {
  const token = 'k3elson-internal-0123456789';

  it('accepts exactly `Bearer <token>`', () => {
    expect(hasInternalToken(`Bearer ${token}`, token)).toBe(true);
  });

  it('refuses a missing, wrong, truncated, extended or differently spelled token', () => {
    for (const header of [
      undefined,
      '',
      token,
      `Basic ${token}`,
      `Bearer ${token.slice(1)}`,
      `Bearer ${token}x`,
      `bearer ${token}`,
      `Bearer  ${token}`,
    ]) {
      expect([header, hasInternalToken(header, token)]).toEqual([header, false]);
    }
  });
});
