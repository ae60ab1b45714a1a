import { randomBytes } from 'node:crypto';
import { registry } from '@keelson/requests';
import { NotFound, RuleViolation } from '@keelson/domain-kit';
import type { ArtifactManifest } from '@keelson/events';
import { handlerFor, type RequestHandler } from '@keelson/service-kit';

/** What the facade stand-in learnt from an upload it took in. */
export interface ReceivedArtifact {
  fleet: string;
  name: string;
  version: string;
  kind: 'model' | 'container' | 'config';
  manifest: ArtifactManifest;
  fileName: string;
  sha256: string;
  length: number;
}

/** The registry's read side over real NATS, backed by memory; the facade stand-in adds to it. */
export class FakeRegistry {
  readonly artifacts: registry.ArtifactView[] = [];
  /**
   * While true, uploads stay `received` until `sign` settles them, as when the signer is slow or
   * down; until then reads do not find them either, as when the read model lags the upload.
   */
  holdSigning = false;
  private readonly unprojected = new Set<registry.ArtifactView>();
  /** `name@version` of every single-artifact read, in order: a client polling for one is seen here. */
  readonly reads: string[] = [];

  receive(a: ReceivedArtifact): registry.ArtifactView {
    if (this.artifacts.some((x) => x.fleet === a.fleet && x.name === a.name && x.version === a.version)) {
      throw new RuleViolation('artifact.exists', `${a.name}@${a.version} exists`);
    }
    const view: registry.ArtifactView = {
      fleet: a.fleet,
      artifactId: `a-${randomBytes(4).toString('hex')}`,
      name: a.name,
      version: a.version,
      kind: a.kind,
      status: this.holdSigning ? 'received' : 'published',
      sha256: a.sha256,
      length: a.length,
      targetPath: `${a.kind}/${a.name}/${a.version}/${a.fileName}`,
      manifest: a.manifest,
      receivedAt: new Date().toISOString(),
      ...(this.holdSigning ? {} : { publishedAt: new Date().toISOString() }),
    };
    this.artifacts.unshift(view);
    if (this.holdSigning) this.unprojected.add(view);
    return view;
  }

  /** Settles a held upload: the signer published it, or refused it with `reason`. */
  sign(name: string, version: string, outcome: { rejected?: string } = {}): void {
    const i = this.artifacts.findIndex((a) => a.name === name && a.version === version);
    const view = this.artifacts[i]!;
    this.unprojected.delete(view);
    this.artifacts[i] = outcome.rejected
      ? { ...view, status: 'rejected', rejectedReason: outcome.rejected }
      : { ...view, status: 'published', publishedAt: new Date().toISOString() };
  }

  handlers(): RequestHandler[] {
    return [
      handlerFor(registry.listArtifacts, async (input) => ({
        items: this.artifacts.filter((a) => a.fleet === input.fleet && (!input.name || a.name === input.name)),
      })),
      handlerFor(registry.getArtifact, async (input) => {
        this.reads.push(`${input.name}@${input.version}`);
        const found = this.artifacts.find(
          (a) => a.fleet === input.fleet && a.name === input.name && a.version === input.version && !this.unprojected.has(a),
        );
        if (!found) throw new NotFound('artifact', `${input.name}@${input.version}`);
        return found;
      }),
    ];
  }
}
