import { siteProfileOf } from './site-profiles.js';

describe('simulated site profiles', () => {
  it('alternates lines and memory by the number in the name, all Jetson Orin Nano on arm64', () => {
    expect(siteProfileOf('sim-1')).toEqual({
      labels: { site: 'north' },
      hardware: { accelerator: 'jetson-orin-nano', architecture: 'arm64', memoryMb: 8192 },
    });
    expect(siteProfileOf('sim-2').labels).toEqual({ site: 'south' });
    expect(siteProfileOf('sim-3').hardware?.memoryMb).toBe(4096);
    expect(siteProfileOf('sim-10')).toMatchObject({ labels: { site: 'south' }, hardware: { memoryMb: 8192 } });
  });
});
