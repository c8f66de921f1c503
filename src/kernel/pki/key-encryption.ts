/**
 * Private keys at rest. Our own format is a PEM-armoured JSON envelope
 * (`LIENTHONG ENCRYPTED PRIVATE KEY`): scrypt derives an AES-256-GCM key from the passphrase;
 * the KDF and cipher parameters travel in the envelope and are authenticated as GCM
 * associated data, so they can be raised later without breaking stored keys.
 */
import { createCipheriv, createDecipheriv, createPrivateKey, randomBytes, scrypt } from 'node:crypto';
import { badInput } from '../errors.ts';
import { privateKeyObject, toPrivateKeyPem } from './keys.ts';

const LABEL = 'LIENTHONG ENCRYPTED PRIVATE KEY';
const ARMOUR = new RegExp(`-----BEGIN ${LABEL}-----([\\s\\S]*?)-----END ${LABEL}-----`);
const ENVELOPE_VERSION = 1;
const DEFAULT_KDF = { name: 'scrypt', N: 2 ** 15, r: 8, p: 1 } as const;
/** Ceilings for parameters read from an envelope, so a crafted file cannot exhaust memory. */
const MAX_N = 2 ** 20;
const MAX_R = 16;
const MAX_P = 4;
export const MIN_PASSPHRASE_LENGTH = 8;

interface KdfParams {
  name: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
}
interface CipherParams {
  name: 'aes-256-gcm';
  iv: string;
}
interface Envelope {
  v: number;
  kdf: KdfParams;
  cipher: CipherParams;
  tag: string;
  data: string;
}

