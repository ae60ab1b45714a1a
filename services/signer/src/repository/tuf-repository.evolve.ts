import type { TufEvent, TufRole } from '@keelson/events';

/** One signed metadata document as the stream holds it. */
export interface SignedDocument {
  version: number;
  expires: string;
  metadata: Record<string, unknown>;
}

/**
 * A fleet's TUF repository: absent until its first events, then the signed metadata in force for
 * each role. The four documents arrive with the repository in one atomic batch, so an active
 * repository always has all four.
 */
export type TufRepository =
  | { status: 'absent' }
  | { status: 'active'; fleet: string; development: boolean; documents: Partial<Record<TufRole, SignedDocument>> };

export const initialState = (): TufRepository => ({ status: 'absent' });

const roleOf = {
  RootMetadataSigned: 'root',
  TargetsSigned: 'targets',
  SnapshotSigned: 'snapshot',
  TimestampRenewed: 'timestamp',
} as const satisfies Record<Exclude<TufEvent['type'], 'TufRepositoryInitialised'>, TufRole>;

export function evolve(state: TufRepository, event: TufEvent): TufRepository {
  if (event.type === 'TufRepositoryInitialised') {
    return { status: 'active', fleet: event.data.fleet, development: event.data.development, documents: {} };
  }
  if (state.status !== 'active') return state;
  const { version, expires, metadata } = event.data;
  return { ...state, documents: { ...state.documents, [roleOf[event.type]]: { version, expires, metadata } } };
}

/** The document in force for `role`; an active repository always has one. */
export function documentOf(state: Extract<TufRepository, { status: 'active' }>, role: TufRole): SignedDocument {
  const doc = state.documents[role];
  if (!doc) throw new Error(`repository of fleet '${state.fleet}' has no ${role} metadata`);
  return doc;
}
