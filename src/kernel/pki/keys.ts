/**
 * ECDSA P-256 keys for the platform PKI, and the one place where @peculiar/x509 is wired to
 * Node's WebCrypto. Other PKI files take `x509` from here so the provider is always set first.
 */
// tsyringe (used inside @peculiar/x509) refuses to load without the Reflect polyfill.
import 'reflect-metadata';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  webcrypto,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { badInput } from '../errors.ts';

x509.cryptoProvider.set(webcrypto);

export { x509 };

/** WebCrypto key type, named here because the project compiles without the DOM lib. */
export type CryptoKey = webcrypto.CryptoKey;

/** The only signature algorithm the platform issues and accepts (ES256). */
export const ES256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyPairPem {
  /** PKCS#8, unencrypted. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo. */
  publicKeyPem: string;
}

/** Generates a fresh P-256 key pair as PEM. */
export function generateKeyPair(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Parses an unencrypted private key PEM (PKCS#8 or SEC1) into a node KeyObject. */
export function privateKeyObject(pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (cause) {
    throw badInput(
      'pki.malformed_key',
      'The private key could not be parsed: expected an unencrypted PEM "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1) block.',
      { reason: (cause as Error).message },
    );
  }
}

/** Parses a public key PEM (SPKI) or DER into a node KeyObject. */
export function publicKeyObject(key: string | Uint8Array): KeyObject {
  try {
    return typeof key === 'string'
      ? createPublicKey({ key, format: 'pem' })
      : createPublicKey({ key: Buffer.from(key), format: 'der', type: 'spki' });
  } catch (cause) {
    throw badInput(
      'pki.malformed_key',
      'The public key could not be parsed: expected a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block.',
      { reason: (cause as Error).message },
    );
  }
}

/** SPKI PEM of a key object (public, or the public half of a private key). */
export function toPublicKeyPem(key: KeyObject): string {
  return publicHalf(key).export({ type: 'spki', format: 'pem' }).toString();
}

/** Node refuses `createPublicKey` on a key that is already public. */
function publicHalf(key: KeyObject): KeyObject {
  return key.type === 'public' ? key : createPublicKey(key);
}

/** PKCS#8 PEM of a private key object. */
export function toPrivateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Human-readable algorithm of a key, e.g. `EC P-256`, `EC P-384`, `RSA 2048`, `ED25519`. */
export function describeKeyAlgorithm(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown curve';
      const nist: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
      return `EC ${nist[curve] ?? curve}`;
    }
    case 'rsa':
    case 'rsa-pss':
      return `${key.asymmetricKeyType.toUpperCase()} ${details.modulusLength ?? '?'}`;
    default:
      return (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  }
}

/** Throws `pki.unsupported_key` unless the key is EC P-256; `role` names the key in the message. */
export function assertP256(key: KeyObject, role: string): void {
  const found = describeKeyAlgorithm(key);
  if (found !== 'EC P-256') {
    throw badInput(
      'pki.unsupported_key',
      `The ${role} is ${found}; the platform only accepts ECDSA P-256 (prime256v1) keys. Generate a P-256 key and try again.`,
      { found, required: 'EC P-256' },
    );
  }
}

/** True when both keys (private or public) have the same public half. */
export function samePublicKey(a: KeyObject, b: KeyObject): boolean {
  const der = (k: KeyObject) => publicHalf(k).export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

/** Imports a P-256 private key PEM as a WebCrypto signing key. */
export async function toSigningCryptoKey(privateKeyPem: string): Promise<CryptoKey> {
  const key = privateKeyObject(privateKeyPem);
  assertP256(key, 'private key');
  const der = key.export({ type: 'pkcs8', format: 'der' });
  return webcrypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
}

/** Imports a P-256 public key PEM as a WebCrypto verification key. */
export async function toVerifyingCryptoKey(publicKeyPem: string): Promise<CryptoKey> {
  const key = publicKeyObject(publicKeyPem);
  assertP256(key, 'public key');
  const der = key.export({ type: 'spki', format: 'der' });
  return webcrypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
}
