import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

/** The TLS material of one installation: a local CA and one server certificate for loopback. */
export interface LocalTls {
  dir: string;
  caFile: string;
  /** The server certificate followed by the CA certificate, so clients that pin the CA by fingerprint see it. */
  certFile: string;
  keyFile: string;
  caPem: string;
  /** `sha256:` and the hex SHA-256 of the CA certificate's DER: what a device pins with `--ca-fingerprint`. */
  caFingerprint: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signingAlgorithm = { name: 'ECDSA', hash: 'SHA-256' } as const;
const day = 24 * 3600 * 1000;

function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive, never a leading zero octet
  return bytes.toString('hex');
}

const withNewline = (pem: string) => (pem.endsWith('\n') ? pem : `${pem}\n`);
const keyPem = async (key: webcrypto.CryptoKey) => x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');

/** SHA-256 fingerprint of a PEM certificate, as devices pin it. */
export function certificateFingerprint(pem: string): string {
  return `sha256:${createHash('sha256')
    .update(Buffer.from(new x509.X509Certificate(pem).rawData))
    .digest('hex')}`;
}

async function generate(hosts: {
  dns: string[];
  ip: string[];
}): Promise<{ caPem: string; caKeyPem: string; certPem: string; certKeyPem: string }> {
  const now = Date.now();
  const caKeys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: 'CN=Keelson local platform CA, O=Keelson',
    keys: caKeys,
    signingAlgorithm,
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(now + 10 * 365 * day),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const keys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: 'CN=Keelson platform, O=Keelson',
    issuer: ca.subjectName,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm,
    notBefore: new Date(now - 5 * 60_000),
    notAfter: new Date(now + 2 * 365 * day),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        ...hosts.dns.map((value) => ({ type: 'dns' as const, value })),
        ...hosts.ip.map((value) => ({ type: 'ip' as const, value })),
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.publicKey),
    ],
  });
  return {
    caPem: withNewline(ca.toString('pem')),
    caKeyPem: withNewline(await keyPem(caKeys.privateKey)),
    certPem: withNewline(cert.toString('pem')),
    certKeyPem: withNewline(await keyPem(keys.privateKey)),
  };
}

function writeOnce(file: string, content: string, mode: number): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, content, { mode });
  renameSync(temp, file);
}

/**
 * The installation's local CA and server certificate under `dir` (`<home>/tls`), made on the first
 * start and reused after, so devices that pinned the CA keep trusting the platform. The server
 * certificate names localhost and 127.0.0.1 (and any extra hosts given on the first start). The CA
 * key stays in `dir` with mode 0600; nothing else ever reads it.
 */
export async function ensureLocalTls(dir: string, extraHosts: { dns?: string[]; ip?: string[] } = {}): Promise<LocalTls> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = {
    caFile: join(dir, 'ca.pem'),
    caKeyFile: join(dir, 'ca.key'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
  };
  if (!Object.values(files).every((f) => existsSync(f))) {
    const made = await generate({ dns: ['localhost', ...(extraHosts.dns ?? [])], ip: ['127.0.0.1', ...(extraHosts.ip ?? [])] });
    writeOnce(files.caKeyFile, made.caKeyPem, 0o600);
    writeOnce(files.keyFile, made.certKeyPem, 0o600);
    writeOnce(files.certFile, `${made.certPem}${made.caPem}`, 0o644);
    writeOnce(files.caFile, made.caPem, 0o644); // last: its presence says the set is complete
  }
  const caPem = readFileSync(files.caFile, 'utf8');
  return {
    dir,
    caFile: files.caFile,
    certFile: files.certFile,
    keyFile: files.keyFile,
    caPem,
    caFingerprint: certificateFingerprint(caPem),
  };
}
