/** What a device presents on the facade's device routes: HTTP Basic `deviceId:password` (RFC 7617). */
export interface DeviceCredentials {
  deviceId: string;
  password: string;
}

/** Reads an `Authorization: Basic ...` header; null when absent or malformed. */
export function parseBasicCredentials(authorization: string | undefined): DeviceCredentials | null {
  const m = /^Basic ([A-Za-z0-9+/]+={0,2})$/i.exec(authorization?.trim() ?? '');
  if (!m || m[1]!.length > 1024) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const deviceId = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (!password || deviceId.length > 128 || password.length > 256) return null;
  return { deviceId, password };
}
