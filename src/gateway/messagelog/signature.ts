import { createHash, type KeyObject, sign, verify } from 'node:crypto';
import { badInput } from '../../kernel/errors.ts';
import { assertP256, privateKeyObject, publicKeyObject, toPublicKeyPem } from '../../kernel/pki/index.ts';

/**
 * Seals, the retention marker and archive headers are signed with the gateway's P-256 key as
 * detached ES256 JWS (RFC 7515 appendix F: `header..signature`). The payload is rebuilt from
 * the stored fields when verifying, so changing any field breaks the signature, and any JOSE
 * library can check it with the payload supplied. node:crypto is used directly because it
 * signs synchronously, which keeps `verifyInclusion` a plain function.
 */

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

/** Verification keys by key id. */
export type VerifyingKeys = Map<string, KeyObject>;

export function loadSigningKey(privateKeyPem: string): SigningKey {
  const privateKey = privateKeyObject(privateKeyPem);
  assertP256(privateKey, 'message log signing key');
  const publicKeyPem = toPublicKeyPem(privateKey);
  return { privateKey, publicKeyPem, keyId: keyIdOf(privateKey) };
}

export function loadVerifyingKeys(publicKeyPem: string | readonly string[]): VerifyingKeys {
  const pems = typeof publicKeyPem === 'string' ? [publicKeyPem] : publicKeyPem;
  if (pems.length === 0) {
    throw badInput(
      'messagelog.no_public_key',
      'Give the gateway signing public key (publicKeyPem) to verify with.',
    );
  }
  const keys: VerifyingKeys = new Map();
  for (const pem of pems) {
    const key = publicKeyObject(pem);
    assertP256(key, 'message log public key');
    keys.set(keyIdOf(key), key);
  }
  return keys;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. */
export function keyIdOf(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** Signs `payload` (an object with a fixed key order); returns the detached compact JWS. */
export function signDetached(key: SigningKey, typ: string, payload: object): string {
  const header = b64url(JSON.stringify({ alg: 'ES256', kid: key.keyId, typ }));
  const input = `${header}.${b64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}..${b64url(signature)}`;
}

/** Why a detached JWS does not verify, or null when it does. */
export function checkDetached(jws: string, typ: string, payload: object, keys: VerifyingKeys): string | null {
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3 || parts[1] !== '' || !parts[0] || !parts[2]) {
    return 'the signature is not a detached compact JWS (header..signature)';
  }
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    return 'the JWS header is not base64url JSON';
  }
  if (header.alg !== 'ES256') return `the JWS algorithm is ${String(header.alg)}, only ES256 is accepted`;
  if (header.typ !== typ) return `the JWS type is ${String(header.typ)}, expected ${typ}`;
  const key = typeof header.kid === 'string' ? keys.get(header.kid) : undefined;
  if (!key) {
    return `signed by key ${String(header.kid)}, which is not among the given public keys (${[...keys.keys()].join(', ')})`;
  }
  const input = `${parts[0]}.${b64url(JSON.stringify(payload))}`;
  let ok: boolean;
  try {
    ok = verify(
      'sha256',
      Buffer.from(input),
      { key, dsaEncoding: 'ieee-p1363' },
      Buffer.from(parts[2], 'base64url'),
    );
  } catch {
    // Node rejects some malformed signatures (wrong length) by throwing instead of answering false.
    ok = false;
  }
  return ok ? null : 'the ECDSA signature does not match the signed fields';
}

export const SEAL_TYPE = 'lienthong-messagelog-seal+jws';
export const ANCHOR_TYPE = 'lienthong-messagelog-anchor+jws';
export const ARCHIVE_TYPE = 'lienthong-messagelog-archive+jws';

/** A batch seal as stored, without its signature. */
export interface SealFields {
  firstSeq: number;
  lastSeq: number;
  root: string;
  prevRoot: string;
  /** ISO 8601, UTC. */
  sealedAt: string;
}

export interface Seal extends SealFields {
  keyId: string;
  signature: string;
}

export function sealPayload(s: SealFields): object {
  return {
    v: 1,
    firstSeq: s.firstSeq,
    lastSeq: s.lastSeq,
    root: s.root,
    prevRoot: s.prevRoot,
    sealedAt: s.sealedAt,
  };
}

/** Where a retained log (or an archive) starts: the chain values just before its first record. */
export interface Anchor {
  /** Last seq before the first retained record (0 = the log's beginning). */
  seq: number;
  recordHash: string;
  sealRoot: string;
}

export function anchorPayload(a: Anchor, purgedAt: string): object {
  return { v: 1, throughSeq: a.seq, recordHash: a.recordHash, sealRoot: a.sealRoot, purgedAt };
}
