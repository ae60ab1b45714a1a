import { loadServiceConfig } from '@keelson/service-kit';
import { signerSettings } from './signer-settings.js';

const secret = 'a-long-enough-key-secret';

describe('signer settings', () => {
  const config = (env: Record<string, string>) =>
    loadServiceConfig('signer', {
      KEELSON_NATS_URL: 'nats://127.0.0.1:4222',
      KEELSON_DATA_DIR: '/tmp/signer',
      KEELSON_SIGNER_KEY_SECRET: secret,
      ...env,
    });

  it('defaults to a day, a week, 90 days and a year, checked every minute', () => {
    expect(signerSettings(config({}))).toEqual({
      lifetimes: { timestamp: 86_400, snapshot: 604_800, targets: 7_776_000, root: 31_536_000 },
      renewCheckSeconds: 60,
      keysDir: '/tmp/signer/keys',
      keySecrets: { name: 'KEELSON_SIGNER_KEY_SECRET', current: secret, previous: undefined },
      credentialsAuditFleet: 'default',
      hashBins: 256,
    });
  });

  it('gives new repositories the hash bins asked for: a power of two from 2 to 512', () => {
    expect(signerSettings(config({ KEELSON_TUF_HASH_BINS: '16' })).hashBins).toBe(16);
    for (const bad of ['1', '100', '1024', 'many'])
      expect(() => signerSettings(config({ KEELSON_TUF_HASH_BINS: bad }))).toThrow(/KEELSON_TUF_HASH_BINS must be a power of two/);
  });

  it('refuses to start without a key secret, or with a short one, and never repeats the value', () => {
    expect(() => signerSettings(config({ KEELSON_SIGNER_KEY_SECRET: '' }))).toThrow(/KEELSON_SIGNER_KEY_SECRET must be set/);
    expect(() => signerSettings(config({ KEELSON_SIGNER_KEY_SECRET: 'short-secret' }))).toThrow(/at least 16/);
    expect(() => signerSettings(config({ KEELSON_SIGNER_KEY_SECRET: 'short-secret' }))).not.toThrow(/short-secret/);
  });

  it('takes the secret being replaced from KEELSON_SIGNER_KEY_SECRET_PREVIOUS while rotating, and refuses a bad one by name only', () => {
    const old = 'the-old-signer-key-secret';
    expect(signerSettings(config({ KEELSON_SIGNER_KEY_SECRET_PREVIOUS: old })).keySecrets).toEqual({
      name: 'KEELSON_SIGNER_KEY_SECRET',
      current: secret,
      previous: old,
    });
    expect(() => signerSettings(config({ KEELSON_SIGNER_KEY_SECRET_PREVIOUS: 'short-old' }))).toThrow(
      /KEELSON_SIGNER_KEY_SECRET_PREVIOUS must be at least 16/,
    );
    expect(() => signerSettings(config({ KEELSON_SIGNER_KEY_SECRET_PREVIOUS: secret }))).toThrow(
      /KEELSON_SIGNER_KEY_SECRET_PREVIOUS is the same/,
    );
    expect(() => signerSettings(config({ KEELSON_SIGNER_KEY_SECRET_PREVIOUS: secret }))).not.toThrow(new RegExp(secret));
    expect(() => signerSettings(config({ KEELSON_SIGNER_KEY_SECRET: '', KEELSON_SIGNER_KEY_SECRET_PREVIOUS: old }))).toThrow(
      /a rotation needs the new secret/,
    );
  });

  it('audits a rotation in KEELSON_CREDENTIALS_AUDIT_FLEET, which must be a fleet id', () => {
    expect(signerSettings(config({ KEELSON_CREDENTIALS_AUDIT_FLEET: 'hq' })).credentialsAuditFleet).toBe('hq');
    expect(() => signerSettings(config({ KEELSON_CREDENTIALS_AUDIT_FLEET: 'Not A Fleet' }))).toThrow(
      /KEELSON_CREDENTIALS_AUDIT_FLEET must be a fleet id/,
    );
  });

  it('refuses values that are not whole seconds, naming each, and a check slower than half a timestamp lifetime', () => {
    expect(() => signerSettings(config({ KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS: '0', KEELSON_TUF_ROOT_EXPIRY_SECONDS: '1.5' }))).toThrow(
      /KEELSON_TUF_ROOT_EXPIRY_SECONDS[\s\S]*KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS/,
    );
    expect(() => signerSettings(config({ KEELSON_TUF_TIMESTAMP_EXPIRY_SECONDS: '100', KEELSON_TUF_RENEW_CHECK_SECONDS: '60' }))).toThrow(
      /at most half/,
    );
  });
});
