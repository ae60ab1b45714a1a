import { allows, type Endpoint } from './network-policy.js';
import { named, ofKind, overlays, renderOverlay, selects, workloads, type K8sObject } from './rendered-overlays.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered objects, checked by path */
const namespace = 'keelson';
const services = ['signer', 'registry-facade', 'device-gateway', 'rollout-orchestrator', 'audit', 'api'];
const podOf = (objects: K8sObject[], name: string): Endpoint => {
  const w = workloads(objects).find((o) => o.metadata.name === name)!;
  return { namespace, labels: w.spec.template.metadata.labels };
};
const ingressController: Endpoint = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };
const prometheus: Endpoint = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
const device: Endpoint = { ip: '203.0.113.7' };
const postgresql: Endpoint = { ip: '10.20.0.5' };

// `http://name:port` of an address a pod is configured with -> the pod behind that Service and the container port.
function target(objects: K8sObject[], url: string): { pod: Endpoint; port: number } {
  const { hostname, port } = new URL(url);
  const service = named(objects, 'Service', hostname.split('.')[0]!);
  const servicePort = service.spec.ports.find((p: any) => String(p.port) === port);
  const workload = workloads(objects).find((w) => selects(service.spec.selector, w.spec.template.metadata.labels))!;
  const containerPort = workload.spec.template.spec.containers
    .flatMap((c: any) => c.ports)
    .find((p: any) => p.name === servicePort.targetPort);
  return { pod: { namespace, labels: workload.spec.template.metadata.labels }, port: containerPort.containerPort };
}

function envOf(objects: K8sObject[], service: string): Record<string, string> {
  const settings = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('keelson-settings'))!.data!;
  const [container] = named(objects, 'Deployment', service).spec.template.spec.containers;
  const own = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? `<secret ${e.valueFrom?.secretKeyRef?.name}>`]));
  return { ...settings, ...own };
}

describe.each(overlays)('the network policies of the %s overlay', (overlay) => {
  const objects = renderOverlay(overlay);
  const policies = ofKind(objects, 'NetworkPolicy');
  const can = (from: Endpoint, to: Endpoint, port: number) => allows(policies, from, to, port);

  describe('let every real peer through', () => {
    it.each(services)('%s reaches NATS at its KEELSON_NATS_URL', (service) => {
      const nats = target(objects, envOf(objects, service).KEELSON_NATS_URL!);
      expect(can(podOf(objects, service), nats.pod, nats.port)).toBe(true);
    });

    it.each(services)('%s reaches PostgreSQL when it has a KEELSON_DATABASE_URL, and only then', (service) => {
      expect(can(podOf(objects, service), postgresql, 5432)).toBe('KEELSON_DATABASE_URL' in envOf(objects, service));
    });

    it('lets the api upload to the facade at its KEELSON_FACADE_URL', () => {
      const facade = target(objects, envOf(objects, 'api').KEELSON_FACADE_URL!);
      expect(can(podOf(objects, 'api'), facade.pod, facade.port)).toBe(true);
    });

    it('lets the nats-servers reach the routes their cluster.conf names', () => {
      const clusterConf = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name.startsWith('nats-config'))!.data!['cluster.conf']!;
      const routes = [...clusterConf.matchAll(/"nats:\/\/[^"]+:(\d+)"/g)].map((m) => Number(m[1]));
      expect(routes.length).toBe(overlay === 'production' ? 3 : 0);
      for (const port of routes) expect(can(podOf(objects, 'nats'), podOf(objects, 'nats'), port)).toBe(true);
    });

    it('lets the ingress controller reach every Ingress backend, and devices the MQTT port', () => {
      for (const path of ofKind(objects, 'Ingress').flatMap((i) => i.spec.rules.flatMap((r: any) => r.http.paths))) {
        const service = named(objects, 'Service', path.backend.service.name);
        const port = service.spec.ports.find((p: any) => p.name === path.backend.service.port.name);
        const backend = target(objects, `tcp://${service.metadata.name}:${port.port}`);
        expect(can(ingressController, backend.pod, backend.port)).toBe(true);
      }
      const mqtt = named(objects, 'Service', 'nats-mqtt').spec.ports[0];
      expect(can(device, podOf(objects, 'nats'), mqtt.port)).toBe(true);
    });

    it('lets Prometheus scrape every port the ServiceMonitor names', () => {
      const endpoints = named(objects, 'ServiceMonitor', 'keelson').spec.endpoints.map((e: any) => e.port);
      for (const service of ofKind(objects, 'Service').filter((s) => s.spec.clusterIP !== 'None')) {
        for (const port of service.spec.ports.filter((p: any) => endpoints.includes(p.name))) {
          const scraped = target(objects, `tcp://${service.metadata.name}:${port.port}`);
          expect(can(prometheus, scraped.pod, scraped.port)).toBe(true);
        }
      }
    });
  });

  describe('stop everything else', () => {
    it('keeps services from talking to each other over HTTP, except the api to the facade', () => {
      for (const from of services) {
        for (const to of services.filter((s) => s !== from)) {
          const port = to === 'registry-facade' || to === 'device-gateway' ? 8443 : 8080;
          const open = can(podOf(objects, from), podOf(objects, to), port);
          expect({ from, to, open }).toEqual({ from, to, open: from === 'api' && to === 'registry-facade' });
        }
      }
    });

    it('keeps devices and other namespaces off NATS but for MQTT, and everyone off its monitoring port', () => {
      expect(can(device, podOf(objects, 'nats'), 4222)).toBe(false);
      expect(can(ingressController, podOf(objects, 'nats'), 4222)).toBe(false);
      expect(can(prometheus, podOf(objects, 'nats'), 8222)).toBe(false);
      expect(can(podOf(objects, 'api'), podOf(objects, 'nats'), 8222)).toBe(false);
      expect(can(podOf(objects, 'api'), podOf(objects, 'nats'), 6222)).toBe(false);
    });

    it('keeps the ingress controller off the services it does not route to', () => {
      for (const service of ['signer', 'rollout-orchestrator', 'audit'])
        expect(can(ingressController, podOf(objects, service), 8080)).toBe(false);
    });

    it('lets no pod reach the internet but PostgreSQL, and the facade its upstream registries over HTTPS', () => {
      for (const service of [...services, 'nats'].filter((s) => s !== 'registry-facade'))
        expect(can(podOf(objects, service), { ip: '198.51.100.1' }, 443)).toBe(false);
      expect(can(podOf(objects, 'registry-facade'), { ip: '198.51.100.1' }, 443)).toBe(true);
      expect(can(podOf(objects, 'registry-facade'), { ip: '198.51.100.1' }, 22)).toBe(false);
    });
  });
});
