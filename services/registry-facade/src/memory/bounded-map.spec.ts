import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('keeps at most maxEntries, pushing out the least recently used', () => {
    const evicted: string[] = [];
    const map = new BoundedMap<number>({ maxEntries: 2, onEvict: (key) => evicted.push(key) });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // a is now the most recently used
    map.set('c', 3);
    expect([map.size, map.get('b'), map.get('a'), map.get('c'), evicted]).toEqual([2, undefined, 1, 3, ['b']]);
  });

  it('keeps at most maxWeight, and nothing that alone weighs more', () => {
    const map = new BoundedMap<string>({ maxEntries: 100, maxWeight: 10, weigh: (s) => s.length });
    map.set('a', 'xxxx');
    map.set('b', 'yyyy');
    map.set('c', 'zzzz');
    expect([map.size, map.weight, map.get('a')]).toEqual([2, 8, undefined]);
    map.set('huge', 'w'.repeat(11));
    expect([map.get('huge'), map.size, map.weight]).toEqual([undefined, 2, 8]);
    map.set('b', 'y');
    map.delete('c');
    expect([map.size, map.weight]).toEqual([1, 1]);
  });
});
