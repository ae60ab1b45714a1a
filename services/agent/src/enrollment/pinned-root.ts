import { readFile } from 'node:fs/promises';
import { Metadata, MetadataKind, type Root } from '@tufjs/models';

type RootJson = Parameters<typeof Metadata.fromJSON>[1];

/**
 * A TUF root baked into the device image (`enroll --root-file`): read and checked before anything
 * is sent, so a bad file costs no enrollment token. It must be a root signed by its own root keys
 * (threshold met), as the first root of a TUF client must be.
 */
export async function readPinnedRoot(path: string): Promise<Metadata<Root>> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`--root-file ${path}: cannot read it as JSON (${(err as Error).message})`);
  }
  let root: Metadata<Root>;
  try {
    root = Metadata.fromJSON(MetadataKind.Root, json as RootJson);
  } catch (err) {
    throw new Error(`--root-file ${path}: not a TUF root (${(err as Error).message})`);
  }
  try {
    root.verifyDelegate(MetadataKind.Root, root);
  } catch (err) {
    throw new Error(`--root-file ${path}: not signed by its own root keys (${(err as Error).message})`);
  }
  return root;
}

/**
 * The gateway's root against the pinned one. The same version must be the same root; an older one is
 * a rollback. A newer one is accepted without being trusted: the device keeps the pinned root, and
 * its TUF client then walks every root version from it through the facade, each checked by the one
 * before, so a root the pinned keys never signed for is refused at the first update.
 */
export function checkGatewayRoot(pinned: Metadata<Root>, offered: Record<string, unknown>): void {
  const theirs = Metadata.fromJSON(MetadataKind.Root, offered as RootJson);
  const [mine, their] = [pinned.signed.version, theirs.signed.version];
  if (their < mine)
    throw new Error(`the gateway's TUF root is version ${their}, older than the pinned root (version ${mine}): refusing it`);
  if (their === mine && !theirs.signed.equals(pinned.signed)) {
    throw new Error(
      `the gateway's TUF root differs from the pinned root of the same version (${mine}): refusing it, this is not the platform the device image trusts`,
    );
  }
}
