import { servicePermissions, serviceNatsUsers } from './service-permissions.js';
import { platformServices } from './platform-services.js';

const productionNaming = { streamPrefix: '', subjectPrefix: '' };

// NATS wildcard matching, enough to ask "may this user publish there?" the way the server would.
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
const mayPublish = (service: (typeof platformServices)[number], subject: string, naming = productionNaming) =>
  servicePermissions(service, naming).publish.some((p) => matches(p, subject));
const maySubscribe = (service: (typeof platformServices)[number], subject: string, naming = productionNaming) =>
  servicePermissions(service, naming).subscribe.some((p) => matches(p, subject));

describe('servicePermissions', () => {
  it('lets each service append only to its own event stream', () => {
    expect(mayPublish('rollout-orchestrator', 'ev.rollout.default.r-1')).toBe(true);
    expect(mayPublish('api', 'ev.rollout.default.r-1')).toBe(false);
    expect(mayPublish('device-gateway', 'ev.rollout.default.r-1')).toBe(false);
    expect(mayPublish('signer', 'ev.artifact.default.a-1')).toBe(false);
    expect(mayPublish('registry-facade', 'ev.artifact.default.a-1')).toBe(true);
    expect(mayPublish('registry-facade', 'ev.tuf.default.repository')).toBe(false);
    // Its device-access log (refused device reads, audited) is on its own stream; no one else writes it.
    expect(mayPublish('registry-facade', 'ev.registry.plant-7.device-refusals')).toBe(true);
    expect(mayPublish('device-gateway', 'ev.registry.plant-7.device-refusals')).toBe(false);
    expect(mayPublish('audit', 'ev.device.default.d-1')).toBe(false);
    for (const s of platformServices) expect(mayPublish(s, 'ev.anything.default.x')).toBe(false);
  });

  it('lets the api alone write API tokens and credential changes, and declare their stream', () => {
    for (const subject of ['ev.apitoken.plant-7.at-0123456789abcdef', 'ev.operator.default.credentials']) {
      expect(mayPublish('api', subject)).toBe(true);
      for (const s of platformServices.filter((x) => x !== 'api')) expect(mayPublish(s, subject)).toBe(false);
    }
    expect(mayPublish('api', '$JS.API.STREAM.UPDATE.EV_OPERATORS')).toBe(true);
    expect(mayPublish('api', '$JS.API.CONSUMER.CREATE.EV_OPERATORS.proj-api-tokens')).toBe(true);
    // The gateway records its CA key rotations on its own stream.
    expect(mayPublish('device-gateway', 'ev.enrollment.default.device-ca-key')).toBe(true);
    // The signer records its key-secret rotations on its own stream, beside ev.tuf (which the facade reads as TUF only).
    expect(mayPublish('signer', 'ev.signer.default.signer-key')).toBe(true);
    for (const s of platformServices.filter((x) => x !== 'signer')) expect(mayPublish(s, 'ev.signer.default.signer-key')).toBe(false);
  });

  it('grants the JetStream API per stream: consumers on the streams a service reads, nothing on the others', () => {
    expect(mayPublish('rollout-orchestrator', '$JS.API.CONSUMER.CREATE.EV_DEVICES.proj-x')).toBe(true);
    expect(mayPublish('rollout-orchestrator', '$JS.API.CONSUMER.MSG.NEXT.EV_DEVICES.proj-x')).toBe(true);
    expect(mayPublish('rollout-orchestrator', '$JS.ACK.EV_DEVICES.proj-x.1.2.3.4.0')).toBe(true);
    expect(mayPublish('rollout-orchestrator', '$JS.API.CONSUMER.CREATE.EV_ARTIFACTS.proj-x')).toBe(false);
    expect(mayPublish('api', '$JS.API.DIRECT.GET.EV_ROLLOUTS')).toBe(true);
    expect(mayPublish('registry-facade', '$JS.API.CONSUMER.CREATE.EV_TUF.x')).toBe(true);
    // an ordered consumer with several filter subjects (typed subjects) is created without a name in the subject
    expect(mayPublish('registry-facade', '$JS.API.CONSUMER.CREATE.EV_DEVICES')).toBe(true);
    expect(mayPublish('registry-facade', '$JS.API.CONSUMER.CREATE.EV_ROLLOUTS')).toBe(false);
    expect(mayPublish('device-gateway', '$JS.API.CONSUMER.CREATE.EV_TUF.x')).toBe(true); // the root cache follows the signer's news
    expect(mayPublish('device-gateway', 'ev.tuf.plant-7.repository')).toBe(false);
    expect(mayPublish('signer', '$JS.API.CONSUMER.CREATE.EV_ARTIFACTS.x')).toBe(true);
    expect(mayPublish('signer', '$JS.API.STREAM.UPDATE.EV_ARTIFACTS')).toBe(false);
    for (const stream of ['EV_ARTIFACTS', 'EV_TUF', 'EV_ROLLOUTS', 'EV_DEVICES', 'EV_OPERATORS']) {
      expect(mayPublish('audit', `$JS.API.CONSUMER.CREATE.${stream}.proj-audit`)).toBe(true);
      expect(mayPublish('audit', `$JS.API.STREAM.UPDATE.${stream}`)).toBe(false);
    }
    for (const s of platformServices) {
      expect(mayPublish(s, '$JS.API.STREAM.DELETE.EV_ROLLOUTS')).toBe(false);
      expect(mayPublish(s, '$JS.API.STREAM.PURGE.EV_DEVICES')).toBe(false);
      expect(mayPublish(s, '$JS.API.STREAM.CREATE.KV_anything')).toBe(false);
    }
  });

  it("keeps its runner leases in its own bucket and may not touch another service's", () => {
    for (const s of platformServices) {
      expect(mayPublish(s, `$JS.API.STREAM.CREATE.KV_leases-${s}`)).toBe(true);
      expect(mayPublish(s, `$KV.leases-${s}.proj-audit-log`)).toBe(true);
      expect(mayPublish(s, `$JS.API.DIRECT.GET.KV_leases-${s}.$KV.leases-${s}.proj-audit-log`)).toBe(true);
      const other = platformServices.find((o) => o !== s)!;
      expect(mayPublish(s, `$KV.leases-${other}.proj-audit-log`)).toBe(false);
      expect(mayPublish(s, `$JS.API.STREAM.UPDATE.KV_leases-${other}`)).toBe(false);
    }
  });

  it('serves only its own command family and calls only the families it needs', () => {
    expect(maySubscribe('signer', 'cmd.signer.get-root')).toBe(true);
    expect(maySubscribe('signer', 'cmd.gateway.assign-device')).toBe(false);
    expect(maySubscribe('api', 'cmd.orchestrator.create-rollout')).toBe(false);
    expect(mayPublish('api', 'cmd.orchestrator.create-rollout')).toBe(true);
    expect(mayPublish('registry-facade', 'cmd.gateway.get-device-ca')).toBe(true);
    expect(mayPublish('registry-facade', 'cmd.gateway.get-device-certificate')).toBe(true);
    expect(mayPublish('registry-facade', 'cmd.gateway.get-device-certificates')).toBe(false);
    expect(mayPublish('registry-facade', 'cmd.gateway.decommission-device')).toBe(false);
    expect(mayPublish('signer', 'cmd.gateway.assign-device')).toBe(false);
    expect(mayPublish('audit', 'cmd.orchestrator.abort-rollout')).toBe(false);
    expect(servicePermissions('api', productionNaming).allowResponses).toBe(false);
    expect(servicePermissions('signer', productionNaming).allowResponses).toBe(true);
  });

  it('gives device topics and the auth callout to the gateway alone, and the CloudEvents to the audit alone', () => {
    expect(mayPublish('device-gateway', 'keelson.cmd.d-1.desired')).toBe(true);
    expect(maySubscribe('device-gateway', 'keelson.dev.d-1.heartbeat')).toBe(true);
    expect(maySubscribe('device-gateway', '$SYS.REQ.USER.AUTH')).toBe(true);
    expect(mayPublish('audit', 'audit.ce.default')).toBe(true);
    for (const s of platformServices.filter((x) => x !== 'device-gateway')) {
      expect(mayPublish(s, 'keelson.cmd.d-1.desired')).toBe(false);
      expect(mayPublish(s, 'keelson.dev.d-1.report')).toBe(false);
      expect(maySubscribe(s, '$SYS.REQ.USER.AUTH')).toBe(false);
    }
    expect(mayPublish('device-gateway', 'keelson.dev.d-1.report')).toBe(false);
    expect(mayPublish('api', 'audit.ce.default')).toBe(false);
  });

  it('lets the audit alone declare the AUDIT_EVENTS stream, and nobody purge or delete it', () => {
    for (const op of ['INFO', 'CREATE', 'UPDATE']) expect(mayPublish('audit', `$JS.API.STREAM.${op}.AUDIT_EVENTS`)).toBe(true);
    for (const op of ['PURGE', 'DELETE']) expect(mayPublish('audit', `$JS.API.STREAM.${op}.AUDIT_EVENTS`)).toBe(false);
    for (const s of platformServices.filter((x) => x !== 'audit')) expect(mayPublish(s, '$JS.API.STREAM.UPDATE.AUDIT_EVENTS')).toBe(false);
  });

  it("lets the gateway alone relay devices' live steps, and the api alone follow them", () => {
    expect(maySubscribe('device-gateway', 'keelson.dev.d-1.progress')).toBe(true);
    expect(mayPublish('device-gateway', 'live.device-progress.default.r-1')).toBe(true);
    expect(maySubscribe('api', 'live.device-progress.default.r-1')).toBe(true);
    expect(mayPublish('api', 'live.device-progress.default.r-1')).toBe(false);
    for (const s of platformServices.filter((x) => x !== 'device-gateway')) {
      expect(maySubscribe(s, 'keelson.dev.d-1.progress')).toBe(false);
      expect(mayPublish(s, 'live.device-progress.default.r-1')).toBe(false);
    }
    for (const s of platformServices.filter((x) => x !== 'api')) expect(maySubscribe(s, 'live.device-progress.default.r-1')).toBe(false);
  });

  it("lets the orchestrator alone publish an experiment's looks, and the api alone follow them", () => {
    expect(mayPublish('rollout-orchestrator', 'live.experiment-look.default.x-1')).toBe(true);
    expect(maySubscribe('api', 'live.experiment-look.default.x-1')).toBe(true);
    for (const s of platformServices.filter((x) => x !== 'rollout-orchestrator'))
      expect(mayPublish(s, 'live.experiment-look.default.x-1')).toBe(false);
    for (const s of platformServices.filter((x) => x !== 'api')) expect(maySubscribe(s, 'live.experiment-look.default.x-1')).toBe(false);
  });

  it("lets the gateway alone take devices' metric windows and write the telemetry stream", () => {
    expect(maySubscribe('device-gateway', 'keelson.dev.d-1.metrics')).toBe(true);
    expect(mayPublish('device-gateway', 'tm.metrics.default.d-1')).toBe(true);
    expect(mayPublish('device-gateway', '$JS.API.STREAM.CREATE.TELEMETRY_METRICS')).toBe(true);
    expect(mayPublish('device-gateway', '$JS.API.STREAM.DELETE.TELEMETRY_METRICS')).toBe(false);
    expect(mayPublish('device-gateway', '$JS.API.STREAM.PURGE.TELEMETRY_METRICS')).toBe(false);
    for (const s of platformServices.filter((x) => x !== 'device-gateway')) {
      expect(maySubscribe(s, 'keelson.dev.d-1.metrics')).toBe(false);
      expect(mayPublish(s, 'tm.metrics.default.d-1')).toBe(false);
    }
  });

  it('lets the orchestrator read the telemetry stream with direct gets, and nothing more of it', () => {
    expect(mayPublish('rollout-orchestrator', '$JS.API.DIRECT.GET.TELEMETRY_METRICS')).toBe(true);
    for (const op of ['STREAM.INFO', 'STREAM.UPDATE', 'STREAM.PURGE', 'STREAM.MSG.GET', 'CONSUMER.CREATE']) {
      expect(mayPublish('rollout-orchestrator', `$JS.API.${op}.TELEMETRY_METRICS`)).toBe(false);
    }
    for (const s of platformServices.filter((x) => x !== 'rollout-orchestrator'))
      expect(mayPublish(s, '$JS.API.DIRECT.GET.TELEMETRY_METRICS')).toBe(false);
  });

  it('puts the prefixes of a shared test server on every stream and subject', () => {
    const naming = { streamPrefix: 'T1_', subjectPrefix: 't1.' };
    expect(mayPublish('rollout-orchestrator', 't1.ev.rollout.default.r-1', naming)).toBe(true);
    expect(mayPublish('rollout-orchestrator', 'ev.rollout.default.r-1', naming)).toBe(false);
    expect(mayPublish('rollout-orchestrator', '$JS.API.CONSUMER.CREATE.T1_EV_DEVICES.x', naming)).toBe(true);
    expect(mayPublish('rollout-orchestrator', '$JS.API.CONSUMER.CREATE.EV_DEVICES.x', naming)).toBe(false);
    expect(maySubscribe('device-gateway', 't1.keelson.dev.d-1.heartbeat', naming)).toBe(true);
  });

  it('makes one STANDARD-only user per service and refuses a missing password', () => {
    const users = serviceNatsUsers(['signer', 'api'], { signer: 'a', api: 'b' }, productionNaming);
    expect(users.map((u) => [u.user, u.password, u.allowedConnectionTypes])).toEqual([
      ['keelson-signer', 'a', ['STANDARD']],
      ['keelson-api', 'b', ['STANDARD']],
    ]);
    expect(() => serviceNatsUsers(['audit'], {}, productionNaming)).toThrow(/natsServicePasswords\.audit/);
  });
});
