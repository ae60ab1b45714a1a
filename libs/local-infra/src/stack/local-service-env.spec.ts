import { localServiceEnv } from './local-service-env.js';

describe('the environment npm start passes on to its services', () => {
  it('hands each timer to the service that reads it, and nothing that is not set', () => {
    expect(localServiceEnv({ KEELSON_DEVICE_OFFLINE_SECONDS: '20', KEELSON_TIMEOUT_SWEEP_SECONDS: '2.5', PATH: '/usr/bin' })).toEqual({
      'device-gateway': { KEELSON_DEVICE_OFFLINE_SECONDS: '20' },
      'rollout-orchestrator': { KEELSON_TIMEOUT_SWEEP_SECONDS: '2.5' },
    });
    expect(localServiceEnv({})).toEqual({});
  });

  it('keeps the previous secrets of a rotation beside a timer of the same service', () => {
    const env = {
      KEELSON_DEVICE_OFFLINE_SECONDS: '30',
      KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS: 'old-ca',
      KEELSON_SIGNER_KEY_SECRET_PREVIOUS: 'old-signer',
    };
    expect(localServiceEnv(env)).toEqual({
      'device-gateway': { KEELSON_DEVICE_OFFLINE_SECONDS: '30', KEELSON_DEVICE_CA_KEY_SECRET_PREVIOUS: 'old-ca' },
      signer: { KEELSON_SIGNER_KEY_SECRET_PREVIOUS: 'old-signer' },
    });
  });

  it.each([
    ['KEELSON_DEVICE_OFFLINE_SECONDS', '1.5', 'a whole number of seconds from 1 to 86400'],
    ['KEELSON_DEVICE_OFFLINE_SECONDS', '0', 'a whole number of seconds from 1 to 86400'],
    ['KEELSON_TIMEOUT_SWEEP_SECONDS', '90s', 'a number of seconds from 0.1 to 3600'],
    ['KEELSON_TIMEOUT_SWEEP_SECONDS', '7200', 'a number of seconds from 0.1 to 3600'],
  ])('refuses %s=%s with the range its service accepts', (name, value, range) => {
    expect(() => localServiceEnv({ [name]: value })).toThrow(`${name} must be ${range}, got '${value}'`);
  });
});
