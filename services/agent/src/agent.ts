import { isTerminalDeviceState } from '@keelson/events/device-protocol';
import type { AgentLog, AgentOptions, RunningAgent } from './agent-options.js';
import { agentVersion } from './agent-version.js';
import { AgentStateStore } from './data-dir/agent-state.js';
import { DataDirLayout } from './data-dir/layout.js';
import { readDeviceIdentity } from './enrollment/device-identity.js';
import { CertificateRenewer } from './renewal/certificate-renewer.js';
import { completePendingRenewal } from './renewal/pending-renewal.js';
import { DeviceLink } from './link/device-link.js';
import { platformFetch } from './link/platform-fetch.js';
import { readPlatformCa } from './link/platform-trust.js';
import { runOnChange } from './probes/on-change-hook.js';
import { runProbe } from './probes/run-probe.js';
import { deviceContainers } from './runtime/device-containers.js';
import { AgentHalted, type ReconcileContext } from './reconcile/reconcile-context.js';
import { Reconciler } from './reconcile/reconciler.js';
import { DownloadsOnDemand } from './tuf/downloads-on-demand.js';

/** Starts the device agent on an enrolled data directory: repairs, resumes, connects, reconciles. */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const log: AgentLog = options.log ?? (() => undefined);
  const layout = new DataDirLayout(options.dataDir);
  // A renewal a crash interrupted after the gateway answered: swap it in before the identity is used.
  if (await completePendingRenewal(layout)) log('certificate-renewal-completed', {});
  const identity = await readDeviceIdentity(layout);
  const platformCa = await readPlatformCa(layout);
  const store = new AgentStateStore(layout.stateFile);
  await store.load();
  const allowExec = new Set(options.allowExec ?? []);
  let halted = false;
  const halting = new AbortController();
  let link: DeviceLink | null = null;

  const ctx: ReconcileContext = {
    layout,
    store,
    ...(options.containers ? { containers: await deviceContainers(layout, identity, options.containers) } : {}),
    downloads: new DownloadsOnDemand(layout, {
      facadeUrl: identity.facadeUrl,
      fleet: identity.fleet,
      ...(platformCa ? { platformCa } : {}),
    }),
    probe: async (assignment, activePath) => {
      const probeContext = {
        activePath,
        allowExec,
        signal: halting.signal,
        ...(options.probeRoot ? { probeRoot: options.probeRoot } : {}),
        ...(options.probeRetryPauseMs === undefined ? {} : { retryPauseMs: options.probeRetryPauseMs }),
      };
      try {
        // The application reloads first; a hook that fails is a failed probe (the version rolls back).
        const reloaded = await runOnChange(options.onChange, assignment.artifact.kind, activePath, halting.signal);
        halting.signal.throwIfAborted();
        if (!reloaded.ok) return reloaded;
        return await runProbe(assignment.probe, probeContext);
      } catch (err) {
        if (halting.signal.aborted) throw new AgentHalted('agent stopped while probing');
        throw err;
      }
    },
    restored: async (assignment, activePath) => {
      const reloaded = await runOnChange(options.onChange, assignment.artifact.kind, activePath, halting.signal);
      if (!reloaded.ok) log('on-change-failed-after-rollback', { assignmentId: assignment.assignmentId, reason: reloaded.reason });
    },
    report: (assignment, state, reason, steps) => {
      if (halted) return;
      // The trace the assignment came with goes back with each report: the platform continues it, and
      // the device's log line names it (trace-id of `00-<trace-id>-<parent-id>-<flags>`) like the services' lines do.
      const traceparent = store.record(assignment.assignmentId)?.traceparent;
      log('report', {
        assignmentId: assignment.assignmentId,
        state,
        ...(reason ? { reason } : {}),
        ...(traceparent ? { trace_id: traceparent.slice(3, 35) } : {}),
      });
      options.onReport?.(assignment, state, reason);
      const about = { assignmentId: assignment.assignmentId, rolloutId: assignment.rolloutId, ...(traceparent ? { traceparent } : {}) };
      if (!isTerminalDeviceState(state)) return link?.progress({ ...about, state });
      // The outcome says what the device runs now, so the platform's view follows without a hello.
      const outcome = { ...about, state, ...(reason ? { reason } : {}), ...(steps ? { steps } : {}) };
      void reconciler.installed().then(
        (installed) => link?.report({ ...outcome, installed }),
        (err: Error) => (log('installed-unreadable', { error: err.message }), link?.report(outcome)),
      );
    },
    activated: async (assignment, activePath) => {
      await options.onActivated?.(assignment, activePath);
    },
    checkpoint: () => {
      if (halted) throw new AgentHalted('agent stopped');
    },
  };
  const reconciler = new Reconciler(ctx, log);
  await reconciler.recover();
  link = new DeviceLink({
    identity,
    log,
    platformCa,
    heartbeatSeconds: options.heartbeatSeconds ?? 300,
    keepaliveSeconds: options.keepaliveSeconds ?? 30,
    hello: async () => ({
      deviceId: identity.deviceId,
      agentVersion,
      installed: await reconciler.installed(),
      desiredGeneration: store.current.appliedGeneration,
    }),
    onDesired: (desired, afterConnect) =>
      void reconciler.accept(desired, afterConnect).catch((err: Error) => log('desired-state-failed', { error: err.message })),
  });
  link.start();
  // Loaded only when asked for: an agent without `--metrics-url` holds no sketch code (bench/agent-footprint).
  const metrics =
    options.metrics &&
    (await import('./metrics/app-metrics.js')).appMetricsReporter(options.metrics, {
      deviceId: identity.deviceId,
      installed: () => reconciler.installed(),
      link,
      log,
    });
  metrics?.start();
  const renewer = new CertificateRenewer({
    layout,
    gatewayUrl: identity.gatewayUrl,
    log,
    fetch: platformFetch(platformCa),
    renewKey: options.renewKey ?? 'rotate',
  });
  renewer.start();

  return {
    deviceId: identity.deviceId,
    identity,
    dataDir: options.dataDir,
    get connected() {
      return link?.connected ?? false;
    },
    installed: () => reconciler.installed(),
    idle: () => reconciler.idle(),
    async stop() {
      halted = true;
      halting.abort();
      metrics?.stop();
      await renewer.stop();
      await link?.stop();
      await reconciler.idle();
    },
    async kill() {
      halted = true;
      halting.abort();
      metrics?.stop();
      void renewer.stop();
      link?.kill();
      await reconciler.idle();
    },
  };
}
