import { parseBasicCredentials } from './basic-credentials.js';

const basic = (s: string) => `Basic ${Buffer.from(s, 'utf8').toString('base64')}`;

describe('HTTP Basic device credentials', () => {
  it('reads the device id and a password that may itself contain colons', () => {
    expect(parseBasicCredentials(basic('d-cam-1:s3cr:et'))).toEqual({ deviceId: 'd-cam-1', password: 's3cr:et' });
  });

  it('refuses absent, other schemes, empty parts and oversize values', () => {
    for (const header of [undefined, '', 'Bearer abc', basic('no-colon'), basic(':pw'), basic('d-1:'), basic(`d-1:${'x'.repeat(257)}`), 'Basic !!!']) {
      expect([header, parseBasicCredentials(header)]).toEqual([header, null]);
    }
  });
});
