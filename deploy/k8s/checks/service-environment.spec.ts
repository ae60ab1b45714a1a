import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadServiceConfig } from '@keelson/service-kit';
import { loadApiConfig } from '../../../services/api/src/api-config.js';
import { deviceCaOptionsOf } from '../../../services/device-gateway/src/device-ca/device-ca.settings.js';
import { signerSettings } from '../../../services/signer/src/signer-settings.js';
import { k8sDir, named, ofKind, overlays, renderOverlay, type K8sObject } from './rendered-overlays.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects, checked by path */
const services = ['signer', 'registry-facade', 'device-gateway', 'rollout-orchestrator', 'audit', 'api'] as const;
const repoRoot = join(k8sDir, '..', '..');

// What a Secret key holds once the operator made it (docs/deploy-kubernetes.md), in a form each check accepts.
const secretValue = (key: string): string =>
  key === 'platform-ca-fingerprint' ? `sha256:${'ab'.repeat(32)}` : `secret-${key}-0123456789abcdef0123456789`;

/** The environment a service's container starts with: the settings ConfigMap, then its own variables. */
function environmentOf(objects: K8sObject[], service: string): Record<string, string> {
  const [container] = named(objects, 'Deployment', service).spec.template.spec.containers;
  const settings: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    Object.assign(settings, ofKind(objects, 'ConfigMap').find((c) => c.metadata.name === from.configMapRef.name)!.data);
  }
  const own = container.env.map((e: any) => [e.name, e.value ?? secretValue(e.valueFrom.secretKeyRef.key)]);
  return { ...settings, ...Object.fromEntries(own) };
}

/** Variables a service's code insists on (`requireEnv(config, 'NAME')`), read from its sources. */
function requiredBy(service: string): string[] {
  const pattern = "requireEnv\\(config, 'KEELSON_[A-Z_]+'";
  try {
    const grep = ['-rhoE', pattern, `services/${service}/src`, '--include=*.ts', '--exclude=*.spec.ts'];
    const out = execFileSync('grep', grep, { cwd: repoRoot, encoding: 'utf8' });
    return [...out.matchAll(/'(KEELSON_[A-Z_]+)'/g)].map((m) => m[1]!);
  } catch (err) {
    if ((err as { status?: number }).status === 1) return []; // grep found none
    throw err;
  }
}

describe.each(overlays)('the environment the %s overlay gives each service', (overlay) => {
  const objects = renderOverlay(overlay);

  it.each(services)('is one %s accepts, listening where its Service and probes expect it', (service) => {
    const env = environmentOf(objects, service);
    const config = loadServiceConfig(service, env);
    const deployment = named(objects, 'Deployment', service);
    const [container] = deployment.spec.template.spec.containers;
    expect(config.httpHost).toBe('0.0.0.0');
    expect(container.ports.map((p: any) => p.containerPort)).toEqual([config.httpPort]);
    expect(Boolean(config.tls)).toBe(container.ports[0].name === 'https');
    const mounts = container.volumeMounts.map((m: any) => m.mountPath);
    // The facade's blobs are in the NATS object store (KEELSON_BLOB_STORE unset): it writes no data directory.
    if (service === 'registry-facade') expect([env.KEELSON_BLOB_STORE ?? 'nats', mounts.includes(config.dataDir)]).toEqual(['nats', false]);
    else expect(mounts).toContain(config.dataDir);
    if (config.tls) expect(mounts).toContain(join(config.tls.certFile, '..'));
    for (const name of requiredBy(service)) expect({ name, set: Boolean(env[name]) }).toEqual({ name, set: true });
  });

  it("passes the api's, the signer's and the gateway's own checks of their settings", () => {
    expect(() => loadApiConfig(loadServiceConfig('api', environmentOf(objects, 'api')))).not.toThrow();
    expect(() => signerSettings(loadServiceConfig('signer', environmentOf(objects, 'signer')))).not.toThrow();
    expect(deviceCaOptionsOf(loadServiceConfig('device-gateway', environmentOf(objects, 'device-gateway'))).keySecret).toBeDefined();
  });

  it('has the api serve the agent bundles the image carries, at the address of its Ingress', () => {
    const api = loadApiConfig(loadServiceConfig('api', environmentOf(objects, 'api')));
    const containerfile = readFileSync(join(repoRoot, 'deploy/container/Containerfile'), 'utf8');
    const copied = /^COPY --from=build \/src\/agent-bundles (\S+)$/m.exec(containerfile)?.[1];
    const workdir = [...containerfile.matchAll(/^WORKDIR (\S+)$/gm)].at(-1)?.[1];
    expect(api.agentBundlesDir).toBe(copied && workdir ? join(workdir, copied) : 'not copied into the image');
    const apiHosts = ofKind(objects, 'Ingress')
      .flatMap((i) => i.spec.rules)
      .filter((r: any) => r.http.paths.some((p: any) => p.backend.service.name === 'api'))
      .map((r: any) => r.host);
    expect(apiHosts).toContain(new URL(api.publicApiUrl!).host);
  });
});
