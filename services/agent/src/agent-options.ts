import type { Assignment, DeviceState, InstalledArtifact } from '@keelson/events/device-protocol';
import type { DeviceIdentity } from './enrollment/device-identity.js';
import type { AppMetricsOptions } from './metrics/app-metrics.js';
import type { RenewKey } from './renewal/renew-certificate.js';
import type { DeviceContainerOptions } from './runtime/device-containers.js';

export type AgentLog = (event: string, fields: Record<string, unknown>) => void;

export interface AgentOptions {
  /** An enrolled data directory (`keelson-agent enroll`). */
  dataDir: string;
  /** Absolute paths of the only binaries an exec probe may run. */
  allowExec?: readonly string[];
  /** Run container artifacts with podman (`--podman`); without it a container assignment fails. */
  containers?: DeviceContainerOptions;
  /** `--on-change`, parsed (parseOnChange): run after a config or model version becomes active, and after a rollback. */
  onChange?: readonly string[];
  /** Silence after which the agent heartbeats (default 300: the broker's keep-alive carries presence). */
  heartbeatSeconds?: number;
  /** MQTT keep-alive (default 30): a PINGREQ after this much silence; the broker drops a connection silent 1.5 times as long. */
  keepaliveSeconds?: number;
  /** Simulator only: file probes resolve inside this directory. */
  probeRoot?: string;
  /** Called each time a version became active and before it is probed (the simulator's application). */
  onActivated?: (assignment: Assignment, activePath: string) => Promise<void> | void;
  /** Called with every report the agent sends (tests and the simulator's bookkeeping). */
  onReport?: (assignment: Assignment, state: DeviceState, reason?: string) => void;
  /** Pause between failed probe attempts (default 1 s). */
  probeRetryPauseMs?: number;
  /** Scrape the application's metrics and send per-window summaries (`--metrics-url`); absent: no metrics. */
  metrics?: AppMetricsOptions;
  /** Certify a new key at each certificate renewal (`rotate`, the default) or keep the current one. */
  renewKey?: RenewKey;
  log?: AgentLog;
}

export interface RunningAgent {
  deviceId: string;
  identity: DeviceIdentity;
  dataDir: string;
  readonly connected: boolean;
  /** What the device runs now, as its hello says. */
  installed(): Promise<InstalledArtifact[]>;
  /** Resolves when no assignment is in progress. */
  idle(): Promise<void>;
  /** Stops at the next step boundary and disconnects cleanly. */
  stop(): Promise<void>;
  /** Drops the MQTT connection without a DISCONNECT and halts at the next step boundary, like a crash. */
  kill(): Promise<void>;
}
