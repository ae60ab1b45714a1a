import { assertNever, type Decider } from '@keelson/domain-kit';
import type { TufEvent, TufRole } from '@keelson/events';
import type { TargetEntry } from '@keelson/tuf';
import { importRoot } from './import-root.js';
import { initialise } from './initialise-repository.js';
import { sign } from './sign-metadata.js';
import { evolve, initialState, type TufRepository } from './tuf-repository.evolve.js';

export type Signed = Record<string, unknown>;

/**
 * What the signer asks of a repository. The metadata arrives already signed (the handler prepares
 * and signs it outside, where the keys are); `decide` checks it as a device would and records it.
 */
export type TufCommand =
  | {
      type: 'InitialiseRepository';
      fleet: string;
      development: boolean;
      signed: Record<TufRole, Signed>;
      bins: Record<string, Signed>;
      now: Date;
    }
  | {
      type: 'SignMetadata';
      fleet: string;
      added: TargetEntry[];
      signed: Partial<Record<TufRole, Signed>>;
      /** Hash bins signed with it, by role name: new targets go into their bin, never into the top-level targets. */
      bins?: Record<string, Signed>;
      now: Date;
    }
  | {
      type: 'ImportRoot';
      fleet: string;
      /** The offline-signed root (counter-signed by the signer's development root key when that is what the current root trusts). */
      root: Signed;
      /** Targets, snapshot and timestamp re-signed with the online keys the new root names. */
      signed: Record<Exclude<TufRole, 'root'>, Signed>;
      /** Every hash bin, re-signed when the new root changes the targets keys (the bins are trusted through them). */
      bins?: Record<string, Signed>;
      /** The key ids the signer holds, per role. */
      held: Record<TufRole, string[]>;
      now: Date;
    };

export type Active = Extract<TufRepository, { status: 'active' }>;

/** The TUF repository of one fleet, `ev.tuf.<fleet>.repository`. */
export const tufRepositoryDecider: Decider<TufCommand, TufEvent, TufRepository> = {
  initialState,
  evolve,
  decide(command, state) {
    switch (command.type) {
      case 'InitialiseRepository':
        return initialise(command, state);
      case 'SignMetadata':
        return sign(command, state);
      case 'ImportRoot':
        return importRoot(command, state);
      default:
        return assertNever(command);
    }
  },
};
