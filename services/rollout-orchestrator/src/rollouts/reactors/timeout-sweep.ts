import type { Database } from '@keelson/postgres';
import type { Clock } from '@keelson/service-kit';
import { decommissionedDevices, silentDevices } from '../read-models/device-reachability.projection.js';
import { dueTimeouts, inFlightDevices, unnotedSilence } from '../domain/in-flight-due.js';
import { awaitingRevertsSql, sweepReverts } from './revert-sweep.js';
import type { Rollouts } from '../rollouts.js';

export interface TimeoutSweepOptions {
  rollouts: Rollouts;
  db: Database;
  clock: Clock;
  /** How often to sweep (`KEELSON_TIMEOUT_SWEEP_SECONDS`, default 15 s). */
  everyMs: number;
  onError: (err: unknown) => void;
}

const actor = { kind: 'service', id: 'rollout-orchestrator' } as const;

/**
 * The per-device timeout's timer. Deadlines are not kept in memory: every sweep derives them from
 * each rollout under way (its stream), so a restart or another replica loses none. It sends
 * `TimeOutDevice` for each device past its deadline, notes devices the gateway reported silent
 * before they were assigned, and excludes devices decommissioned while in flight (the decommission
 * reactor finds a device's rollouts through a read model that may lag a just-created rollout: this
 * is the safety net, so a retired device never hangs a rollout). After an abort with `revert` it
 * times out reverts the same way (revert-sweep.ts). Commands are idempotent (stable command ids, `[]` when done), so two
 * replicas sweeping at once time a device out once.
 */
export class TimeoutSweep {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly o: TimeoutSweepOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch(this.o.onError)
        .finally(() => (this.sweeping = undefined));
    }, this.o.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sweeping;
  }

  /** One pass over every rollout under way, and every rollout aborted with `revert` still waiting for a revert. */
  async sweep(): Promise<void> {
    const active = await this.o.db.query<{ fleet: string; rollout_id: string; status: string }>(
      `SELECT v.fleet, v.rollout_id, v.status FROM rollout_views v
       WHERE v.status NOT IN ('aborted', 'succeeded', 'failed') OR (${awaitingRevertsSql}) ORDER BY v.created_seq`,
    );
    for (const { fleet, rollout_id: rolloutId, status } of active) {
      try {
        await (status === 'aborted' ? sweepReverts(this.o, fleet, rolloutId) : this.sweepOne(fleet, rolloutId));
      } catch (err) {
        this.o.onError(err); // one rollout's trouble does not stop the others' timeouts
      }
    }
  }

  private async sweepOne(fleet: string, rolloutId: string): Promise<void> {
    const { rollouts, clock } = this.o;
    const state = await rollouts.current(fleet, rolloutId);
    if (state.status === 'absent') return;
    const ref = { fleet, rolloutId };
    const silent = await silentDevices(this.o.db, fleet, inFlightDevices(state));
    for (const [deviceId, asOfSeq] of unnotedSilence(state, silent)) {
      const meta = { actor, correlationId: `sweep-${rolloutId}`, commandId: `silent-${rolloutId}-${deviceId}-${asOfSeq}` };
      await rollouts.execute(
        { type: 'NoteDeviceReachability', ...ref, deviceId, reachable: false, asOfSeq, at: clock.now().toISOString() },
        meta,
      );
    }
    for (const deviceId of await decommissionedDevices(this.o.db, fleet, inFlightDevices(state))) {
      const meta = { actor, correlationId: `sweep-${rolloutId}`, commandId: `retired-${rolloutId}-${deviceId}` };
      await rollouts.execute(
        { type: 'ExcludeDevice', ...ref, deviceId, reason: 'device decommissioned', at: clock.now().toISOString() },
        meta,
      );
    }
    const now = clock.now();
    const latest = await rollouts.current(fleet, rolloutId);
    if (latest.status === 'absent') return;
    for (const deviceId of dueTimeouts(latest, now)) {
      const meta = { actor, correlationId: `sweep-${rolloutId}`, commandId: `timeout-${rolloutId}-${deviceId}` };
      await rollouts.execute({ type: 'TimeOutDevice', ...ref, deviceId, at: now.toISOString() }, meta);
    }
  }
}
