import type { Strategy, TerminalDeviceState } from '@keelson/events';
import type { RolloutCommand } from '../rollouts/domain/rollout.decider.js';
import { artifact, at, fleet, probe, rolloutId } from './rollout-history.js';

/** A small seeded generator (mulberry32), so a failing seed can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ref = { fleet, rolloutId };
const states: TerminalDeviceState[] = ['healthy', 'healthy', 'healthy', 'rolled_back', 'failed'];

/**
 * Random rollout histories: a strategy (waves, gates, halt rule, throttle, timeout) over `count`
 * devices, then commands of every kind about random devices — reports of assigned and unassigned
 * ones, wrong assignments, exclusions, timeouts, reachability news in and out of order, gates,
 * operator halts, resumes, aborts and supersedes — at a clock that moves forward.
 */
export class RandomRolloutCommands {
  private clock = Date.parse(at);
  private seq = 0;
  readonly deviceIds: string[];

  constructor(
    private readonly random: () => number,
    count: number,
  ) {
    this.deviceIds = Array.from({ length: count }, (_, i) => `d-${String(i).padStart(5, '0')}`);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  strategy(): Strategy {
    const waves: Strategy['waves'] = [];
    for (let percent = 0; percent < 100;) {
      percent = this.chance(0.4) ? 100 : Math.min(100, percent + 1 + Math.floor(this.random() * 50));
      waves.push({ percent, gate: this.chance(0.3) ? 'manual' : 'auto' });
    }
    return {
      waves,
      maxFailures: this.pick([0, 1, 3, 1000]),
      ...(this.chance(0.3) ? { failureRate: { maxPercent: this.pick([10, 50]), minFinished: this.pick([1, 5]) } } : {}),
      ...(this.chance(0.5) ? { maxConcurrent: this.pick([1, 2, 5]) } : {}),
      deviceTimeoutSeconds: 60,
    };
  }

  create(strategy: Strategy): RolloutCommand {
    return { type: 'CreateRollout', ...ref, at, artifact, groupId: 'g-random', deviceIds: this.deviceIds, probe, strategy };
  }

  /** The next command; `assigned` are the devices assigned so far (reports mostly come from them). */
  next(assigned: readonly string[]): RolloutCommand {
    this.clock += Math.floor(this.random() * 40_000);
    const now = new Date(this.clock).toISOString();
    const device = assigned.length > 0 && this.chance(0.8) ? this.pick(assigned) : this.pick(this.deviceIds);
    const roll = this.random();
    if (roll < 0.55) {
      const assignmentId = this.chance(0.95) ? `${rolloutId}-${device}` : `other-${device}`;
      return {
        type: 'RecordDeviceOutcome',
        ...ref,
        at: now,
        deviceId: device,
        assignmentId,
        state: this.pick(states),
        ...(this.chance(0.3) ? { reason: 'probe failed' } : {}),
      };
    }
    if (roll < 0.62) return { type: 'TimeOutDevice', ...ref, at: now, deviceId: device };
    if (roll < 0.65) return { type: 'TimeOutRevert', ...ref, at: now, deviceId: device };
    if (roll < 0.77) {
      const asOfSeq = this.chance(0.8) ? ++this.seq : Math.max(0, this.seq - 3);
      return { type: 'NoteDeviceReachability', ...ref, at: now, deviceId: device, reachable: this.chance(0.5), asOfSeq };
    }
    if (roll < 0.82) return { type: 'ExcludeDevice', ...ref, at: now, deviceId: device, reason: 'device decommissioned' };
    if (roll < 0.9) return { type: 'ApproveWave', ...ref, at: now, ...(this.chance(0.5) ? { wave: Math.floor(this.random() * 4) } : {}) };
    if (roll < 0.94) return { type: 'ResumeRollout', ...ref, at: now };
    if (roll < 0.97) return { type: 'HaltRollout', ...ref, at: now, reason: 'operator halt' };
    if (roll < 0.99) {
      const deviceIds = [...new Set(Array.from({ length: 1 + Math.floor(this.random() * 4) }, () => this.pick(this.deviceIds)))];
      return { type: 'SupersedeDevices', ...ref, at: now, deviceIds, byRolloutId: 'r-newer', reason: 'newer build' };
    }
    if (this.chance(0.7)) return { type: 'ResumeRollout', ...ref, at: now };
    return { type: 'AbortRollout', ...ref, at: now, mode: this.chance(0.5) ? 'keep' : 'revert' };
  }
}
