import type { EnrollOptions } from '../enrollment/enroll.js';

/**
 * Labels and hardware for a simulated device that stands in for a camera box on a factory floor:
 * every one a Jetson Orin Nano (arm64), alternately on the `north` and `south` lines, every third with
 * 4 GB instead of 8 GB. With these, the sample model's hardware needs fit, and capability selectors
 * (`site=north`, `memoryMb>=8000`) pick a part of the fleet. The number is read from the name's end.
 */
export function siteProfileOf(name: string): Pick<EnrollOptions, 'labels' | 'hardware'> {
  const n = Number(/(\d+)$/.exec(name)?.[1] ?? 0);
  return {
    labels: { site: n % 2 === 1 ? 'north' : 'south' },
    hardware: { accelerator: 'jetson-orin-nano', architecture: 'arm64', memoryMb: n % 3 === 0 ? 4096 : 8192 },
  };
}
