import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { k8sDir, named, ofKind, overlays, renderOverlay, selects, workloads, type K8sObject } from './rendered-overlays.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects, checked by path */
const services = ['signer', 'registry-facade', 'device-gateway', 'rollout-orchestrator', 'audit', 'api'];
// Made by the operator before the first apply (docs/deploy-kubernetes.md, "Secrets").
const operatorSecrets = ['keelson-nats-users', 'keelson-database', 'keelson-secrets', 'keelson-tls', 'keelson-api-tls'];

const podSpec = (w: K8sObject) => w.spec.template.spec;
const containers = (w: K8sObject): any[] => podSpec(w).containers;
const containerPorts = (w: K8sObject): { name: string; containerPort: number }[] => containers(w).flatMap((c) => c.ports ?? []);
const probesOf = (c: any) => [c.startupProbe, c.livenessProbe, c.readinessProbe].filter(Boolean);

describe.each(overlays)('the %s overlay', (overlay) => {
  const objects = renderOverlay(overlay);
  const pods = workloads(objects);

  it("runs every service as a Deployment of the one image, chosen by its argument to the image's entry point", () => {
    for (const service of services) {
      const [container] = containers(named(objects, 'Deployment', service));
      expect(container.image).toMatch(/^ghcr\.io\/keelson\/keelson:[\w.-]+$/);
      expect(container.command).toBeUndefined(); // deploy/container/keelson-service, with the stack's Node settings
      expect(container.args).toEqual([service]);
    }
  });

  it('runs the nats-server version the local stack and the tests pin', () => {
    const pins = JSON.parse(readFileSync(join(k8sDir, '..', 'local', 'versions.json'), 'utf8')) as { 'nats-server': { version: string } };
    const nats = containers(named(objects, 'StatefulSet', 'nats')).find((c) => c.name === 'nats');
    expect(nats.image).toBe(`nats:${pins['nats-server'].version}-alpine`);
  });

  it('selects pods of a workload with every Service, on ports its containers have', () => {
    for (const service of ofKind(objects, 'Service')) {
      const targets = pods.filter((w) => selects(service.spec.selector, w.spec.template.metadata.labels));
      expect({ service: service.metadata.name, targets: targets.length }).toEqual({ service: service.metadata.name, targets: 1 });
      const names = containerPorts(targets[0]!).map((p) => p.name);
      for (const port of service.spec.ports) expect(names).toContain(port.targetPort);
    }
  });

  it('probes every container of every service on a port it has: liveness /healthz, readiness /readyz', () => {
    for (const service of services) {
      const deployment = named(objects, 'Deployment', service);
      const [container] = containers(deployment);
      const ports = containerPorts(deployment).map((p) => p.name);
      for (const probe of probesOf(container)) expect(ports).toContain(probe.httpGet.port);
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      const https = ports.includes('https');
      for (const probe of probesOf(container)) expect(probe.httpGet.scheme ?? 'HTTP').toBe(https ? 'HTTPS' : 'HTTP');
    }
    for (const probe of probesOf(containers(named(objects, 'StatefulSet', 'nats'))[0])) {
      expect(containerPorts(named(objects, 'StatefulSet', 'nats')).map((p) => p.name)).toContain(probe.httpGet.port);
    }
  });

  it('runs every container as non-root on a read-only root, with memory requests and limits', () => {
    for (const w of pods) {
      expect(podSpec(w).securityContext).toMatchObject({ runAsNonRoot: true });
      for (const c of containers(w)) {
        expect(c.securityContext).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
      }
    }
  });

  it('covers every workload with one PodDisruptionBudget and spreads it over nodes and zones', () => {
    for (const w of pods) {
      const budgets = ofKind(objects, 'PodDisruptionBudget').filter((b) =>
        selects(b.spec.selector.matchLabels, w.spec.template.metadata.labels),
      );
      expect({ workload: w.metadata.name, budgets: budgets.length }).toEqual({ workload: w.metadata.name, budgets: 1 });
      const keys = podSpec(w).topologySpreadConstraints.map((t: any) => t.topologyKey);
      expect(keys).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      for (const t of podSpec(w).topologySpreadConstraints)
        expect(selects(t.labelSelector.matchLabels, w.spec.template.metadata.labels)).toBe(true);
    }
  });

  it('mounts only ConfigMaps and volume claims it renders, and Secrets the operator makes', () => {
    const configMaps = ofKind(objects, 'ConfigMap').map((c) => c.metadata.name);
    const claims = ofKind(objects, 'PersistentVolumeClaim').map((c) => c.metadata.name);
    for (const w of pods) {
      for (const v of podSpec(w).volumes ?? []) {
        if (v.configMap) expect(configMaps).toContain(v.configMap.name);
        if (v.persistentVolumeClaim) expect(claims).toContain(v.persistentVolumeClaim.claimName);
        if (v.secret) expect(operatorSecrets).toContain(v.secret.secretName);
      }
      for (const c of containers(w)) {
        for (const from of c.envFrom ?? []) expect(configMaps).toContain(from.configMapRef.name);
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) expect(operatorSecrets).toContain(e.valueFrom.secretKeyRef.name);
      }
    }
  });

  it('routes the Ingresses to Services and ports that exist', () => {
    for (const ingress of ofKind(objects, 'Ingress')) {
      for (const path of ingress.spec.rules.flatMap((r: any) => r.http.paths)) {
        const service = named(objects, 'Service', path.backend.service.name);
        expect(service.spec.ports.map((p: any) => p.name)).toContain(path.backend.service.port.name);
      }
    }
    const backends = ofKind(objects, 'Ingress').flatMap((i) =>
      i.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.name)),
    );
    expect(backends.sort()).toEqual(['api', 'device-gateway', 'registry-facade']);
  });

  it('scrapes the metrics of every workload through the ServiceMonitor', () => {
    const monitor = named(objects, 'ServiceMonitor', 'keelson');
    const endpoints = monitor.spec.endpoints.map((e: any) => e.port);
    const scraped = ofKind(objects, 'Service').filter(
      (s) => selects(monitor.spec.selector.matchLabels, s.metadata.labels) && s.spec.clusterIP !== 'None',
    );
    for (const w of pods) {
      const ports = scraped
        .filter((s) => selects(s.spec.selector, w.spec.template.metadata.labels))
        .flatMap((s) => s.spec.ports.map((p: any) => p.name));
      expect({ workload: w.metadata.name, scraped: ports.some((p) => endpoints.includes(p)) }).toEqual({
        workload: w.metadata.name,
        scraped: true,
      });
    }
  });
});

