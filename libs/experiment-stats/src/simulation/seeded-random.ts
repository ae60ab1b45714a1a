/** A seeded source of numbers, so a simulation gives the same figures on every run and machine. */
export interface SeededRandom {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Standard normal. */
  normal(): number;
}

// Read once: inside Jest's VM context every lookup of a global such as `Math` is slow, and this runs millions of times.
const { imul, sqrt, log, sin, cos, PI } = Math;

/** mulberry32 (Tommy Ettinger's 32-bit generator) with Box–Muller normals: small, fast, good enough for Monte Carlo error rates. */
export function seededRandom(seed: number): SeededRandom {
  let a = seed >>> 0;
  let spare: number | undefined;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const u = 1 - uniform(); // (0, 1]: log(0) would be -Infinity
    const r = sqrt(-2 * log(u));
    const theta = 2 * PI * uniform();
    spare = r * sin(theta);
    return r * cos(theta);
  };
  return { uniform, normal };
}
