import { parseDistributionRoute, referenceOf, repositoryName } from './distribution-route.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseDistributionRoute: which requests are OCI pulls', () => {
  it('leaves every path outside /v2 to the rest of the facade', () => {
    for (const url of ['/v1/fleets/default/tuf/1.root.json', '/v20/', '/healthz', '/', undefined])
      expect(parseDistributionRoute('GET', url)).toBeNull();
  });

  it('reads the version check, manifests and blobs of one- and many-segment repository names, ignoring the query', () => {
    expect(parseDistributionRoute('GET', '/v2/')).toEqual({ what: 'version' });
    expect(parseDistributionRoute('HEAD', '/v2')).toEqual({ what: 'version' });
    expect(parseDistributionRoute('GET', `/v2/web/manifests/${digest}`)).toEqual({ what: 'manifest', name: 'web', reference: digest });
    expect(parseDistributionRoute('HEAD', `/v2/apps/web/blobs/${digest}?ns=x`)).toEqual({
      what: 'blob',
      name: 'apps/web',
      reference: digest,
    });
    expect(parseDistributionRoute('GET', '/v2/apps/web/manifests/1.4.2')).toEqual({
      what: 'manifest',
      name: 'apps/web',
      reference: '1.4.2',
    });
  });

  it('calls every push, listing and other /v2 path unsupported', () => {
    for (const [method, url] of [
      ['PUT', `/v2/web/manifests/${digest}`],
      ['POST', '/v2/web/blobs/uploads/'],
      ['DELETE', `/v2/web/blobs/${digest}`],
      ['GET', '/v2/web/tags/list'],
      ['GET', '/v2/_catalog'],
    ])
      expect(parseDistributionRoute(method, url)).toMatchObject({ what: 'unsupported' });
  });
});

describe('referenceOf and repositoryName', () => {
  it('tells a sha256 digest from a tag and from a digest it cannot take', () => {
    expect(referenceOf(digest)).toEqual({ digest: 'a'.repeat(64) });
    expect(referenceOf('1.4.2')).toEqual({ tag: '1.4.2' });
    expect(referenceOf(`sha512:${'a'.repeat(128)}`)).toMatchObject({ invalid: expect.any(String) });
    expect(referenceOf(`sha256:${'A'.repeat(64)}`)).toMatchObject({ invalid: expect.any(String) });
    expect(referenceOf('..')).toMatchObject({ invalid: '..' });
  });

  it('takes the spec grammar of repository names and nothing else', () => {
    for (const ok of ['web', 'apps/web', 'a.b_c__d--e/f0']) expect([ok, repositoryName.test(ok)]).toEqual([ok, true]);
    for (const bad of ['Web', 'apps//web', '/web', 'web/', '..', 'a%2fb', '-web'])
      expect([bad, repositoryName.test(bad)]).toEqual([bad, false]);
  });
});
