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
 * repository always has all four. `development` holds while the root in force is trusted through
 * the root keys the repository started with (the signer's online key); the first root naming other
 * root keys (an imported offline root) ends it for good. `bins` are the hash bins' metadata in
 * force, by role name (none for a repository from before hash bins, until it is re-delegated).
 */
export type TufRepository =
  | { status: 'absent' }
  | {
      status: 'active';
      fleet: string;
      development: boolean;
      developmentRootKeyIds: string[];
      documents: Partial<Record<TufRole, SignedDocument>>;
      bins: Record<string, SignedDocument>;
    };

export const initialState = (): TufRepository => ({ status: 'absent' });

const roleOf = {
  RootMetadataSigned: 'root',
  TargetsSigned: 'targets',
  SnapshotSigned: 'snapshot',
  TimestampRenewed: 'timestamp',
} as const satisfies Record<Exclude<TufEvent['type'], 'TufRepositoryInitialised' | 'DelegatedTargetsSigned'>, TufRole>;

export function evolve(state: TufRepository, event: TufEvent): TufRepository {
  if (event.type === 'TufRepositoryInitialised') {
    const developmentRootKeyIds = event.data.development ? event.data.roles.root!.keyIds : [];
    return {
      status: 'active',
      fleet: event.data.fleet,
      development: event.data.development,
      developmentRootKeyIds,
      documents: {},
      bins: {},
    };
  }
  if (state.status !== 'active') return state;
  const { version, expires, metadata } = event.data;
  if (event.type === 'DelegatedTargetsSigned')
    return { ...state, bins: { ...state.bins, [event.data.role]: { version, expires, metadata } } };
  const documents = { ...state.documents, [roleOf[event.type]]: { version, expires, metadata } };
  if (event.type !== 'RootMetadataSigned') return { ...state, documents };
  const rootKeyIds = rootKeyIdsOf(metadata);
  const development = state.development && rootKeyIds.every((id) => state.developmentRootKeyIds.includes(id));
  return { ...state, development, documents };
}

/** The key ids a root JSON trusts for the root role (`signed.roles.root.keyids`). */
export function rootKeyIdsOf(metadata: Record<string, unknown>): string[] {
  const signed = metadata.signed as { roles?: { root?: { keyids?: unknown } } } | undefined;
  const ids = signed?.roles?.root?.keyids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

/** The document in force for `role`; an active repository always has one. */
export function documentOf(state: Extract<TufRepository, { status: 'active' }>, role: TufRole): SignedDocument {
  const doc = state.documents[role];
  if (!doc) throw new Error(`repository of fleet '${state.fleet}' has no ${role} metadata`);
  return doc;
}

/** True when the targets in force delegates to hash bins (`signed.delegations.succinct_roles`). */
export function isBinned(state: Extract<TufRepository, { status: 'active' }>): boolean {
  const signed = documentOf(state, 'targets').metadata.signed as { delegations?: { succinct_roles?: unknown } } | undefined;
  return signed?.delegations?.succinct_roles !== undefined;
}

/** The version of a bin in force, 0 for a bin never signed. */
export function binVersionOf(state: Extract<TufRepository, { status: 'active' }>, bin: string): number {
  return state.bins[bin]?.version ?? 0;
}
