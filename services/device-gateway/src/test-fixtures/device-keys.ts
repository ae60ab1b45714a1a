import 'reflect-metadata'; // @peculiar/x509 resolves its ASN.1 providers through tsyringe
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type KeyPair = webcrypto.CryptoKeyPair;

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A key pair made the way a device makes one: P-256 unless a test asks for something else. */
export async function deviceKeys(algorithm: webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams = ecdsa): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as KeyPair;
}

export const rsaAlgorithm: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

/** A PEM CSR for `keys`, asking for a subject of the device's choosing (which the CA must ignore). */
export async function csrFor(keys: KeyPair, subject = 'CN=device-asks-for-this'): Promise<string> {
  const signingAlgorithm = keys.privateKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : keys.privateKey.algorithm;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: subject, keys, signingAlgorithm });
  return csr.toString('pem');
}

/** A CSR that carries one key but is signed by another: no proof of possession. */
export async function csrSignedByAnotherKey(): Promise<string> {
  const [claimed, signer] = [await deviceKeys(), await deviceKeys()];
  return csrFor({ publicKey: claimed.publicKey, privateKey: signer.privateKey });
}
