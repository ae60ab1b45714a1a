import type { ChainedEntry } from '../audit-log/audit-log.writer.js';
import { chainHash, genesisHash, type AuditEntry } from './audit-entry.js';
import { brokenLink, problemOf } from './verify-chain.js';

const entry = (position: number, data: Record<string, unknown> = { rolloutId: 'r-1' }): AuditEntry => ({
  position,
  stream: 'EV_ROLLOUTS',
  seq: position,
  fleet: 'default',
  subject: 'ev.rollout.default.r-1',
  family: 'rollout',
  type: 'RolloutHalted',
  schemaVersion: 1,
  recognised: true,
  actor: 'operator:admin',
  correlationId: 'c-1',
  time: '2026-01-01T00:00:00.000Z',
  rolloutIds: ['r-1'],
  deviceIds: [],
  artifacts: [],
  data,
});

function chain(...entries: AuditEntry[]): ChainedEntry[] {
  let prev = genesisHash;
  return entries.map((e) => {
    const hash = chainHash(prev, e);
    const chained = { ...e, prevHash: prev, hash };
    prev = hash;
    return chained;
  });
}

describe('the audit hash chain', () => {
  const [first, second] = chain(entry(1), entry(2));

  it('starts from 64 zeros and hashes the previous hash with the canonical entry', () => {
    expect(first!.prevHash).toBe('0'.repeat(64));
    expect(first!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(second!.prevHash).toBe(first!.hash);
  });

  it('accepts entries that link', () => {
    expect(problemOf({ position: 0, hash: genesisHash }, first!)).toBeUndefined();
    expect(problemOf({ position: 1, hash: first!.hash }, second!)).toBeUndefined();
  });

  describe('finds', () => {
    it('an edited entry, even in a derived column', () => {
      expect(problemOf({ position: 0, hash: genesisHash }, { ...first!, data: { rolloutId: 'r-2' } })).toBe('hash');
      expect(problemOf({ position: 0, hash: genesisHash }, { ...first!, actor: 'operator:mallory' })).toBe('hash');
      expect(problemOf({ position: 0, hash: genesisHash }, { ...first!, deviceIds: ['d-1'] })).toBe('hash');
    });

    it('a removed entry', () => {
      expect(problemOf({ position: 0, hash: genesisHash }, second!)).toBe('position');
    });

    it('an entry relinked to another predecessor', () => {
      expect(problemOf({ position: 1, hash: 'f'.repeat(64) }, second!)).toBe('prev-hash');
    });
    it('and says what differs: the hash its content calls for against the one stored, or the position', () => {
      const edited = brokenLink({ position: 0, hash: genesisHash }, { ...first!, actor: 'operator:mallory' });
      expect(edited).toMatchObject({ problem: 'hash', found: first!.hash });
      expect(edited!.expected).toMatch(/^[0-9a-f]{64}$/);
      expect(edited!.expected).not.toBe(first!.hash);
      expect(brokenLink({ position: 0, hash: genesisHash }, second!)).toEqual({ problem: 'position', expected: '1', found: '2' });
    });
  });
});
