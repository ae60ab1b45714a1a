import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '@nats-io/nkeys';
import { ensureLocalTls, platformServices, servicePermissions } from '@keelson/local-infra';
import { natsServerBinary } from './provisioned-tools.js';
import { named, ofKind, overlays, renderOverlay, type K8sObject } from './rendered-overlays.js';

const natsConfig = (objects: K8sObject[]): Record<string, string> =>
  ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('nats-config'))!.data!;
const natsEnv = (objects: K8sObject[]): { name: string; value?: string }[] =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a rendered container
  named(objects, 'StatefulSet', 'nats').spec.template.spec.containers.find((c: any) => c.name === 'nats').env;

/** The quoted subjects of one allow-list (`publish` or `subscribe`) in a user's block of accounts.conf. */
function allowList(accounts: string, user: string, direction: 'publish' | 'subscribe'): string[] {
  const block = accounts.slice(accounts.indexOf(`user: "${user}"`));
  const list = new RegExp(`${direction}: \\{ allow: \\[([^\\]]*)\\]`).exec(block)?.[1] ?? '';
  return [...list.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
}

describe('the nats-server configuration of deploy/k8s', () => {
  const accounts = natsConfig(renderOverlay('production'))['accounts.conf']!;

  it.each(platformServices)('gives keelson-%s exactly the permissions the local stack gives it', (service) => {
    const wanted = servicePermissions(service, { streamPrefix: '', subjectPrefix: '' });
    expect(allowList(accounts, `keelson-${service}`, 'publish')).toEqual(wanted.publish);
    expect(allowList(accounts, `keelson-${service}`, 'subscribe')).toEqual(wanted.subscribe);
  });

  describe.each(overlays)('as the %s overlay renders it', (overlay) => {
    const objects = renderOverlay(overlay);
    const files = natsConfig(objects);
    const env = natsEnv(objects);

    it('reads only variables the container sets', () => {
      const used = [
        ...Object.values(files)
          .join('\n')
          .matchAll(/:\s*\$([A-Z_]+)/g),
      ].map((m) => m[1]);
      expect(used.length).toBeGreaterThan(5);
      for (const name of used) expect(env.map((e) => e.name)).toContain(name);
    });

    it('is a configuration nats-server accepts', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'keelson-k8s-nats-'));
      try {
        const tls = await ensureLocalTls(join(dir, 'tls'));
        for (const [name, text] of Object.entries(files)) {
          writeFileSync(join(dir, name), text.replace('/etc/nats/tls/tls.crt', tls.certFile).replace('/etc/nats/tls/tls.key', tls.keyFile));
        }
        // the container's own values; made-up ones for what comes from the pod and the Secret
        const values = Object.fromEntries(env.map((e) => [e.name, e.value ?? `value-of-${e.name.toLowerCase()}`]));
        const variables = { ...values, POD_NAME: 'nats-0', AUTH_CALLOUT_ISSUER: createAccount().getPublicKey() };
        const run = spawnSync(natsServerBinary(), ['-t', '-c', join(dir, 'nats.conf')], {
          env: { ...process.env, ...variables },
          encoding: 'utf8',
        });
        expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({
          status: 0,
          output: expect.stringContaining('is valid'),
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
