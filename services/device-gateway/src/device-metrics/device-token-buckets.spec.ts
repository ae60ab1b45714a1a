import { DeviceTokenBuckets } from './device-token-buckets.js';

describe('a token bucket per device', () => {
  const limit = { burst: 3, refillMs: 10_000 };

  it('lets a burst through, then one per refill period', () => {
    const buckets = new DeviceTokenBuckets(limit);
    expect([0, 1, 2, 3].map((t) => buckets.take('cam-1', t))).toEqual([true, true, true, false]);
    expect(buckets.take('cam-1', 9_000)).toBe(false);
    expect(buckets.take('cam-1', 10_003)).toBe(true);
    expect(buckets.take('cam-1', 10_004)).toBe(false);
  });

  it('keeps each device to its own bucket', () => {
    const buckets = new DeviceTokenBuckets(limit);
    for (let t = 0; t < 3; t++) buckets.take('cam-1', t);
    expect(buckets.take('cam-1', 5)).toBe(false);
    expect(buckets.take('cam-2', 5)).toBe(true);
  });

  it('never holds more than a burst, however long a device was quiet', () => {
    const buckets = new DeviceTokenBuckets(limit);
    buckets.take('cam-1', 0);
    const later = 1_000_000;
    expect([0, 1, 2, 3].map((i) => buckets.take('cam-1', later + i))).toEqual([true, true, true, false]);
  });

  it('forgets devices whose bucket is full again', () => {
    const buckets = new DeviceTokenBuckets(limit);
    buckets.take('cam-1', 0);
    buckets.take('cam-2', 0);
    expect(buckets.tracked).toBe(2);
    buckets.take('cam-3', 30_000);
    expect(buckets.tracked).toBe(1);
  });

  it('refuses a limit that lets nothing through', () => {
    expect(() => new DeviceTokenBuckets({ burst: 0, refillMs: 1_000 })).toThrow(/burst of at least 1/);
  });
});
