import { InvalidInput } from '@keelson/domain-kit';
import { tokenIssued, waveStarted } from '../test-fixtures/sample-events.js';
import { parseAuditedEvent } from './audited-event.js';

describe('reading an event for the audit', () => {
  it('parses a known event with its family schema and keeps the data as stored', () => {
    const read = parseAuditedEvent(waveStarted('default', 'r-1', ['d-1']));
    expect(read).toMatchObject({ recognised: true, type: 'WaveStarted', schemaVersion: 1, data: { rolloutId: 'r-1', deviceIds: ['d-1'] } });
  });

  it('refuses a known event with a field its schema does not have (such as a raw enrollment token)', () => {
    const issued = tokenIssued('default', 'et-1');
    expect(() => parseAuditedEvent({ ...issued, data: { ...issued.data, token: 'kt_default_et-1_secret' } })).toThrow(InvalidInput);
  });

  describe('an event this audit does not know yet', () => {
    it('is kept, unrecognised, for a new type or a new version of a known type', () => {
      expect(parseAuditedEvent({ type: 'ApiTokenCreated', schemaVersion: 1, data: { fleet: 'default', tokenId: 't-1' } })).toEqual({
        recognised: false,
        type: 'ApiTokenCreated',
        schemaVersion: 1,
        data: { fleet: 'default', tokenId: 't-1' },
      });
      expect(parseAuditedEvent({ type: 'WaveStarted', schemaVersion: 9, data: { rolloutId: 'r-1' } })).toMatchObject({
        recognised: false,
        schemaVersion: 9,
      });
    });

    it('has fields named like secrets blanked, at any depth', () => {
      const read = parseAuditedEvent({
        type: 'ApiTokenCreated',
        schemaVersion: 1,
        data: {
          tokenId: 't-1',
          token: 'kt_x',
          tokenSha256: 'ab',
          nested: [{ clientSecret: 's', password: 'p', apiToken: 'a', nkeySeed: 'SU', name: 'n' }],
        },
      });
      expect(read.data).toEqual({
        tokenId: 't-1',
        token: '[redacted]',
        tokenSha256: 'ab',
        nested: [{ clientSecret: '[redacted]', password: '[redacted]', apiToken: '[redacted]', nkeySeed: '[redacted]', name: 'n' }],
      });
    });
  });

  it('refuses what is not an event envelope', () => {
    for (const raw of [
      null,
      [],
      { type: 'lowercase', schemaVersion: 1, data: {} },
      { type: 'X', schemaVersion: 0, data: {} },
      { type: 'X', schemaVersion: 1, data: [] },
    ]) {
      expect(() => parseAuditedEvent(raw)).toThrow(InvalidInput);
    }
  });
});
