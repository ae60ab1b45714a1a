import { z } from 'zod';
import type { SseMessage } from '../sse-reader.js';
import { watchLines, type WatchEnd } from './watch-lines.js';

const Names = z.object({ names: z.record(z.string(), z.string()) });
const Wave = z.object({
  wave: z.number(),
  devices: z.number(),
  pending: z.number(),
  inFlight: z.number(),
  healthy: z.number(),
  failed: z.number(),
  excluded: z.number(),
});
const Snapshot = z.object({
  strategy: z.object({ waves: z.array(z.unknown()) }),
  artifact: z.object({ name: z.string(), version: z.string() }).optional(),
});
const Reverts = z.object({ devices: z.number(), reverted: z.number(), failed: z.number(), inFlight: z.number(), offline: z.number() });
const Summary = z.object({ waves: z.array(Wave), devicesDown: z.number(), unreachable: z.number(), reverts: Reverts.optional() });
type Wave = z.infer<typeof Wave>;

const revertLine = (r: z.infer<typeof Reverts>) =>
  `reverts: ${r.reverted + r.failed} of ${r.devices} done (${r.reverted} reverted, ${r.failed} failed), ${r.inFlight} in flight, ${r.offline} offline`;

const waveLine = (w: Wave, total: number) =>
  `wave ${w.wave + 1}/${total}: ${w.devices} devices — ${w.healthy} healthy, ${w.failed} failed, ${w.inFlight} in flight, ${w.pending} not started${w.excluded ? `, ${w.excluded} excluded` : ''}`;

/**
 * What `rollout watch` prints, message by message: the lines of `watchLines` with devices named, a
 * summary line for each wave once all its devices are done (and for every wave begun when the
 * rollout ends), and the fleet impact whenever it changes.
 */
export class RolloutWatcher {
  private names: Record<string, string> = {};
  private readonly summarised = new Set<number>();
  private impact = '';
  private reverts = '';
  private artifact: string | undefined;
  private lastWaves: Wave[] = [];
  /** Waves of the strategy (a wave that adds no device has no tally of its own). */
  private totalWaves: number | undefined;

  take(message: SseMessage): { lines: string[]; end?: WatchEnd } {
    if (message.event === 'devices') {
      const names = Names.safeParse(message.data);
      if (names.success) this.names = names.data.names;
      return { lines: [] };
    }
    if (message.event === 'snapshot') {
      const snapshot = Snapshot.safeParse(message.data).data;
      this.totalWaves = snapshot?.strategy.waves.length;
      if (snapshot?.artifact) this.artifact = `${snapshot.artifact.name}@${snapshot.artifact.version}`;
    }
    if (message.event === 'summary') return { lines: this.summaryLines(message.data) };
    const out = watchLines(message, (id) => this.names[id] ?? id, this.artifact);
    if (!out.end) return out;
    // The rollout ended: every wave that began and was not summarised yet gets its line now.
    const rest = this.lastWaves
      .filter((w) => !this.summarised.has(w.wave) && w.pending < w.devices)
      .map((w) => waveLine(w, this.totalWaves ?? this.lastWaves.length));
    return { lines: [...rest, ...out.lines], end: out.end };
  }

  private summaryLines(data: unknown): string[] {
    const summary = Summary.safeParse(data);
    if (!summary.success) return [];
    const { waves, devicesDown, unreachable } = summary.data;
    this.lastWaves = waves;
    const lines: string[] = [];
    for (const w of waves) {
      const done = w.pending === 0 && w.inFlight === 0 && w.devices > w.excluded;
      if (done && !this.summarised.has(w.wave)) {
        this.summarised.add(w.wave);
        lines.push(waveLine(w, this.totalWaves ?? waves.length));
      }
    }
    const impact = `fleet impact: ${devicesDown} device(s) down, ${unreachable} unreachable`;
    if (impact !== this.impact && (devicesDown > 0 || unreachable > 0 || this.impact !== '')) lines.push(impact);
    this.impact = impact;
    // After an abort with revert: how the reverts stand, whenever that changes.
    const reverts = summary.data.reverts ? revertLine(summary.data.reverts) : '';
    if (reverts && reverts !== this.reverts) lines.push(reverts);
    this.reverts = reverts;
    return lines;
  }
}
