import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** The overlays a user applies; each must render and hold up on its own. */
export const overlays = ['single-node', 'production'] as const;
export type Overlay = (typeof overlays)[number];

/** A rendered Kubernetes object, as much of it as the checks read. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the API schemas check the shapes; the checks read paths
  spec?: any;
  data?: Record<string, string>;
}

export const k8sDir = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `kubectl kustomize deploy/k8s/overlays/<overlay>`, parsed; offline (no cluster is asked). */
export function renderOverlay(overlay: Overlay): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(k8sDir, 'overlays', overlay)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error('kubectl is not on the PATH: install kubectl >= 1.27 (it carries kustomize) to render deploy/k8s', { cause: err });
    }
    throw new Error(`kubectl kustomize ${overlay} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
  return parseAllDocuments(out).map((doc) => doc.toJS() as K8sObject);
}

export const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);

export function named(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

/** Deployments and StatefulSets: what runs pods. */
export const workloads = (objects: K8sObject[]): K8sObject[] => objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');

/** Does `selector` (matchLabels only, as ours are) select pods labelled `labels`? */
export function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}
