import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { webcrypto } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { arch, hostname, totalmem } from 'node:os';
import * as x509 from '@peculiar/x509';
import { z } from 'zod';
import { writeFileAtomic } from '../data-dir/atomic-file.js';
import { DataDirLayout } from '../data-dir/layout.js';
import { platformFetch } from '../link/platform-fetch.js';
import { platformCaFile, resolvePlatformCa } from '../link/platform-trust.js';
import { checkGatewayRoot, readPinnedRoot } from './pinned-root.js';
import { readDeviceIdentity, isEnrolled, type DeviceIdentity } from './device-identity.js';

export interface EnrollOptions {
  gatewayUrl: string;
  token: string;
  dataDir: string;
  /** How operators will see the device; defaults to the host name. */
  name?: string;
  labels?: Record<string, string>;
  /**
   * What the device declares of its hardware beyond what the agent detects (memory, architecture),
   * e.g. its accelerator; a declared field wins over a detected one. Rollouts check models against it.
   */
  hardware?: { accelerator?: string; memoryMb?: number; architecture?: string };
  /** The platform CA to trust (PEM file), or its pin `sha256:<hex>` found in the gateway's chain. */
  caFile?: string;
  caFingerprint?: string;
  /** A TUF root baked into the device image: trusted instead of the one the gateway hands out (no trust on first use). */
  rootFile?: string;
}

/** `identity/broker.json` as the gateway mints it (device-identity.ts reads it back by the same rules). */
const BrokerCredentials = z.strictObject({
  mqttUrl: z.string().min(1),
  clientId: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
  topicRoot: z.string().min(1),
});

/** The part of the gateway's answer the agent keeps; anything else is ignored. */
const EnrollAnswer = z.object({
  deviceId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  fleet: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/),
  certificate: z.string().min(1),
  caCertificate: z.string().min(1),
  tufRoot: z.record(z.string(), z.unknown()),
  // Not strict, as the answer around it: a newer gateway may hand out more than this agent keeps.
  broker: z.object(BrokerCredentials.shape),
  facadeUrl: z.string().min(1),
});

const architectures: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm' };

function pem(label: string, der: ArrayBuffer): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

/**
 * Joins a fleet: makes a P-256 key on the device (it never leaves), sends a CSR with the one-time
 * token to `<gateway>/v1/enroll`, and keeps the certificate, the CA certificate, the broker
 * credentials and the fleet's TUF root (the pinned trust anchor, plus a pristine copy; with
 * `rootFile`, the root baked into the image instead, checked against the gateway's). The
 * enrollment record is written last, so a half-finished enrollment is not mistaken for a done one.
 */
export async function enrollDevice(options: EnrollOptions): Promise<DeviceIdentity> {
  const layout = new DataDirLayout(options.dataDir);
  if (await isEnrolled(layout)) {
    const { deviceId } = await readDeviceIdentity(layout);
    throw new Error(`${options.dataDir} is already enrolled as ${deviceId}; use another --data-dir for another device`);
  }
  const pinnedRoot = options.rootFile ? await readPinnedRoot(options.rootFile) : undefined;
  const name = options.name ?? hostname();
  const gatewayUrl = options.gatewayUrl.replace(/\/+$/, '');
  const keys = (await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=keelson-device',
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const architecture = architectures[arch()];
  const hardware = { memoryMb: Math.floor(totalmem() / 1024 / 1024), ...(architecture ? { architecture } : {}), ...options.hardware };
  const body = { token: options.token, csr: csr.toString('pem'), name, hardware, ...(options.labels ? { labels: options.labels } : {}) };

  const platformCa = await resolvePlatformCa({ url: gatewayUrl, caFile: options.caFile, caFingerprint: options.caFingerprint });
  let res: Response;
  try {
    res = await platformFetch(platformCa)(`${gatewayUrl}/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const reason = ((err as Error).cause as Error | undefined)?.message ?? (err as Error).message;
    const hint = !platformCa && gatewayUrl.startsWith('https:') ? ' (a platform with its own CA needs --ca-file or --ca-fingerprint)' : '';
    throw new Error(`cannot reach the gateway at ${gatewayUrl}: ${reason}${hint}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text.slice(0, 300);
    try {
      const { error } = JSON.parse(text) as { error?: { code?: string; message?: string } };
      if (error) detail = `${error.code ?? ''}: ${error.message ?? ''}`;
    } catch {
      // not JSON: show the start of the body
    }
    throw new Error(`the gateway refused the enrollment (HTTP ${res.status}) ${detail}`);
  }
  const answer = EnrollAnswer.parse(JSON.parse(text));
  if (pinnedRoot) {
    try {
      checkGatewayRoot(pinnedRoot, answer.tufRoot);
    } catch (err) {
      throw new Error(`${(err as Error).message}. Nothing was kept; the token is spent: ask for a new one once the root is sorted out`);
    }
  }

  await mkdir(layout.identityDir, { recursive: true, mode: 0o700 });
  await mkdir(layout.tufDir, { recursive: true });
  await writeFileAtomic(layout.deviceKey, pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), 0o600);
  await writeFileAtomic(layout.deviceCertificate, answer.certificate);
  await writeFileAtomic(layout.caCertificate, answer.caCertificate);
  const root = JSON.stringify(pinnedRoot ? pinnedRoot.toJSON() : answer.tufRoot);
  await writeFileAtomic(layout.pristineRoot, root);
  await writeFileAtomic(layout.trustedRoot, root);
  await writeFileAtomic(layout.brokerCredentials, JSON.stringify(answer.broker), 0o600);
  if (platformCa) await writeFileAtomic(platformCaFile(layout), platformCa); // trusted for MQTT and the facade from now on
  const record = {
    deviceId: answer.deviceId,
    fleet: answer.fleet,
    name,
    gatewayUrl,
    facadeUrl: answer.facadeUrl.replace(/\/+$/, ''),
    enrolledAt: new Date().toISOString(),
  };
  await writeFileAtomic(layout.enrollment, JSON.stringify(record, null, 2));
  return { ...record, broker: answer.broker };
}
