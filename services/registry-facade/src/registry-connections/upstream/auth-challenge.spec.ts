import { parseAuthChallenges } from './auth-challenge.js';

describe('reading a WWW-Authenticate header', () => {
  it('reads a Bearer challenge with quoted parameters as distribution sends it', () => {
    const header = 'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull"';
    expect(parseAuthChallenges(header)).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:team/app:pull' } },
    ]);
  });

  it('reads a Basic challenge, names case-insensitively and escapes inside quotes', () => {
    expect(parseAuthChallenges('Basic Realm="say \\"hi\\""')).toEqual([{ scheme: 'basic', params: { realm: 'say "hi"' } }]);
  });

  it('reads several challenges in one header', () => {
    expect(parseAuthChallenges('Basic realm="r", Bearer realm="https://a/t", service=reg').map((c) => [c.scheme, c.params])).toEqual([
      ['basic', { realm: 'r' }],
      ['bearer', { realm: 'https://a/t', service: 'reg' }],
    ]);
  });

  it('yields nothing for a missing or empty header, and stops at an unreadable value', () => {
    expect(parseAuthChallenges(undefined)).toEqual([]);
    expect(parseAuthChallenges('   ')).toEqual([]);
    expect(parseAuthChallenges('Bearer realm="unterminated')).toEqual([{ scheme: 'bearer', params: {} }]);
  });
});
