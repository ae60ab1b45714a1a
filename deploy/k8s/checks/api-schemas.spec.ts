import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';
import { overlays, renderOverlay, type K8sObject } from './rendered-overlays.js';

type Model = new (object: unknown) => { validate(): void };

// The Kubernetes 1.32 API schemas (kubernetes-models) and the Prometheus Operator's CRD schemas.
const groups: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'policy/v1': policy,
  'networking.k8s.io/v1': networking,
  'monitoring.coreos.com/v1': monitoring,
};

function modelOf(object: K8sObject): Model {
  const model = groups[object.apiVersion]?.[object.kind];
  if (typeof model !== 'function') throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model as Model;
}

describe.each(overlays)('the %s overlay, rendered by kubectl kustomize', (overlay) => {
  const objects = renderOverlay(overlay);

  it('holds every kind of object Keelson needs', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    for (const kind of [
      'StatefulSet',
      'Deployment',
      'Service',
      'Ingress',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'ServiceMonitor',
      'PrometheusRule',
    ]) {
      expect(kinds).toContain(kind);
    }
  });

  it.each(objects.map((o) => [`${o.kind} ${o.metadata.name}`, o] as const))('%s is valid against its API schema', (_name, object) => {
    expect(() => new (modelOf(object))(object).validate()).not.toThrow();
  });

  it('puts everything in the keelson namespace', () => {
    expect(objects.filter((o) => o.metadata.namespace !== 'keelson').map((o) => o.metadata.name)).toEqual([]);
  });
});

describe('the schema check', () => {
  it('refuses an object the API would refuse', () => {
    const deployment = renderOverlay('production').find((o) => o.kind === 'Deployment')!;
    const broken: K8sObject = { ...deployment, spec: { ...deployment.spec, replicas: 'two' } };
    expect(() => new (modelOf(broken))(broken).validate()).toThrow(/replicas must be integer/);
  });
});
