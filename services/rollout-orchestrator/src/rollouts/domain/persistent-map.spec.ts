import { PersistentMap } from './persistent-map.js';

const contents = <V>(map: PersistentMap<string, V>) => {
  const out: Record<string, V> = {};
  map.forEach((v, k) => (out[k] = v));
  return out;
};

describe('a persistent map', () => {
  it('leaves every earlier version as it was, whichever version is used in between', () => {
    const empty = PersistentMap.empty<string, number>();
    const one = empty.set('a', 1);
    const two = one.set('b', 2);
    const changed = two.set('a', 10);
    expect(contents(empty)).toEqual({});
    expect(contents(changed)).toEqual({ a: 10, b: 2 });
    expect(contents(one)).toEqual({ a: 1 });
    expect(two.get('a')).toBe(1);
    expect(changed.get('a')).toBe(10);
    expect([empty.size, one.size, two.size, changed.size]).toEqual([0, 1, 2, 2]);
    expect(empty.has('a')).toBe(false);
  });

  it('branches: two versions made from the same one do not see each other', () => {
    const base = PersistentMap.empty<string, string>().set('d-1', 'assigned');
    const retried = base.set('d-2', 'healthy');
    const abandoned = base.set('d-1', 'failed');
    expect(contents(retried)).toEqual({ 'd-1': 'assigned', 'd-2': 'healthy' });
    expect(contents(abandoned)).toEqual({ 'd-1': 'failed' });
    expect(contents(base)).toEqual({ 'd-1': 'assigned' });
    expect(contents(retried.set('d-3', 'healthy'))).toEqual({ 'd-1': 'assigned', 'd-2': 'healthy', 'd-3': 'healthy' });
    expect(abandoned.get('d-2')).toBeUndefined();
  });

  it('goes back over a long history without recursion', () => {
    const first = PersistentMap.empty<number, number>().set(0, 0);
    let latest = first;
    for (let i = 1; i <= 200_000; i++) latest = latest.set(i % 7, i);
    expect(contents(first as unknown as PersistentMap<string, number>)).toEqual({ 0: 0 });
    expect(latest.get(200_000 % 7)).toBe(200_000);
  });
});
