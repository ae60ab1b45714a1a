import { createAccount, createServer, fromPublic } from '@nats-io/nkeys';
import { decodeSignedJwt, NkeyJwtSigner } from './nkey-jwt.js';

const seedOf = (kp: ReturnType<typeof createAccount>) => new TextDecoder().decode(kp.getSeed());
const now = new Date('2026-11-22T10:00:00Z');

describe('NATS JWTs signed with node:crypto', () => {
  const account = createAccount();
  const signer = new NkeyJwtSigner(seedOf(account), account.getPublicKey());

  it('produce signatures the nkeys library accepts for the account key', () => {
    const jwt = signer.sign({ sub: 'UABC', nats: { type: 'user', version: 2 } }, now);
    const [h, p, s] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ typ: 'JWT', alg: 'ed25519-nkey' });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toMatchObject({
      iss: account.getPublicKey(),
      iat: now.getTime() / 1000,
      sub: 'UABC',
    });
    expect(fromPublic(account.getPublicKey()).verify(new TextEncoder().encode(`${h}.${p}`), Buffer.from(s, 'base64url'))).toBe(true);
  });

  it('decode a JWT signed by its issuer and refuse a tampered one', () => {
    const server = createServer();
    const serverSigner = new NkeyJwtSigner(seedOf(server), server.getPublicKey());
    const jwt = serverSigner.sign({ nats: { type: 'authorization_request' } }, now);
    expect(decodeSignedJwt(jwt)).toMatchObject({ iss: server.getPublicKey(), nats: { type: 'authorization_request' } });
    const [h, , s] = jwt.split('.');
    const forged = Buffer.from(
      JSON.stringify({ iss: server.getPublicKey(), nats: { type: 'authorization_request', user_nkey: 'evil' } }),
    ).toString('base64url');
    expect(() => decodeSignedJwt(`${h}.${forged}.${s}`)).toThrow(/does not verify/);
    expect(() => decodeSignedJwt('not.a-jwt')).toThrow();
  });

  it('refuse a seed that does not belong to the public key it is given', () => {
    expect(() => new NkeyJwtSigner(seedOf(account), createAccount().getPublicKey())).toThrow(/does not belong/);
    expect(() => new NkeyJwtSigner('SAnot-a-seed', account.getPublicKey())).toThrow(/nkey/);
  });
});
