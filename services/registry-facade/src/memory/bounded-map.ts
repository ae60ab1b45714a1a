export interface BoundedMapOptions<V> {
  /** Most entries kept; the least recently used goes first. */
  maxEntries: number;
  /** Most total weight kept (e.g. bytes), with `weigh` giving each value's; unlimited without. */
  maxWeight?: number;
  weigh?: (value: V) => number;
  /** Told of each entry pushed out to make room (not of `delete`). */
  onEvict?: (key: string, value: V) => void;
}

/**
 * A Map that never grows past its bounds: on `set`, the least recently used entries make room.
 * A Map iterates in insertion order, so re-inserting on each hit keeps the oldest entry first.
 */
export class BoundedMap<V> {
  private readonly entries = new Map<string, { value: V; weight: number }>();
  private totalWeight = 0;

  constructor(private readonly o: BoundedMapOptions<V>) {}

  get size(): number {
    return this.entries.size;
  }

  get weight(): number {
    return this.totalWeight;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Keeps `value` unless it alone weighs more than the bound (then nothing is kept under `key`). */
  set(key: string, value: V): void {
    this.delete(key);
    const weight = this.o.weigh?.(value) ?? 0;
    if (this.o.maxWeight !== undefined && weight > this.o.maxWeight) return;
    while (this.entries.size >= this.o.maxEntries || (this.o.maxWeight !== undefined && this.totalWeight + weight > this.o.maxWeight)) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.entries.delete(oldest);
      this.totalWeight -= entry.weight;
      this.o.onEvict?.(oldest, entry.value);
    }
    this.entries.set(key, { value, weight });
    this.totalWeight += weight;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.totalWeight -= entry.weight;
  }

  clear(): void {
    this.entries.clear();
    this.totalWeight = 0;
  }
}
