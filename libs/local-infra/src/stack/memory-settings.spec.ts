import {
  natsEnvironment,
  natsMemoryLimit,
  semiSpaceMiBOf,
  serviceHeapGrowingPercent,
  serviceNodeArgs,
  serviceSemiSpaceMiB,
} from './memory-settings.js';

describe('serviceNodeArgs', () => {
  it('caps the young generation and the old generation’s growth of every service by default, and the old generation’s size of none', () => {
    const growth = `--heap-growing-percent=${serviceHeapGrowingPercent}`;
    expect(serviceNodeArgs()).toEqual(['--enable-source-maps', `--max-semi-space-size=${serviceSemiSpaceMiB}`, growth]);
    expect(serviceNodeArgs(4)).toEqual(['--enable-source-maps', '--max-semi-space-size=4', growth]);
    expect(serviceNodeArgs(4, 30)).toEqual(['--enable-source-maps', '--max-semi-space-size=4', '--heap-growing-percent=30']);
    expect(serviceNodeArgs().join(' ')).not.toContain('max-old-space-size');
  });

  it('leaves the heap to V8 with 0, and refuses what is not a size', () => {
    expect(serviceNodeArgs(0, 0)).toEqual(['--enable-source-maps']);
    expect(serviceNodeArgs(0)).toEqual(['--enable-source-maps', `--heap-growing-percent=${serviceHeapGrowingPercent}`]);
    expect(serviceNodeArgs(32, 0)).toEqual(['--enable-source-maps', '--max-semi-space-size=32']);
    for (const bad of [-1, 1.5, 2048, Number.NaN]) expect(() => serviceNodeArgs(bad)).toThrow(/semiSpaceMiB must be an integer 0-1024/);
    for (const bad of [-1, 2.5, 1001]) expect(() => serviceNodeArgs(32, bad)).toThrow(/heapGrowingPercent must be an integer 0-1000/);
  });
});

describe('semiSpaceMiBOf', () => {
  it('caps the facade lower than the other services, which get the default', () => {
    expect(semiSpaceMiBOf('registry-facade')).toBe(16);
    expect(semiSpaceMiBOf('device-gateway')).toBe(serviceSemiSpaceMiB);
    expect(semiSpaceMiBOf('signer')).toBe(serviceSemiSpaceMiB);
  });
});

describe('natsEnvironment', () => {
  it('gives nats-server a Go memory limit, the operator’s if set', () => {
    expect(natsEnvironment({})).toEqual({ GOMEMLIMIT: natsMemoryLimit });
    expect(natsEnvironment({ GOMEMLIMIT: '2GiB' })).toEqual({ GOMEMLIMIT: '2GiB' });
    expect(natsEnvironment({ GOMEMLIMIT: 'off' })).toEqual({ GOMEMLIMIT: 'off' });
  });

  it('refuses a limit Go would not read', () => {
    expect(() => natsEnvironment({ GOMEMLIMIT: '1 GB' })).toThrow(/GOMEMLIMIT must be/);
    expect(() => natsEnvironment({}, '900MB')).toThrow(/GOMEMLIMIT must be/);
  });
});
