/**
 * PKCS#10 certificate signing requests. Members send one per key; the registry only trusts
 * the public key after checking the request is signed by the matching private key.
 */
import { webcrypto } from 'node:crypto';
import { badInput } from '../errors.ts';
import {
  assertP256,
  describeKeyAlgorithm,
  ES256,
  privateKeyObject,
  publicKeyObject,
  samePublicKey,
  toPublicKeyPem,
  toSigningCryptoKey,
  x509,
} from './keys.ts';
import { buildName, nameToString, type SubjectParts, subjectPartsOf } from './names.ts';

export interface CreateCsrParams {
  privateKeyPem: string;
  publicKeyPem: string;
  subject: SubjectParts;
}

export interface ParsedCsr {
  /** SPKI PEM of the requested key (verified to have signed the request). */
  publicKeyPem: string;
  subject: SubjectParts;
  /** The subject as an RFC 4514-style string. */
  subjectDn: string;
  /** Always `EC P-256` once parsed; kept so callers can show it. */
  keyAlgorithm: string;
}

/** Creates a PKCS#10 request for a P-256 key pair; returns PEM. */
export async function createCsr(params: CreateCsrParams): Promise<string> {
  const privateKey = privateKeyObject(params.privateKeyPem);
  const publicKey = publicKeyObject(params.publicKeyPem);
  assertP256(privateKey, 'private key');
  if (!samePublicKey(privateKey, publicKey)) {
    throw badInput(
      'pki.key_mismatch',
      'The public key does not belong to the private key; pass the pair together.',
    );
  }
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: buildName(params.subject),
    signingAlgorithm: ES256,
    keys: {
      privateKey: await toSigningCryptoKey(params.privateKeyPem),
      publicKey: await webcrypto.subtle.importKey(
        'spki',
        spki,
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['verify'],
      ),
    },
  });
  return csr.toString('pem');
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/;
const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

function invalidCsr(what: string, reason?: string): Error {
  return badInput(
    'pki.invalid_csr',
    `The certificate signing request ${what}; send a PKCS#10 request as PEM ("-----BEGIN CERTIFICATE REQUEST-----") or base64 DER.`,
    reason === undefined ? undefined : { reason },
  );
}

/** A copy with its own ArrayBuffer: the ASN.1 parser reads `.buffer`, which for a pooled Buffer is larger. */
function csrDer(input: string | Uint8Array): Uint8Array {
  if (typeof input !== 'string') return Uint8Array.from(input);
  const text = input.trim();
  let body = text;
  if (text.includes('-----BEGIN')) {
    const block = PEM_BLOCK.exec(text);
    if (!block) throw invalidCsr('has a broken PEM armour (BEGIN/END lines do not match)');
    if (!CSR_LABELS.has(block[1] ?? ''))
      throw invalidCsr(`is a PEM "${block[1]}" block, not a CERTIFICATE REQUEST`);
    body = block[2] ?? '';
  }
  const compact = body.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw invalidCsr('is not valid base64');
  return Uint8Array.from(Buffer.from(compact, 'base64'));
}

/** Parses a CSR (PEM or base64 DER), requires a P-256 key and a valid self-signature. */
export async function parseCsr(pemOrDer: string | Uint8Array): Promise<ParsedCsr> {
  const der = csrDer(pemOrDer);
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der);
  } catch (cause) {
    throw invalidCsr('could not be parsed as PKCS#10', (cause as Error).message);
  }
  let publicKeyPem: string;
  let keyAlgorithm: string;
  try {
    const key = publicKeyObject(new Uint8Array(csr.publicKey.rawData));
    keyAlgorithm = describeKeyAlgorithm(key);
    publicKeyPem = toPublicKeyPem(key);
  } catch {
    throw invalidCsr('carries a public key that could not be read');
  }
  if (keyAlgorithm !== 'EC P-256') {
    throw badInput(
      'pki.unsupported_key',
      `The certificate signing request carries a ${keyAlgorithm} key; the platform requires ECDSA P-256 (prime256v1). Generate a P-256 key and a new request.`,
      { found: keyAlgorithm, required: 'EC P-256' },
    );
  }
  let verified = false;
  try {
    verified = await csr.verify();
  } catch {
    verified = false;
  }
  if (!verified) {
    throw badInput(
      'pki.csr_signature_invalid',
      'The certificate signing request is not signed by the private key of the public key it carries; sign it with the matching key.',
    );
  }
  return {
    publicKeyPem,
    subject: subjectPartsOf(csr.subjectName),
    subjectDn: nameToString(csr.subjectName),
    keyAlgorithm,
  };
}
