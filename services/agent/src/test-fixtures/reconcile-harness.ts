import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Assignment, DeviceState, Probe } from '@keelson/events';
import type { TestDeviceCertificate } from '@keelson/testing';
import type { KeyedRepository } from '@keelson/tuf/testing';
import { AgentStateStore } from '../data-dir/agent-state.js';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import { DataDirLayout } from '../data-dir/layout.js';
import { runProbe } from '../probes/run-probe.js';
import { AgentHalted, type ContainerSupport, type ReconcileContext } from '../reconcile/reconcile-context.js';
import { Reconciler } from '../reconcile/reconciler.js';
import { VerifiedDownloads } from '../tuf/verified-download.js';
import { platformCaFile } from '../link/platform-trust.js';
import type { FakeFacade } from './fake-facade.js';

export const fleet = 'plant-7';
export const deviceId = 'd-00000000000000aa';
const password = 'device-password-1';

export interface Sent {
  assignmentId: string;
  state: DeviceState;
  reason?: string;
}

/**
 * A data dir as enrollment leaves it (root pinned, pristine copy, the device's certificate and key,
 * the platform CA), against `facade`.
 */
export async function enrolledDataDir(
  repo: KeyedRepository,
  facade: Pick<FakeFacade, 'url' | 'ca'>,
  device: TestDeviceCertificate,
  dir = mkdtempSync(join(tmpdir(), 'keelson-agent-')),
): Promise<DataDirLayout> {
  const layout = new DataDirLayout(dir);
  await writeFileAtomic(layout.deviceKey, device.key, 0o600);
  await writeFileAtomic(layout.deviceCertificate, device.cert);
  await writeFileAtomic(platformCaFile(layout), facade.ca);
  const root = JSON.stringify(repo.rootDocument());
  await writeFileAtomic(layout.pristineRoot, root);
  await writeFileAtomic(layout.trustedRoot, root);
  await writeFileAtomic(
    layout.brokerCredentials,
    JSON.stringify({ mqttUrl: 'mqtt://127.0.0.1:9', clientId: deviceId, username: deviceId, password, topicRoot: 'keelson' }),
    0o600,
  );
  await writeFileAtomic(
    layout.enrollment,
    JSON.stringify({
      deviceId,
      fleet,
      name: 'bench-1',
      gatewayUrl: 'http://127.0.0.1:9',
      facadeUrl: facade.url,
      enrolledAt: new Date().toISOString(),
    }),
  );
  return layout;
}

export interface Harness {
  reconciler: Reconciler;
  store: AgentStateStore;
  sent: Sent[];
  activations: string[];
  /** Makes every later step throw as if the process died there. */
  crash(): void;
}

/** The agent's reconcile loop wired to real downloads (mutual TLS with `facade`), probes and disk, without MQTT: reports are collected. */
export async function reconcileHarness(
  layout: DataDirLayout,
  facade: Pick<FakeFacade, 'url' | 'ca'>,
  options: {
    allowExec?: string[];
    onActivated?: (a: Assignment) => Promise<void>;
    onReport?: (sent: Sent) => void;
    containers?: ContainerSupport;
  } = {},
): Promise<Harness> {
  const store = new AgentStateStore(layout.stateFile);
  await store.load();
  const sent: Sent[] = [];
  const activations: string[] = [];
  let crashed = false;
  const ctx: ReconcileContext = {
    layout,
    store,
    ...(options.containers ? { containers: options.containers } : {}),
    downloads: new VerifiedDownloads(layout, { facadeUrl: facade.url, fleet, platformCa: facade.ca }),
    probe: (assignment, activePath) =>
      runProbe(assignment.probe, { activePath, allowExec: new Set(options.allowExec ?? []), probeRoot: layout.root, retryPauseMs: 10 }),
    report: (assignment, state, reason) => {
      if (crashed) return;
      const report = { assignmentId: assignment.assignmentId, state, ...(reason ? { reason } : {}) };
      sent.push(report);
      options.onReport?.(report);
    },
    activated: async (assignment) => {
      activations.push(`${assignment.artifact.version}`);
      await options.onActivated?.(assignment);
    },
    checkpoint: () => {
      if (crashed) throw new AgentHalted('crashed');
    },
  };
  const reconciler = new Reconciler(ctx);
  return { reconciler, store, sent, activations, crash: () => void (crashed = true) };
}

export const readyProbe: Probe = { kind: 'file', path: '/run/ready', timeoutSeconds: 1, attempts: 1, initialDelaySeconds: 0 };

/** An install (or revert) assignment for a target published in the test repository. */
export function assignmentOf(
  id: string,
  published: { targetPath: string; sha256: string; length: number },
  action: Assignment['action'] = 'install',
  probe: Probe = readyProbe,
): Assignment {
  const [kind, name, version] = published.targetPath.split('/') as ['model', string, string];
  return { assignmentId: id, rolloutId: `r-${id}`, action, probe, artifact: { name, version, kind, ...published } };
}
