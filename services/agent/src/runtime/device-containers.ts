import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataDirLayout } from '../data-dir/layout.js';
import type { DeviceIdentity } from '../enrollment/device-identity.js';
import { platformCaFile } from '../link/platform-trust.js';
import type { ContainerSupport } from '../reconcile/reconcile-context.js';
import type { PodmanOptions } from './podman-cli.js';
import { PodmanRuntime } from './podman-runtime.js';
import type { SwapFailpoint } from './swap-failpoint.js';

/** The agent's container configuration: podman's storage and runtime, and extra `run` options. */
export interface DeviceContainerOptions extends PodmanOptions {
  runOptions?: readonly string[];
  /** Crash tests only (`KEELSON_FAILPOINT`, swap-failpoint.ts). */
  failpoint?: SwapFailpoint;
}

/**
 * Wires podman to the device: images are pulled from the facade the device enrolled with, with
 * the device's own certificate. podman reads a certificate directory (`client.cert`,
 * `client.key`, CAs as `*.crt`), so one is kept in the data directory as links to the identity's
 * files: a renewed certificate is used at the next pull without copying the key anywhere.
 */
export async function deviceContainers(
  layout: DataDirLayout,
  identity: DeviceIdentity,
  options: DeviceContainerOptions,
): Promise<ContainerSupport> {
  const facade = new URL(identity.facadeUrl);
  const certDir = join(layout.root, 'containers', 'certs.d', facade.host);
  await rm(certDir, { recursive: true, force: true });
  await mkdir(certDir, { recursive: true, mode: 0o700 });
  await symlink(layout.deviceCertificate, join(certDir, 'client.cert'));
  await symlink(layout.deviceKey, join(certDir, 'client.key'));
  await symlink(platformCaFile(layout), join(certDir, 'facade-ca.crt'));
  const { runOptions = [], failpoint, ...podman } = options;
  return {
    runtime: new PodmanRuntime(podman),
    source: { registry: facade.host, certDir, ...(facade.protocol === 'http:' ? { insecure: true } : {}) },
    runOptions,
    ...(failpoint ? { failpoint } : {}),
  };
}
