import { given, RuleViolation } from '@keelson/domain-kit';
import type { TufEvent } from '@keelson/events';
import { Metadata, MetadataKind } from '@tufjs/models';
import { fleetKeysFrom, generateKeyPems } from '../keys/fleet-keys.js';
import { bins, initialised, keys, lifetimes, signedData, t0, versions } from '../test-fixtures/tuf-repository-history.js';
import { planInitialisation } from './signing-plans.js';
import { tufRepositoryDecider as decider } from './tuf-repository.decider.js';

describe('the TUF repository of a fleet', () => {
  describe('when it is initialised', () => {
    it('records root, targets delegating to empty hash bins, the bins, snapshot and timestamp at version 1 in one decision, marked as development', async () => {
      const events = await initialised();
      expect(versions(events)).toEqual([
        'TufRepositoryInitialised:-',
        'RootMetadataSigned:1',
        'TargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'DelegatedTargetsSigned:1',
        'SnapshotSigned:1',
        'TimestampRenewed:1',
      ]);
      expect(events.flatMap((e) => (e.type === 'DelegatedTargetsSigned' ? [e.data.role] : []))).toEqual([
        'bins-0',
        'bins-1',
        'bins-2',
        'bins-3',
      ]);
      const snapshot = Metadata.fromJSON(MetadataKind.Snapshot, signedData(events[7]).metadata as never).signed;
      expect(Object.keys(snapshot.meta).sort()).toEqual(['bins-0.json', 'bins-1.json', 'bins-2.json', 'bins-3.json', 'targets.json']);
      const init = events[0] as Extract<TufEvent, { type: 'TufRepositoryInitialised' }>;
      expect(init.data).toMatchObject({ fleet: 'line-7', development: true, consistentSnapshot: true });
      expect(init.data.roles.timestamp).toEqual({ keyIds: [keys.keys.timestamp.keyID], threshold: 1 });
      expect((events[2] as Extract<TufEvent, { type: 'TargetsSigned' }>).data.targetPaths).toEqual([]);
    });

    it('does nothing when the fleet already has a repository', async () => {
      const history = await initialised();
      given(decider, history)
        .when(await planInitialisation('line-7', fleetKeysFrom(generateKeyPems()), lifetimes, bins, t0))
        .then([]);
    });

    it('refuses metadata its own root does not vouch for', async () => {
      const command = await planInitialisation('line-7', keys, lifetimes, bins, t0);
      const other = await planInitialisation('line-7', fleetKeysFrom(generateKeyPems()), lifetimes, bins, t0);
      if (command.type !== 'InitialiseRepository' || other.type !== 'InitialiseRepository') throw new Error('unexpected plan');
      given(decider, [])
        .when({ ...command, signed: { ...command.signed, snapshot: other.signed.snapshot } })
        .thenThrows(RuleViolation, 'tuf.signature-invalid');
      given(decider, [])
        .when({ ...command, bins: { ...command.bins, 'bins-2': other.bins['bins-2']! } })
        .thenThrows(RuleViolation, 'tuf.signature-invalid');
    });

    it('refuses a repository without every hash bin', async () => {
      const command = await planInitialisation('line-7', keys, lifetimes, bins, t0);
      if (command.type !== 'InitialiseRepository') throw new Error('unexpected plan');
      const { 'bins-3': _, ...three } = command.bins;
      given(decider, [])
        .when({ ...command, bins: three })
        .thenThrows(RuleViolation, 'tuf.bins-missing');
    });
  });
});