describe('the overlays differ where they should', () => {
  const single = renderOverlay('single-node');
  const production = renderOverlay('production');
  const setting = (objects: K8sObject[], name: string) =>
    ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('keelson-settings'))!.data![name];

  it('runs two replicas of every service in production, one on a single node', () => {
    for (const service of services) {
      expect(named(production, 'Deployment', service).spec.replicas).toBe(2);
      expect(named(single, 'Deployment', service).spec.replicas).toBe(1);
    }
  });

  it('clusters three nats-servers with three stream replicas in production, one of each on a single node', () => {
    expect(named(production, 'StatefulSet', 'nats').spec.replicas).toBe(3);
    expect(setting(production, 'KEELSON_STREAM_REPLICAS')).toBe('3');
    expect(named(single, 'StatefulSet', 'nats').spec.replicas).toBe(1);
    expect(setting(single, 'KEELSON_STREAM_REPLICAS')).toBe('1');
  });

  it('keeps replicas of one workload on distinct nodes in production only', () => {
    const hostSpread = (objects: K8sObject[]) => workloads(objects).map((w) => podSpec(w).topologySpreadConstraints[0].whenUnsatisfiable);
    expect(new Set(hostSpread(production))).toEqual(new Set(['DoNotSchedule']));
    expect(new Set(hostSpread(single))).toEqual(new Set(['ScheduleAnyway']));
  });
});
