import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { DesiredState, installAssignmentId } from '@keelson/events';
import { InFlight } from './in-flight.js';

const encoder = new TextEncoder();

/**
 * Answers every install assignment of the rollout as a device would once updated: it listens where
 * the gateway pushes desired states (`keelson.cmd.<device>.desired`, the MQTT topic seen from NATS)
 * and publishes a `healthy` report where a device's reports land (`keelson.dev.<device>.report`, the
 * gateway's device inbox), acknowledged by JetStream as an MQTT QoS 1 publish is. No MQTT, no agent:
 * what is measured is the platform's side of the loop.
 */
export class ReportingFleet {
  private readonly reported = new Set<string>();
  private readonly inFlight: InFlight;
  private subscription: Subscription | undefined;
  private rolloutId: string | undefined;
  private readonly pending: string[] = []; // assignments that came before the rollout id was known

  constructor(
    private readonly nc: NatsConnection,
    concurrency: number,
  ) {
    this.inFlight = new InFlight(concurrency);
  }

  get reportedCount(): number {
    return this.reported.size;
  }

  /** Starts listening before the rollout is created: its first wave is assigned in the same breath. */
  listen(): void {
    this.subscription = this.nc.subscribe('keelson.cmd.*.desired', {
      callback: (err, msg) => {
        if (err) return;
        const { data } = DesiredState.parse(msg.json());
        for (const a of data.assignments) {
          if (a.action !== 'install') continue;
          if (this.rolloutId === undefined) this.pending.push(`${a.rolloutId}/${data.deviceId}`);
          else if (a.rolloutId === this.rolloutId) void this.report(data.deviceId);
        }
      },
    });
  }

  /** The rollout whose assignments to answer (those that came before it was known included). */
  answer(rolloutId: string): void {
    this.rolloutId = rolloutId;
    for (const key of this.pending.splice(0)) {
      const [rollout, deviceId] = key.split('/') as [string, string];
      if (rollout === rolloutId) void this.report(deviceId);
    }
  }

  private async report(deviceId: string): Promise<void> {
    const rolloutId = this.rolloutId!;
    if (this.reported.has(deviceId)) return;
    this.reported.add(deviceId);
    const js = jetstream(this.nc);
    const report = {
      type: 'DeviceReport',
      schemaVersion: 1,
      data: {
        deviceId,
        assignmentId: installAssignmentId(rolloutId, deviceId),
        rolloutId,
        state: 'healthy',
        sentAt: new Date().toISOString(),
      },
    };
    await this.inFlight.run(async () => {
      await js.publish(`keelson.dev.${deviceId}.report`, encoder.encode(JSON.stringify(report)));
    });
  }

  async stop(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.subscription?.drain();
    await this.inFlight.drained();
  }
}
