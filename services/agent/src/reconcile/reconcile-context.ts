import type { Assignment, DeviceState, StepTimes } from '@keelson/events/device-protocol';
import type { AgentStateStore } from '../data-dir/agent-state.js';
import type { DataDirLayout } from '../data-dir/layout.js';
import type { ProbeResult } from '../probes/probe-result.js';
import type { ContainerRuntime, PullSource } from '../runtime/container-runtime.js';
import type { SwapFailpoint } from '../runtime/swap-failpoint.js';
import type { UpdateDownloads } from '../tuf/downloads-on-demand.js';

/** A step noticed that the agent is stopping (or, in the simulator, was killed): leave the journal as it is. */
export class AgentHalted extends Error {
  override readonly name = 'AgentHalted';
}

/** How container artifacts run on this device; without it a container assignment fails. */
export interface ContainerSupport {
  runtime: ContainerRuntime;
  /** The facade's registry address and the device's certificate directory. */
  source: PullSource;
  /** `run` options from the agent's configuration (never from a rollout). */
  runOptions: readonly string[];
  /** Crash tests only: where a swap SIGKILLs the agent (`KEELSON_FAILPOINT`). */
  failpoint?: SwapFailpoint;
}

/** Everything one assignment's workflow needs, so install and revert stay free of wiring. */
export interface ReconcileContext {
  layout: DataDirLayout;
  store: AgentStateStore;
  downloads: UpdateDownloads;
  probe(assignment: Assignment, activePath: string): Promise<ProbeResult>;
  containers?: ContainerSupport;
  /** A rollback made the kept version active again (the agent's `--on-change` hook runs). */
  restored?(assignment: Assignment, activePath: string): Promise<void>;
  /** A step goes out live; an outcome is reported durably, with `steps`, when each step began. */
  report(assignment: Assignment, state: DeviceState, reason?: string, steps?: StepTimes): void;
  /** A version just became active (the simulator plays the device's application here). */
  activated(assignment: Assignment, activePath: string): Promise<void>;
  /** Throws `AgentHalted` once the agent stops; called between steps, like a crash could happen. */
  checkpoint(): void;
}
