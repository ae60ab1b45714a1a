/**
 * Mints enrollment tokens through the operator API, as `keelson device token` does:
 * `POST <api>/v1/enrollment-tokens?fleet=<fleet>` with the admin bearer token; the answer carries
 * `token`, `gatewayUrl` (where devices enroll) and, when the platform speaks TLS, `caFingerprint`
 * (the pin of the platform CA the device then trusts).
 */
export interface MintedToken {
  token: string;
  gatewayUrl: string;
  caFingerprint?: string;
}

export function operatorTokenMinter(apiUrl: string, adminToken: string, fleet: string): () => Promise<MintedToken> {
  const url = `${apiUrl.replace(/\/+$/, '')}/v1/enrollment-tokens?fleet=${encodeURIComponent(fleet)}`;
  return async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`the api refused to mint an enrollment token (HTTP ${res.status}): ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { token?: unknown; gatewayUrl?: unknown; caFingerprint?: unknown };
    if (typeof body.token !== 'string' || typeof body.gatewayUrl !== 'string')
      throw new Error('the api answer to POST /v1/enrollment-tokens lacks token or gatewayUrl');
    return {
      token: body.token,
      gatewayUrl: body.gatewayUrl,
      ...(typeof body.caFingerprint === 'string' ? { caFingerprint: body.caFingerprint } : {}),
    };
  };
}
