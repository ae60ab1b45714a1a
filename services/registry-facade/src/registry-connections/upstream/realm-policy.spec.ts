import { checkRealm } from './realm-policy.js';
import { UpstreamRefused } from './upstream-errors.js';

const registryUrl = new URL('https://registry.example:5000');

function refusal(realm: string | undefined, allowed: string[] = []): string {
  try {
    checkRealm(realm, { registryUrl, allowedRealmOrigins: allowed });
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamRefused);
    expect((err as UpstreamRefused).code).toBe('registry.realm-refused');
    return (err as Error).message;
  }
  throw new Error(`realm ${realm} was accepted`);
}

describe('where stored credentials may go for a token', () => {
  it("accepts a realm on the registry's own origin", () => {
    expect(checkRealm('https://registry.example:5000/token', { registryUrl }).href).toBe('https://registry.example:5000/token');
  });

  it('accepts a realm on an origin the operator allowed', () => {
    expect(checkRealm('https://auth.example/token', { registryUrl, allowedRealmOrigins: ['https://auth.example'] }).origin).toBe(
      'https://auth.example',
    );
  });

  it('refuses a realm on another origin, even another port of the same host', () => {
    expect(refusal('https://auth.example/token')).toContain("'https://auth.example' is not the registry's origin");
    expect(refusal('https://registry.example:5001/token')).toContain('https://registry.example:5001');
  });

  it('refuses a plain http realm for an https registry, even when its origin was allowed', () => {
    expect(refusal('http://auth.example/token', ['http://auth.example'])).toContain('plain http');
  });

  it('refuses a missing realm, one that is not a URL, another scheme, or one with credentials in it', () => {
    expect(refusal(undefined)).toContain('without naming a realm');
    expect(refusal('not a url')).toContain('is not a URL');
    expect(refusal('ftp://registry.example:5000/token')).toContain('not http(s)');
    expect(refusal('https://u:p@registry.example:5000/token')).toContain('credentials of its own');
  });

  it('lets an http registry use an http realm on its own origin', () => {
    expect(checkRealm('http://127.0.0.1:5000/token', { registryUrl: new URL('http://127.0.0.1:5000') }).protocol).toBe('http:');
  });
});
