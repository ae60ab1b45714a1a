import { eventually } from './eventually.js';

/** A check that holds from its `n`th call on, counting its calls. */
function holdsFrom<T>(n: number, value: T) {
  let calls = 0;
  const check = async () => (++calls >= n ? value : undefined);
  return { check, calls: () => calls };
}

describe('eventually', () => {
  it('returns what the check found once it finds something', async () => {
    const third = holdsFrom(3, { rolloutId: 'r-1' });
    await expect(eventually('the rollout', third.check)).resolves.toEqual({ rolloutId: 'r-1' });
    expect(third.calls()).toBe(3);
  });

  it('keeps checking while a check answers false, and resolves once it answers true', async () => {
    let calls = 0;
    await expect(eventually(() => ++calls === 4)).resolves.toBe(true);
    expect(calls).toBe(4);
  });

  it('gives up once its time is out, naming what it waited for', async () => {
    await expect(eventually(() => false, { ms: 30, what: 'a device that never reports' })).rejects.toThrow(
      'timed out after 30 ms waiting for a device that never reports',
    );
    await expect(eventually('a wave that never starts', async () => undefined, 30)).rejects.toThrow('waiting for a wave that never starts');
  });

  it('stops at the first error a check throws, without waiting out its time', async () => {
    const broken = new Error('the platform answered 500');
    let calls = 0;
    const check = () => {
      calls += 1;
      throw broken;
    };
    await expect(eventually(check, 60_000)).rejects.toBe(broken);
    expect(calls).toBe(1);
  });
});
