/** What the gateway needs from a server's authorization request (`$SYS.REQ.USER.AUTH`). */
export interface AuthorizationRequest {
  /** The server that asks; the response is addressed to it. */
  serverId: string;
  /** The key the server made for this connection; the user JWT must be issued to it. */
  userNkey: string;
  /** Set only for MQTT connections. */
  mqttClientId?: string;
  user?: string;
  password?: string;
}

/** Why a connection was refused; used as a metric label, so never a value the client chose. */
export type RefusalReason =
  'malformed-request' | 'not-mqtt' | 'missing-credentials' | 'client-id-mismatch' | 'unknown-device' | 'decommissioned' | 'bad-password';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});

/** Reads the parts of a decoded authorization request the gateway uses; null if it is not one. */
export function readAuthorizationRequest(claims: Record<string, unknown>): AuthorizationRequest | null {
  const nats = obj(claims.nats);
  const serverId = str(obj(nats.server_id).id);
  const userNkey = str(nats.user_nkey);
  if (nats.type !== 'authorization_request' || !serverId || !userNkey) return null;
  const client = obj(nats.client_info);
  const opts = obj(nats.connect_opts);
  const request: AuthorizationRequest = { serverId, userNkey };
  const mqttClientId = str(client.mqtt_id);
  const user = str(opts.user);
  const password = str(opts.pass);
  if (mqttClientId) request.mqttClientId = mqttClientId;
  if (user) request.user = user;
  if (password) request.password = password;
  return request;
}

/** A device's topics as NATS subjects: it speaks only as itself and hears only what is meant for it. */
export function devicePermissions(subjectPrefix: string, deviceId: string): { pub: { allow: string[] }; sub: { allow: string[] } } {
  const root = `${subjectPrefix}keelson`;
  return {
    pub: { allow: [`${root}.dev.${deviceId}.>`] },
    // An MQTT `#` filter also subscribes its parent subject, so both forms are allowed.
    sub: { allow: [`${root}.cmd.${deviceId}`, `${root}.cmd.${deviceId}.>`] },
  };
}

/** The name of the KEELSON account in the server config: callout users are placed there. */
export const deviceAccount = 'KEELSON';

/** Claims of the user JWT that admits one device for `ttlSeconds`, over MQTT only. */
export function deviceUserClaims(
  request: AuthorizationRequest,
  deviceId: string,
  subjectPrefix: string,
  now: Date,
  ttlSeconds: number,
): Record<string, unknown> {
  return {
    sub: request.userNkey,
    name: deviceId,
    aud: deviceAccount,
    // The connection is closed at `exp`; the agent reconnects and is checked again (decommissioning bites then).
    exp: Math.floor(now.getTime() / 1000) + ttlSeconds,
    nats: {
      ...devicePermissions(subjectPrefix, deviceId),
      subs: -1,
      data: -1,
      payload: -1,
      allowed_connection_types: ['MQTT'],
      type: 'user',
      version: 2,
    },
  };
}

/** Claims of the authorization response: either a user JWT or an error, addressed to the asking server. */
export function authorizationResponseClaims(
  request: AuthorizationRequest,
  answer: { jwt: string } | { error: string },
): Record<string, unknown> {
  return { sub: request.userNkey, aud: request.serverId, nats: { ...answer, type: 'authorization_response', version: 2 } };
}
