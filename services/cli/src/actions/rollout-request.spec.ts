import { ExecProbe, HttpProbe } from '@keelson/events';
import { CliError } from '../cli-io.js';
import { probeOf, rolloutRequestOf, strategyOf } from './rollout-request.js';

describe('rollout create flags', () => {
  it('uses the defaults: timeout 30 s, 3 attempts, no delay, every gate auto, no failure tolerated', () => {
    expect(rolloutRequestOf({ artifact: 'm@1', group: 'g', waves: '10,50,100', probe: 'file:/run/app/ready' })).toEqual({
      artifact: 'm@1',
      group: 'g',
      probe: { kind: 'file', path: '/run/app/ready', timeoutSeconds: 30, attempts: 3, initialDelaySeconds: 0 },
      strategy: {
        waves: [
          { percent: 10, gate: 'auto' },
          { percent: 50, gate: 'auto' },
          { percent: 100, gate: 'auto' },
        ],
        maxFailures: 0,
      },
    });
  });

  it('takes one device (or several) instead of a group, a selector, --on-misfit and --supersede', () => {
    const base = { artifact: 'm@stable', waves: '100', probe: 'file:/x' };
    expect(
      rolloutRequestOf({ ...base, device: ['cam-01', 'cam-02,cam-03'], 'on-misfit': 'exclude', supersede: 'force known-good' }),
    ).toMatchObject({
      artifact: 'm@stable',
      devices: ['cam-01', 'cam-02', 'cam-03'],
      onMisfit: 'exclude',
      supersede: { reason: 'force known-good' },
    });
    expect(rolloutRequestOf({ ...base, selector: 'accelerator=jetson-orin, memoryMb>=8000' })).toMatchObject({
      selector: 'accelerator=jetson-orin, memoryMb>=8000',
    });
    expect(() => rolloutRequestOf({ ...base })).toThrow(/exactly one of --group/);
    expect(() => rolloutRequestOf({ ...base, group: 'g', selector: 'a=b' })).toThrow(CliError);
    expect(() => rolloutRequestOf({ ...base, group: 'g', 'on-misfit': 'ignore' })).toThrow(/reject or exclude/);
  });

  it('reads each probe form', () => {
    expect(probeOf({ probe: 'http:http://127.0.0.1:8080/health' })).toMatchObject({ kind: 'http', url: 'http://127.0.0.1:8080/health' });
    expect(probeOf({ probe: 'https://device.local/ready' })).toMatchObject({ kind: 'http', url: 'https://device.local/ready' });
    expect(probeOf({ probe: 'exec:/usr/bin/check', 'probe-timeout': '5', 'probe-attempts': '10', 'probe-delay': '2' })).toEqual({
      kind: 'exec',
      path: '/usr/bin/check',
      timeoutSeconds: 5,
      attempts: 10,
      initialDelaySeconds: 2,
    });
  });

  it('passes out-of-range numbers on for the API to refuse with its message', () => {
    expect(probeOf({ probe: 'file:/x', 'probe-timeout': '0', 'probe-attempts': '11' })).toMatchObject({ timeoutSeconds: 0, attempts: 11 });
  });

  it('takes a failure rate (both flags or neither), a throttle and a per-device timeout', () => {
    const base = { waves: '100' };
    expect(
      strategyOf({
        ...base,
        'max-failures': '5',
        'max-failure-percent': '2.5',
        'min-finished': '40',
        'max-concurrent': '50',
        'device-timeout': '900',
      }),
    ).toEqual({
      waves: [{ percent: 100, gate: 'auto' }],
      maxFailures: 5,
      failureRate: { maxPercent: 2.5, minFinished: 40 },
      maxConcurrent: 50,
      deviceTimeoutSeconds: 900,
    });
    expect(() => strategyOf({ ...base, 'max-failure-percent': '5' })).toThrow(/go together/);
    expect(() => strategyOf({ ...base, 'max-failure-percent': 'lots', 'min-finished': '3' })).toThrow(/must be a number/);
    expect(() => strategyOf({ ...base, 'device-timeout': '30m' })).toThrow(/whole number/);
  });

  it('pairs gates with waves', () => {
    expect(strategyOf({ waves: '10,100', gates: 'manual,auto', 'max-failures': '2' })).toEqual({
      waves: [
        { percent: 10, gate: 'manual' },
        { percent: 100, gate: 'auto' },
      ],
      maxFailures: 2,
    });
  });

  it.each([
    [{ waves: '10,100', gates: 'manual' }, /2 waves/],
    [{ waves: '10,100', gates: 'manual,later' }, /auto or manual/],
    [{ waves: '10,half' }, /whole number/],
  ])('refuses %p as a usage error', (flags, message) => {
    expect(() => strategyOf(flags)).toThrow(message);
    expect(() => strategyOf(flags)).toThrow(CliError);
  });

  it.each([
    ['http:localhost:8080/ready', 'http://localhost:8080/ready'],
    ['http:127.0.0.1/health', 'http://127.0.0.1/health'],
    ['http:[::1]:9000/ok', 'http://[::1]:9000/ok'],
    ['http:http://localhost:8080/ready', 'http://localhost:8080/ready'],
    ['http:https://device.local:8443/ready', 'https://device.local:8443/ready'],
    ['http://localhost:8080/ready', 'http://localhost:8080/ready'],
  ])('reads the http probe %s as %s', (probe, url) => {
    expect(probeOf({ probe })).toEqual({ kind: 'http', url, timeoutSeconds: 30, attempts: 3, initialDelaySeconds: 0 });
    expect(HttpProbe.safeParse(probeOf({ probe })).success).toBe(true); // the API's own schema takes it
  });

  it.each(['http:/ready', 'http:ftp://host/x', 'http:localhost:port/ready', 'http:http://', 'http:local host/x'])(
    'refuses the http probe %s as a usage error',
    (probe) => {
      expect(() => probeOf({ probe })).toThrow(/is not an http probe: give http:HOST\[:PORT\]\/PATH/);
      expect(() => probeOf({ probe })).toThrow(CliError);
    },
  );

  it('passes exec probe arguments as they are, in order, and refuses them for other kinds', () => {
    expect(probeOf({ probe: 'exec:/usr/bin/check', 'probe-arg': ['--port', '8080', 'a b'] })).toMatchObject({
      kind: 'exec',
      path: '/usr/bin/check',
      args: ['--port', '8080', 'a b'],
    });
    expect(ExecProbe.safeParse(probeOf({ probe: 'exec:/usr/bin/check', 'probe-arg': ['-v'] })).success).toBe(true);
    expect(probeOf({ probe: 'exec:/usr/bin/check', 'probe-arg': [] })).not.toHaveProperty('args');
    expect(() => probeOf({ probe: 'file:/x', 'probe-arg': ['-v'] })).toThrow(/exec probes only/);
  });

  it('refuses an unknown probe kind and missing flags', () => {
    expect(() => probeOf({ probe: 'tcp:1234' })).toThrow(/file:PATH/);
    expect(() => rolloutRequestOf({ group: 'g', waves: '100', probe: 'file:/x' })).toThrow(/--artifact/);
  });
});
