import { RuleViolation } from '@keelson/domain-kit';

/**
 * Codes of the ways an upstream registry can fail a request, as operators see them:
 * unreachable, TLS not trusted, credentials required or refused, a token realm we will not send
 * credentials to, a redirect we will not follow, or an answer that is not a registry's.
 */
export type UpstreamFailure =
  | 'registry.unreachable'
  | 'registry.tls-untrusted'
  | 'registry.credentials-required'
  | 'registry.credentials-refused'
  | 'registry.realm-refused'
  | 'registry.redirect-refused'
  | 'registry.not-a-registry';

/** An upstream registry refused or failed a request; the message names the registry, never a credential. */
export class UpstreamRefused extends RuleViolation {
  constructor(code: UpstreamFailure, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}
