import { isEnrollRequest } from './enroll-route.js';

const request = (method: string, url: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
  method,
  url,
  headers,
});

describe('isEnrollRequest', () => {
  it('takes a JSON POST /v1/enroll, with or without a query and a UTF-8 charset', () => {
    expect(isEnrollRequest(request('POST', '/v1/enroll'))).toBe(true);
    expect(isEnrollRequest(request('POST', '/v1/enroll?x=1', { 'content-type': 'application/json; charset=utf-8' }))).toBe(true);
    expect(isEnrollRequest(request('POST', '/v1/enroll', { 'content-type': 'Application/JSON', 'content-encoding': 'identity' }))).toBe(
      true,
    );
  });

  describe('leaves to the Nest app', () => {
    it.each([
      ['GET', '/v1/enroll', 'application/json', undefined],
      ['POST', '/v1/enrollments', 'application/json', undefined],
      ['POST', '/v1/enroll/', 'application/json', undefined],
      ['POST', '/v2/enroll', 'application/json', undefined],
      ['POST', '/v1/enroll', 'text/plain', undefined],
      ['POST', '/v1/enroll', 'application/x-www-form-urlencoded', undefined],
      ['POST', '/v1/enroll', 'application/json; charset=latin1', undefined],
      ['POST', '/v1/enroll', 'application/json', 'gzip'],
      ['POST', '/v1/enroll', '', undefined],
    ])('%s %s %s %s', (method, url, contentType, encoding) => {
      expect(
        isEnrollRequest(request(method, url, { 'content-type': contentType, ...(encoding ? { 'content-encoding': encoding } : {}) })),
      ).toBe(false);
    });
  });
});
