import { UpstreamRefused } from './upstream-errors.js';

/** Where a registry's token realm may be: its own origin, or origins the operator named when connecting. */
export interface RealmPolicy {
  registryUrl: URL;
  /** Extra origins (`https://auth.example`) allowed to receive the stored credentials. */
  allowedRealmOrigins?: readonly string[];
}

/**
 * Checks a Bearer challenge's realm before the stored credentials are sent to it: a registry can
 * name any URL as its realm, and a hostile or compromised one would collect the password. The realm
 * must be the registry's own origin or one explicitly allowed, and never plain http when the
 * registry is https (the credentials would cross the network in clear). Returns the realm URL.
 */
export function checkRealm(realm: string | undefined, policy: RealmPolicy): URL {
  if (!realm) throw new UpstreamRefused('registry.realm-refused', 'the registry asked for a bearer token without naming a realm');
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new UpstreamRefused('registry.realm-refused', `the registry's token realm '${realm}' is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UpstreamRefused('registry.realm-refused', `the registry's token realm '${url.origin}' is not http(s)`);
  }
  if (policy.registryUrl.protocol === 'https:' && url.protocol === 'http:') {
    throw new UpstreamRefused(
      'registry.realm-refused',
      `the registry is https but its token realm '${url.origin}' is plain http: credentials are not sent in clear`,
    );
  }
  if (url.username || url.password) throw new UpstreamRefused('registry.realm-refused', 'the token realm carries credentials of its own');
  const allowed = [policy.registryUrl.origin, ...(policy.allowedRealmOrigins ?? [])];
  if (!allowed.includes(url.origin)) {
    throw new UpstreamRefused(
      'registry.realm-refused',
      `the registry's token realm '${url.origin}' is not the registry's origin and was not allowed (--allow-realm): credentials are not sent there`,
    );
  }
  return url;
}
