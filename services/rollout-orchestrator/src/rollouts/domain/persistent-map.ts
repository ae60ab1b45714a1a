/** The version that holds the one mutable Map. */
interface Root<K, V> {
  map: Map<K, V>;
}

/** This version is `next` with `key` set back to `value` (or absent when `had` is false). */
interface Diff<K, V> {
  key: K;
  had: boolean;
  value: V | undefined;
  next: PersistentMap<K, V>;
}

/**
 * A map whose every version stays readable and unchanged, at the cost of a plain Map for the
 * version in use: Baker's "shallow binding" (rerooting), as in Conchon & Filliâtre, "A Persistent
 * Union-Find Data Structure" (2007). One Map holds the data of the version used last; every other
 * version is a chain of one-entry undo records leading to it. `set` writes into the Map and turns
 * the old version into an undo record: O(1). Using an older version first walks the chain back
 * (O(versions between)), which is what a retried or abandoned decision costs: its few events.
 * So a folded rollout can be shared by the aggregate cache, a decision that evolves it
 * speculatively and a retry after a failed append, and none of them sees the others' changes.
 * Not safe to iterate lazily across a `set` on another version: `forEach` and `size` are eager.
 */
export class PersistentMap<K, V> {
  private constructor(private node: Root<K, V> | Diff<K, V>) {}

  static empty<K, V>(): PersistentMap<K, V> {
    return new PersistentMap<K, V>({ map: new Map() });
  }

  get(key: K): V | undefined {
    return this.map().get(key);
  }

  has(key: K): boolean {
    return this.map().has(key);
  }

  get size(): number {
    return this.map().size;
  }

  forEach(fn: (value: V, key: K) => void): void {
    for (const [key, value] of [...this.map()]) fn(value, key);
  }

  /** A new version with `key` set to `value`; this one keeps what it had. */
  set(key: K, value: V): PersistentMap<K, V> {
    const map = this.map();
    const had = map.has(key);
    const old = map.get(key);
    map.set(key, value);
    const next = new PersistentMap<K, V>({ map });
    this.node = { key, had, value: old, next };
    return next;
  }

  private map(): Map<K, V> {
    if ('map' in this.node) return this.node.map;
    // Walk to the version that holds the Map, then undo the diffs back to this one, each step
    // turning the version it leaves into the inverse diff (iterative: chains can be long).
    const path: PersistentMap<K, V>[] = [this];
    for (let node: Root<K, V> | Diff<K, V> = this.node; !('map' in node); node = path.at(-1)!.node) path.push(node.next);
    const { map } = path.pop()!.node as Root<K, V>;
    for (let i = path.length - 1; i >= 0; i--) {
      const version = path[i]!;
      const diff = version.node as Diff<K, V>;
      const holder = diff.next;
      const had = map.has(diff.key);
      const current = map.get(diff.key);
      if (diff.had) map.set(diff.key, diff.value as V);
      else map.delete(diff.key);
      version.node = { map };
      holder.node = { key: diff.key, had, value: current, next: version };
    }
    return map;
  }
}
