import type { ServiceConfig } from '@keelson/service-kit';
import { checkRenewalKey, renewalKeyPolicyOf } from './renewal-key-policy.js';
import { RenewalRefusedError } from './renewal-refused.error.js';

const key = (byte: number) => new Uint8Array(91).fill(byte).buffer;

describe('the renewal key policy', () => {
  it('lets a renewal keep its key or rotate it by default, and says which', () => {
    expect(checkRenewalKey('any', key(1), key(1))).toEqual({ keyRotated: false });
    expect(checkRenewalKey('any', key(1), key(2))).toEqual({ keyRotated: true });
  });

  it('reads KEELSON_DEVICE_RENEWAL_KEY, any by default, and refuses a value it does not know', () => {
    const configWith = (env: Record<string, string>) => ({ env }) as unknown as ServiceConfig;
    expect(renewalKeyPolicyOf(configWith({}))).toBe('any');
    expect(renewalKeyPolicyOf(configWith({ KEELSON_DEVICE_RENEWAL_KEY: 'rotate' }))).toBe('rotate');
    expect(() => renewalKeyPolicyOf(configWith({ KEELSON_DEVICE_RENEWAL_KEY: 'never' }))).toThrow(/KEELSON_DEVICE_RENEWAL_KEY must be/);
  });

  it('refuses keeping the key when rotation is required', () => {
    expect(checkRenewalKey('rotate', key(1), key(2))).toEqual({ keyRotated: true });
    expect(() => checkRenewalKey('rotate', key(1), key(1))).toThrow(RenewalRefusedError);
    expect(() => checkRenewalKey('rotate', key(1), key(1))).toThrow(expect.objectContaining({ reason: 'key-not-rotated' }));
  });
});
