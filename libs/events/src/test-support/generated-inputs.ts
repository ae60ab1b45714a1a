import { others } from './input-pools.js';

/** mulberry32: a failing seed can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random choices for generated messages, drawn from one seeded source so that a run can be replayed. */
export class Inputs {
  constructor(private readonly random: () => number) {}
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
  /** Mostly a good value from `good`, sometimes any of `pool`, rarely something of another kind. */
  value(good: readonly unknown[], pool: readonly unknown[]): unknown {
    return this.chance(0.75) ? this.pick(good) : this.chance(0.7) ? this.pick(pool) : this.pick(others);
  }
  /** `fields` with optional keys left out, a key dropped or added now and then, in a random order. */
  object(fields: Record<string, () => unknown>, optional: readonly string[]): Record<string, unknown> {
    const entries = Object.entries(fields).filter(([k]) => !(optional.includes(k) && this.chance(0.5)) && !this.chance(0.03));
    const out = entries.map(([k, make]) => [k, make()] as [string, unknown]);
    if (this.chance(0.04)) out.push([this.pick(['extra', 'Type', '__proto__', 'steps', 'reason']), this.pick([...others, 'x'])]);
    if (this.chance(0.3)) out.reverse();
    return Object.fromEntries(out);
  }
  envelope(type: string, version: number, data: unknown): unknown {
    const raw = this.object(
      {
        type: () => (this.chance(0.97) ? type : this.pick(['Other', 1, null])),
        schemaVersion: () => (this.chance(0.95) ? version : this.pick([version + 1, `${version}`, 0])),
        data: () => (this.chance(0.98) ? data : this.pick(others)),
      },
      [],
    );
    return this.chance(0.02) ? [raw] : raw;
  }
}
