import type { TufRepository } from '../repository/tuf-repository.evolve.js';
import { OncePer, productionRootExpiring } from './root-expiry.js';

const now = new Date('2026-11-23T08:00:00Z');
const repo = (development: boolean, expires: string): TufRepository => ({
  status: 'active',
  fleet: 'yard',
  development,
  developmentRootKeyIds: [],
  documents: { root: { version: 2, expires, metadata: {} } },
  bins: {},
});

describe('a production root nearing its expiry', () => {
  it('is reported once less than 30 days are left, with its expiry', () => {
    expect(productionRootExpiring(repo(false, '2026-12-20T00:00:00Z'), now)).toBe('2026-12-20T00:00:00Z');
    expect(productionRootExpiring(repo(false, '2027-06-01T00:00:00Z'), now)).toBeNull();
  });

  it('is not reported for a development root (the signer renews that itself) or an absent repository', () => {
    expect(productionRootExpiring(repo(true, '2026-11-24T00:00:00Z'), now)).toBeNull();
    expect(productionRootExpiring({ status: 'absent' }, now)).toBeNull();
  });

  it('is told at most once a day per fleet', () => {
    const once = new OncePer();
    expect(once.due('yard', 0)).toBe(true);
    expect(once.due('yard', 60_000)).toBe(false);
    expect(once.due('dock', 60_000)).toBe(true);
    expect(once.due('yard', 86_400_000)).toBe(true);
  });
});