function deriveKey(passphrase: string, kdf: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const { N, r, p } = kdf;
    scrypt(passphrase, Buffer.from(kdf.salt, 'base64'), 32, { N, r, p, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** The authenticated header: every parameter needed to decrypt, in a fixed order. */
function associatedData(kdf: KdfParams, cipher: CipherParams): Buffer {
  const header = {
    v: ENVELOPE_VERSION,
    kdf: { name: kdf.name, N: kdf.N, r: kdf.r, p: kdf.p, salt: kdf.salt },
    cipher: { name: cipher.name, iv: cipher.iv },
  };
  return Buffer.from(JSON.stringify(header), 'utf8');
}

function wrap64(b64: string): string {
  return b64.match(/.{1,64}/g)?.join('\n') ?? '';
}

/** Encrypts a private key PEM with a passphrase (at least 8 characters) into our armoured envelope. */
export async function encryptPrivateKey(privateKeyPem: string, passphrase: string): Promise<string> {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw badInput(
      'pki.weak_passphrase',
      `The passphrase is too short: it must be at least ${MIN_PASSPHRASE_LENGTH} characters.`,
      { minLength: MIN_PASSPHRASE_LENGTH },
    );
  }
  const der = privateKeyObject(privateKeyPem).export({ type: 'pkcs8', format: 'der' });
  const kdf: KdfParams = { ...DEFAULT_KDF, salt: randomBytes(16).toString('base64') };
  const cipherParams: CipherParams = { name: 'aes-256-gcm', iv: randomBytes(12).toString('base64') };
  const key = await deriveKey(passphrase, kdf);
  const cipher = createCipheriv('aes-256-gcm', key, Buffer.from(cipherParams.iv, 'base64'));
  cipher.setAAD(associatedData(kdf, cipherParams));
  const data = Buffer.concat([cipher.update(der), cipher.final()]);
  const envelope: Envelope = {
    v: ENVELOPE_VERSION,
    kdf,
    cipher: cipherParams,
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  };
  const body = Buffer.from(JSON.stringify(envelope), 'utf8').toString('base64');
  return `-----BEGIN ${LABEL}-----\n${wrap64(body)}\n-----END ${LABEL}-----\n`;
}

function malformed(what: string): Error {
  return badInput('pki.malformed_key', `The encrypted private key is malformed: ${what}.`);
}

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isB64 = (v: unknown, bytes: number): v is string =>
  typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && Buffer.from(v, 'base64').length === bytes;

function parseEnvelope(armoured: string): Envelope {
  const body = ARMOUR.exec(armoured)?.[1];
  if (body === undefined) throw malformed(`no "-----BEGIN ${LABEL}-----" block was found`);
  let env: Envelope;
  try {
    env = JSON.parse(Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')) as Envelope;
  } catch {
    throw malformed('the block body is not base64-encoded JSON');
  }
  if (typeof env !== 'object' || env === null) throw malformed('the block body is not a JSON object');
  if (env.v !== ENVELOPE_VERSION) {
    throw malformed(`envelope version ${String(env.v)} is not supported (this build reads version 1)`);
  }
  const { kdf, cipher } = env;
  if (kdf?.name !== 'scrypt') throw malformed('the key derivation must be "scrypt"');
  if (!isInt(kdf.N, 2, MAX_N) || (kdf.N & (kdf.N - 1)) !== 0) {
    throw malformed(`scrypt N must be a power of two no larger than ${MAX_N}`);
  }
  if (!isInt(kdf.r, 1, MAX_R) || !isInt(kdf.p, 1, MAX_P)) {
    throw malformed(`scrypt r must be 1..${MAX_R} and p 1..${MAX_P}`);
  }
  if (!isB64(kdf.salt, 16)) throw malformed('the salt must be 16 bytes of base64');
  if (cipher?.name !== 'aes-256-gcm') throw malformed('the cipher must be "aes-256-gcm"');
  if (!isB64(cipher.iv, 12)) throw malformed('the IV must be 12 bytes of base64');
  if (!isB64(env.tag, 16)) throw malformed('the authentication tag must be 16 bytes of base64');
  if (typeof env.data !== 'string' || env.data.length === 0) throw malformed('the ciphertext is missing');
  return env;
}

/** Decrypts our armoured envelope back to a PKCS#8 PEM. */
export async function decryptPrivateKey(armoured: string, passphrase: string): Promise<string> {
  const env = parseEnvelope(armoured);
  const key = await deriveKey(passphrase, env.kdf);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(env.cipher.iv, 'base64'));
  decipher.setAAD(associatedData(env.kdf, env.cipher));
  decipher.setAuthTag(Buffer.from(env.tag, 'base64'));
  let der: Buffer;
  try {
    der = Buffer.concat([decipher.update(Buffer.from(env.data, 'base64')), decipher.final()]);
  } catch {
    throw badInput(
      'pki.wrong_passphrase',
      'The private key could not be decrypted: the passphrase is wrong, or the encrypted key was altered.',
    );
  }
  try {
    return toPrivateKeyPem(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } catch {
    throw malformed('the decrypted content is not a PKCS#8 private key');
  }
}

/**
 * Loads a private key from any supported PEM: our envelope, standard encrypted PKCS#8,
 * or plain PKCS#8 / SEC1. Returns unencrypted PKCS#8 PEM.
 */
export async function loadPrivateKey(pem: string, passphrase?: string): Promise<string> {
  const needsPassphrase = (kind: string) =>
    badInput('pki.passphrase_required', `The private key is ${kind}: supply its passphrase to load it.`);
  if (pem.includes(`-----BEGIN ${LABEL}-----`)) {
    if (passphrase === undefined) throw needsPassphrase('encrypted (Liên Thông envelope)');
    return decryptPrivateKey(pem, passphrase);
  }
  // Standard encrypted PKCS#8, or legacy OpenSSL-encrypted SEC1 ("Proc-Type: 4,ENCRYPTED").
  if (pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(pem)) {
    if (passphrase === undefined) throw needsPassphrase('encrypted (PKCS#8)');
    try {
      return toPrivateKeyPem(createPrivateKey({ key: pem, format: 'pem', passphrase }));
    } catch (cause) {
      throw badInput(
        'pki.wrong_passphrase',
        'The encrypted PKCS#8 private key could not be decrypted: the passphrase is wrong, or the key is damaged.',
        { reason: (cause as Error).message },
      );
    }
  }
  return toPrivateKeyPem(privateKeyObject(pem));
}
