import { isAbsolute } from 'node:path';
import { numberSetting, type ServiceConfig } from '@keelson/service-kit';

/** What the api reads beyond the common service variables. Tokens are kept here and never logged. */
export interface ApiConfig {
  /** The bootstrap operator token (`KEELSON_ADMIN_TOKEN`): any route, any fleet; it issues the first API tokens. */
  adminToken: string;
  /** Where installation-wide credential changes are audited (`KEELSON_CREDENTIALS_AUDIT_FLEET`, default `default`). */
  credentialsAuditFleet: string;
  /** The registry facade, where uploads are streamed (`KEELSON_FACADE_URL`). */
  facadeUrl: string;
  /** The device gateway as devices reach it, printed in enroll commands (`KEELSON_GATEWAY_URL`). */
  gatewayUrl: string;
  /** Service-to-service token the facade expects on its internal upload route (`KEELSON_INTERNAL_TOKEN`). */
  internalToken: string;
  /** `sha256:<hex>` of the CA the device-facing TLS chains to (`KEELSON_PLATFORM_CA_FINGERPRINT`), put in enroll commands; absent on plain HTTP. */
  caFingerprint?: string;
  /** Where the agent's release bundles are (`KEELSON_AGENT_BUNDLES_DIR`): served under /v1/agent, and the enroll line installs from them. */
  agentBundlesDir?: string;
  /**
   * The api as devices reach it (`KEELSON_PUBLIC_API_URL`), written into the install line and the
   * installer; absent: the address the request came to (its Host header), right when operator and
   * device see the api at the same address, wrong behind a proxy that rewrites it.
   */
  publicApiUrl?: string;
  /** How often an idle SSE stream gets a comment line, so proxies and clients keep it open. */
  sseHeartbeatMs: number;
}

export const API_CONFIG = Symbol('ApiConfig');

function urlOrProblem(name: string, value: string | undefined, problems: string[]): string {
  if (!value) {
    problems.push(`${name} is required`);
    return '';
  }
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) problems.push(`${name} must be an http(s) URL`);
  return value.replace(/\/+$/, '');
}

/** Reads and checks the api's own variables; throws one error listing every problem, never a value. */
export function loadApiConfig(config: ServiceConfig): ApiConfig {
  const problems: string[] = [];
  const env = config.env;
  const adminToken = env.KEELSON_ADMIN_TOKEN ?? '';
  if (adminToken.length < 16) problems.push('KEELSON_ADMIN_TOKEN is required (at least 16 characters)');
  // An API token is told apart from the admin token by its prefix.
  if (adminToken.startsWith('kls_')) problems.push('KEELSON_ADMIN_TOKEN must not start with kls_ (the prefix of API tokens)');
  const credentialsAuditFleet = env.KEELSON_CREDENTIALS_AUDIT_FLEET || 'default';
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(credentialsAuditFleet)) problems.push('KEELSON_CREDENTIALS_AUDIT_FLEET must be a fleet id');
  if (!config.internalToken) problems.push('KEELSON_INTERNAL_TOKEN is required');
  const facadeUrl = urlOrProblem('KEELSON_FACADE_URL', env.KEELSON_FACADE_URL, problems);
  const gatewayUrl = urlOrProblem('KEELSON_GATEWAY_URL', env.KEELSON_GATEWAY_URL, problems);
  const sseHeartbeatMs = numberSetting(config, 'KEELSON_SSE_HEARTBEAT_MS', { default: 15_000, min: 10, max: 3_600_000 }, problems);
  const caFingerprint = env.KEELSON_PLATFORM_CA_FINGERPRINT || undefined;
  if (caFingerprint && !/^sha256:[0-9a-f]{64}$/.test(caFingerprint))
    problems.push('KEELSON_PLATFORM_CA_FINGERPRINT must be sha256:<64 lowercase hex digits>');
  const agentBundlesDir = env.KEELSON_AGENT_BUNDLES_DIR || undefined;
  if (agentBundlesDir && !isAbsolute(agentBundlesDir)) problems.push('KEELSON_AGENT_BUNDLES_DIR must be an absolute path');
  const publicApiUrl = env.KEELSON_PUBLIC_API_URL
    ? urlOrProblem('KEELSON_PUBLIC_API_URL', env.KEELSON_PUBLIC_API_URL, problems)
    : undefined;
  if (problems.length) throw new Error(`${config.service}: bad configuration:\n  ${problems.join('\n  ')}`);
  return {
    adminToken,
    credentialsAuditFleet,
    facadeUrl,
    gatewayUrl,
    internalToken: config.internalToken!,
    sseHeartbeatMs,
    ...(caFingerprint ? { caFingerprint } : {}),
    ...(agentBundlesDir ? { agentBundlesDir } : {}),
    ...(publicApiUrl ? { publicApiUrl } : {}),
  };
}
