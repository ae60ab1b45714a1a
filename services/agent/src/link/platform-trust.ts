import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import type { DataDirLayout } from '../data-dir/layout.js';

/**
 * The CA the platform's TLS endpoints (gateway, facade, MQTT) chain to, kept in the data directory
 * at enrollment. With it the agent trusts that CA alone, not the machine's trust store.
 */
export const platformCaFile = (layout: DataDirLayout): string => join(layout.identityDir, 'platform-ca.pem');

/** The stored platform CA, or undefined for a device enrolled against a plain-HTTP platform. */
export async function readPlatformCa(layout: DataDirLayout): Promise<string | undefined> {
  return readFile(platformCaFile(layout), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

export { deviceTlsIdentity, type IdentityRetry } from './device-tls-identity.js';

/** `sha256:<hex>` of a PEM certificate, the form `keelson device token` prints. */
export function fingerprintOf(pem: string): string {
  return `sha256:${new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase()}`;
}

const normalise = (pin: string): string => {
  const hex = pin
    .replace(/^sha256:/i, '')
    .replaceAll(':', '')
    .toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('--ca-fingerprint must be sha256:<64 hex digits>');
  return `sha256:${hex}`;
};

const toPem = (der: Buffer): string =>
  `-----BEGIN CERTIFICATE-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

/**
 * Fetches the chain the server at `url` presents and returns the CA certificate in it whose
 * fingerprint is `pin`. Nothing is sent before the pin matches; the caller then verifies the server
 * against that CA like any TLS client.
 */
async function caByPin(url: URL, pin: string): Promise<string> {
  const chain = await new Promise<DetailedPeerCertificate>((resolve, reject) => {
    const socket = connect(
      {
        host: url.hostname,
        port: Number(url.port || 443),
        rejectUnauthorized: false,
        servername: /^[\d.]+$/.test(url.hostname) ? undefined : url.hostname,
      },
      () => {
        const peer = socket.getPeerCertificate(true);
        socket.end();
        resolve(peer);
      },
    );
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no TLS answer from ${url.host}`)));
    socket.on('error', reject);
  });
  const seen = new Set<PeerCertificate>();
  for (let cert: DetailedPeerCertificate | undefined = chain; cert && !seen.has(cert); cert = cert.issuerCertificate) {
    seen.add(cert);
    const pem = toPem(cert.raw);
    if (fingerprintOf(pem) === pin) {
      if (!new X509Certificate(pem).ca) throw new Error('the certificate with that fingerprint is not a CA certificate');
      return pem;
    }
  }
  throw new Error(`the server at ${url.host} presents no CA certificate with fingerprint ${pin}: refusing to trust it`);
}

/**
 * The platform CA a device is told to trust: read from `--ca-file`, or found in the gateway's chain by
 * its `--ca-fingerprint` (both: they must agree). Neither: undefined (plain HTTP, or the machine's trust store).
 */
export async function resolvePlatformCa(options: { url: string; caFile?: string; caFingerprint?: string }): Promise<string | undefined> {
  const pin = options.caFingerprint ? normalise(options.caFingerprint) : undefined;
  const fromFile = options.caFile ? await readFile(options.caFile, 'utf8') : undefined;
  if (fromFile) {
    const fingerprint = fingerprintOf(fromFile); // also rejects a file that is not a certificate
    if (pin && fingerprint !== pin) throw new Error(`--ca-file ${options.caFile} has fingerprint ${fingerprint}, not ${pin}`);
    return fromFile;
  }
  if (!pin) return undefined;
  const url = new URL(options.url);
  if (url.protocol !== 'https:') throw new Error('--ca-fingerprint needs an https:// gateway URL');
  return caByPin(url, pin);
}
