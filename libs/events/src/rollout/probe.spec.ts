import { Probe } from './probe.js';

function issuesOf(raw: unknown): string[] {
  const result = Probe.safeParse(raw);
  if (result.success) throw new Error('parsed, but should have been rejected');
  return result.error.issues.map((i) => i.path.join('.'));
}

const timing = { timeoutSeconds: 10, attempts: 3, initialDelaySeconds: 15 };

describe('probe', () => {
  it('parses each kind to itself', () => {
    for (const probe of [
      { kind: 'exec', path: '/opt/inspector/bin/selftest', args: ['--model', 'yolo-v8n'], ...timing },
      { kind: 'http', url: 'http://127.0.0.1:8080/healthz', ...timing },
      { kind: 'file', path: '/run/inspector/ready', ...timing },
    ]) {
      expect(Probe.parse(probe)).toEqual(probe);
    }
  });

  it('waits 0 seconds before the first attempt unless told otherwise', () => {
    expect(Probe.parse({ kind: 'file', path: '/run/ready', timeoutSeconds: 5, attempts: 1 })).toMatchObject({ initialDelaySeconds: 0 });
  });

  describe('rejects', () => {
    const http = { kind: 'http', url: 'http://127.0.0.1:8080/healthz', ...timing };

    it('a timeout outside 1-300 seconds', () => {
      expect(issuesOf({ ...http, timeoutSeconds: 0 })).toEqual(['timeoutSeconds']);
      expect(issuesOf({ ...http, timeoutSeconds: 301 })).toEqual(['timeoutSeconds']);
    });

    it('attempts outside 1-10 and a delay over an hour', () => {
      expect(issuesOf({ ...http, attempts: 11, initialDelaySeconds: 3601 })).toEqual(['attempts', 'initialDelaySeconds']);
      expect(issuesOf({ ...http, attempts: 0 })).toEqual(['attempts']);
    });

    it('a relative exec path, or one with .. in it', () => {
      expect(issuesOf({ kind: 'exec', path: 'bin/selftest', ...timing })).toEqual(['path']);
      expect(issuesOf({ kind: 'exec', path: '/opt/allowed/../../bin/sh', ...timing })).toEqual(['path']);
    });

    it('more than 16 arguments', () => {
      expect(issuesOf({ kind: 'exec', path: '/opt/inspector/bin/selftest', args: Array(17).fill('-v'), ...timing })).toEqual(['args']);
    });

    it('a URL that is not http or https', () => {
      expect(issuesOf({ ...http, url: 'file:///etc/passwd' })).toEqual(['url']);
    });

    it('a kind that does not exist, such as a shell', () => {
      expect(issuesOf({ kind: 'shell', command: 'true', ...timing })).toEqual(['kind']);
    });
  });
});
