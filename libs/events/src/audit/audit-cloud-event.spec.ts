import { rejectedPaths } from '../test-support/rejected-paths.js';
import { parseAuditCloudEvent, type AuditCloudEvent } from './audit-cloud-event.js';

const issuesOf = (raw: unknown): string[] => rejectedPaths(parseAuditCloudEvent, raw);

const entry: AuditCloudEvent = {
  specversion: '1.0',
  id: 'cmd-7f3a9c:0',
  source: '/keelson/fleets/plant-7',
  type: 'io.keelson.rollout.RolloutHalted',
  time: '2025-11-04T09:14:05.512Z',
  subject: 'ev.rollout.plant-7.r-2025-0042',
  datacontenttype: 'application/json',
  keelsonfleet: 'plant-7',
  keelsonactor: 'service:rollout-orchestrator',
  keelsonstream: 'EV_ROLLOUTS',
  keelsonseq: 1187,
  keelsonprevhash: '0'.repeat(64),
  keelsonhash: 'b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9',
  data: { fleet: 'plant-7', rolloutId: 'r-2025-0042', reason: '1 device rolled back; 0 allowed', automatic: true },
};

describe('audit CloudEvent', () => {
  it('parses a republished entry to itself', () => {
    expect(parseAuditCloudEvent(entry)).toEqual(entry);
  });

  describe('rejects', () => {
    it('another CloudEvents version or content type', () => {
      expect(issuesOf({ ...entry, specversion: '0.3', datacontenttype: 'text/plain' })).toEqual(['specversion', 'datacontenttype']);
    });

    it('a type outside io.keelson.<family>.<EventType>', () => {
      expect(issuesOf({ ...entry, type: 'com.example.RolloutHalted' })).toEqual(['type']);
    });

    it('an actor not spelled <kind>:<id> and a hash that is not lowercase hex', () => {
      expect(issuesOf({ ...entry, keelsonactor: 'rollout-orchestrator', keelsonhash: entry.keelsonhash.toUpperCase() })).toEqual([
        'keelsonactor',
        'keelsonhash',
      ]);
    });

    it('an extension attribute we do not publish', () => {
      expect(issuesOf({ ...entry, keelsonsecret: 'x' })).toEqual(['']);
    });
  });
});
