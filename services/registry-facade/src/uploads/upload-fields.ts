import { InvalidInput, type InputIssue } from '@keelson/domain-kit';
import {
  ArtifactKind,
  ArtifactManifest,
  ArtifactName,
  ContainerArtifactName,
  OciRepositoryName,
  SemverLike,
  toInputIssues,
} from '@keelson/events';
import type { z } from 'zod';
import { isSafeBasename } from '../artifacts/artifact-id.js';
import type { UploadHead } from './multipart-upload.js';

/** What an upload declares about its artifact, checked before a byte of the file is stored. */
export interface ArtifactUpload {
  name: string;
  version: string;
  kind: ArtifactKind;
  manifest: ArtifactManifest;
  basename: string;
  contentType: string;
}

function check<S extends z.ZodType>(schema: S, field: string, raw: string | undefined, issues: InputIssue[]): z.output<S> | undefined {
  if (raw === undefined) {
    issues.push({ path: [field], message: 'is required (as a text field before the file part)' });
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  issues.push(...toInputIssues(parsed.error).map((i) => ({ ...i, path: [field, ...i.path] })));
  return undefined;
}

/** The manifest field; a config's is optional (its bytes are opaque, the format only a hint), a model's or container's is not. */
function manifestOf(raw: string | undefined, kind: ArtifactKind | undefined, issues: InputIssue[]): ArtifactManifest | undefined {
  if (raw === undefined && kind === 'config') return { kind: 'config' };
  if (raw === undefined) return check(ArtifactManifest, 'manifest', raw, issues);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    issues.push({ path: ['manifest'], message: 'must be JSON' });
    return undefined;
  }
  const parsed = ArtifactManifest.safeParse(json);
  if (parsed.success) return parsed.data;
  issues.push(...toInputIssues(parsed.error).map((i) => ({ ...i, path: ['manifest', ...i.path] })));
  return undefined;
}

/**
 * A container is pulled by devices as `<facade>/<artifact name>@<digest>`, so its name must be an
 * OCI repository name (one component), and the repository it records must follow the same grammar.
 */
function containerNameIssues(name: string | undefined, manifest: ArtifactManifest | undefined, issues: InputIssue[]): void {
  if (name !== undefined) check(ContainerArtifactName, 'name', name, issues);
  if (manifest?.kind === 'container') {
    const repository = OciRepositoryName.safeParse(manifest.repository);
    if (!repository.success)
      issues.push(...toInputIssues(repository.error).map((i) => ({ ...i, path: ['manifest', 'repository', ...i.path] })));
  }
}

// What the client says the file is; only a plain `type/subtype` is kept (it ends up in an event).
const contentTypeOf = (mime: string): string => (/^[\w.+-]{1,100}\/[\w.+-]{1,100}$/.test(mime) ? mime : 'application/octet-stream');

/** Reads name, version, kind, manifest and the file name; throws InvalidInput (`upload.invalid`) listing every problem. */
export function parseArtifactUpload(head: UploadHead): ArtifactUpload {
  const issues: InputIssue[] = [];
  const name = check(ArtifactName, 'name', head.fields.name, issues);
  const version = check(SemverLike, 'version', head.fields.version, issues);
  const kind = check(ArtifactKind, 'kind', head.fields.kind, issues);
  const manifest = manifestOf(head.fields.manifest, kind, issues);
  if (kind && manifest && manifest.kind !== kind)
    issues.push({ path: ['manifest', 'kind'], message: `must equal the artifact kind '${kind}'` });
  if (kind === 'container') containerNameIssues(name, manifest, issues);
  if (!isSafeBasename(head.filename)) {
    issues.push({ path: ['file', 'filename'], message: 'must be a plain file name: letters, digits, . _ - and no leading dot' });
  }
  if (issues.length || !name || !version || !kind || !manifest) throw new InvalidInput('upload.invalid', issues);
  return { name, version, kind, manifest, basename: head.filename, contentType: contentTypeOf(head.mimeType) };
}
