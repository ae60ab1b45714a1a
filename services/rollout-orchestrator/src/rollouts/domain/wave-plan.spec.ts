import { strategy, tenDevices } from '../../test-fixtures/rollout-history.js';
import { coveredBy, devicesOfWave, orderDevices, waveOfEachDevice } from './wave-plan.js';

describe('wave plan', () => {
  describe('device order', () => {
    it('is the same every time for one rollout, so a replay plans the same waves', () => {
      expect(orderDevices('r-000000000001', tenDevices)).toEqual(orderDevices('r-000000000001', [...tenDevices].reverse()));
    });

    it('differs between rollouts, so the canary is not always the same device', () => {
      const canaries = new Set(Array.from({ length: 20 }, (_, i) => orderDevices(`r-${String(i).padStart(12, '0')}`, tenDevices)[0]));
      expect(canaries.size).toBeGreaterThan(3);
    });

    it('keeps every device once', () => {
      expect([...orderDevices('r-1', [...tenDevices, 'd-00'])].sort()).toEqual(tenDevices);
    });
  });

  describe('cumulative percentages', () => {
    const s = strategy([
      [10, 'auto'],
      [50, 'auto'],
      [100, 'auto'],
    ]);

    it('covers the first ceil(percent/100 x n) devices', () => {
      expect([0, 1, 2].map((w) => coveredBy(s, w, 10))).toEqual([1, 5, 10]);
      expect([0, 1, 2].map((w) => coveredBy(s, w, 7))).toEqual([1, 4, 7]);
      expect([0, 1, 2].map((w) => coveredBy(s, w, 1000))).toEqual([100, 500, 1000]);
    });

    it('gives the first wave at least one device, even of a tiny group', () => {
      expect(
        coveredBy(
          strategy([
            [1, 'auto'],
            [100, 'auto'],
          ]),
          0,
          3,
        ),
      ).toBe(1);
      expect([0, 1, 2].map((w) => coveredBy(s, w, 1))).toEqual([1, 1, 1]);
    });

    it('partitions the ordered devices into waves, some possibly empty', () => {
      const ordered = ['a', 'b'];
      expect([0, 1, 2].map((w) => devicesOfWave(s, w, ordered))).toEqual([['a'], [], ['b']]);
      expect(waveOfEachDevice(s, ordered)).toEqual(
        new Map([
          ['a', 0],
          ['b', 2],
        ]),
      );
    });
  });
});
