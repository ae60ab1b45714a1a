import { given, RuleViolation } from '@keelson/domain-kit';
import { expiresAt } from '@keelson/tuf';
import { Metadata, MetadataKind } from '@tufjs/models';
import {
  active,
  at,
  decide,
  initialised,
  keys,
  lifetimes,
  signedData,
  versions,
  withModel,
} from '../test-fixtures/tuf-repository-history.js';
import { planRenewalSigning } from './signing-plans.js';
import { tufRepositoryDecider as decider } from './tuf-repository.decider.js';

describe('the TUF repository of a fleet', () => {
  describe('when time passes', () => {
    it('renews nothing while every role has more than half its lifetime left', async () => {
      expect(await planRenewalSigning(active(await initialised()), keys, lifetimes, at(100))).toBeNull();
    });

    it('renews the timestamp alone, pointing at the same snapshot', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(200)))!, history);
      expect(versions(events)).toEqual(['TimestampRenewed:3']);
      expect(signedData(events[0]).expires).toBe(expiresAt(at(200), 300));
      expect(Metadata.fromJSON(MetadataKind.Timestamp, signedData(events[0]).metadata as never).signed.snapshotMeta.version).toBe(2);
    });

    it('renews the snapshot with the timestamp when the snapshot nears its expiry', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(500)))!, history);
      expect(versions(events)).toEqual(['SnapshotSigned:3', 'TimestampRenewed:3']);
    });

    it('refuses metadata that is already expired', async () => {
      const history = await withModel();
      const command = (await planRenewalSigning(active(history), keys, lifetimes, at(200)))!;
      given(decider, history)
        .when({ ...command, now: at(600) })
        .thenThrows(RuleViolation, 'tuf.expired');
    });

    it('renews every bin past half its lifetime with the targets, snapshot and timestamp', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(1000)))!, history);
      const renewedBins = events.filter((e) => e.type === 'DelegatedTargetsSigned');
      expect(renewedBins.map((e) => e.data.role).sort()).toEqual(['bins-0', 'bins-1', 'bins-2', 'bins-3']);
      expect(renewedBins.every((e) => e.data.targetPaths.length === 0 && e.data.expires === expiresAt(at(1000), 1800))).toBe(true);
      expect(versions(events).filter((v) => !v.startsWith('Delegated'))).toEqual([
        'TargetsSigned:2',
        'SnapshotSigned:3',
        'TimestampRenewed:3',
      ]);
    });

    it('renews the root with the same keys, signed by the trusted root', async () => {
      const history = await withModel();
      const events = decide((await planRenewalSigning(active(history), keys, lifetimes, at(1900)))!, history);
      expect(versions(events).filter((v) => !v.startsWith('Delegated'))).toEqual([
        'RootMetadataSigned:2',
        'TargetsSigned:2',
        'SnapshotSigned:3',
        'TimestampRenewed:3',
      ]);
    });
  });
});
