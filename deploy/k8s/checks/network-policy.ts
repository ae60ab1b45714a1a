import type { K8sObject } from './rendered-overlays.js';

/**
 * One end of a connection: a pod of the installation's namespace (its labels), a pod of another
 * namespace (the ingress controller's, Prometheus's), or an address outside the cluster.
 */
export type Endpoint = { namespace: string; labels: Record<string, string> } | { ip: string };

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface Rule {
  peers?: Peer[];
  ports?: { protocol?: string; port?: number }[];
}

/** Kubernetes' label selector semantics: an empty selector selects everything. */
export function matches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key]!);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]!);
    return operator === 'Exists' ? key in labels : !(key in labels);
  });
  return byLabel && byExpression;
}

const ipv4 = (ip: string): number => ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(ip) / size) === Math.floor(ipv4(base) / size);
}

// A peer of a rule in a policy of `namespace`: a pod selector alone means pods of that namespace.
function peerMatches(peer: Peer, namespace: string, other: Endpoint): boolean {
  if (peer.ipBlock)
    return 'ip' in other && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if ('ip' in other) return false;
  const namespaceOk = peer.namespaceSelector
    ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': other.namespace })
    : other.namespace === namespace;
  return namespaceOk && (!peer.podSelector || matches(peer.podSelector, other.labels));
}

function ruleAllows(rule: Rule, namespace: string, other: Endpoint, port: number): boolean {
  const peerOk = !rule.peers?.length || rule.peers.some((p) => peerMatches(p, namespace, other));
  const portOk = !rule.ports?.length || rule.ports.some((p) => p.port === undefined || p.port === port);
  return peerOk && portOk;
}

// The policies of `pod`'s side for one direction: none selecting it means that direction is open.
function sideAllows(policies: K8sObject[], pod: Endpoint, other: Endpoint, port: number, direction: 'Ingress' | 'Egress'): boolean {
  if ('ip' in pod) return true;
  const applying = policies.filter(
    (p) =>
      (p.metadata.namespace ?? pod.namespace) === pod.namespace &&
      p.spec.policyTypes.includes(direction) &&
      matches(p.spec.podSelector, pod.labels),
  );
  if (applying.length === 0) return true;
  const rules: Rule[] = applying.flatMap(
    (p) =>
      (direction === 'Ingress' ? p.spec.ingress : p.spec.egress)?.map((r: { from?: Peer[]; to?: Peer[]; ports?: Rule['ports'] }) => ({
        peers: direction === 'Ingress' ? r.from : r.to,
        ports: r.ports,
      })) ?? [],
  );
  return rules.some((r) => ruleAllows(r, pod.namespace, other, port));
}

/** Whether the NetworkPolicies let `from` open a TCP connection to `to` on `port` (egress of one, ingress of the other). */
export function allows(policies: K8sObject[], from: Endpoint, to: Endpoint, port: number): boolean {
  return sideAllows(policies, from, to, port, 'Egress') && sideAllows(policies, to, from, port, 'Ingress');
}
