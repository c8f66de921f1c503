import { verify, X509Certificate } from 'node:crypto';
import { AppError } from '../errors.ts';
import {
  type ConfigurationAnchor,
  GLOBALCONF_FORMAT_VERSION,
  GLOBALCONF_JWS_TYPE,
  type GlobalConfiguration,
  type SignedConfiguration,
} from './format.ts';

/**
 * The gateway side: accept a global configuration only if it is signed by a key the anchor
 * names, belongs to the anchor's instance, has not expired, and is not older than the one
 * already held. Anything else is refused with a reason.
 */
export interface VerifyConfigurationOptions {
  now: Date;
  /** The serial and content hash of the configuration currently held, if any. */
  previous?: { serial: number; contentHash: string } | undefined;
  /** Tolerated clock difference with the registry (default 60 s). */
  maxClockSkewMs?: number | undefined;
}

const refuse = (code: string, message: string) => new AppError('bad_input', code, message);

export function parseAnchor(text: string): ConfigurationAnchor {
  let a: ConfigurationAnchor;
  try {
    a = JSON.parse(text) as ConfigurationAnchor;
  } catch {
    throw refuse('globalconf.invalid_anchor', 'The configuration anchor is not valid JSON.');
  }
  if (
    a?.formatVersion !== GLOBALCONF_FORMAT_VERSION ||
    typeof a.instance !== 'string' ||
    typeof a.configurationUrl !== 'string' ||
    !Array.isArray(a.signingCertificates) ||
    a.signingCertificates.length === 0
  ) {
    throw refuse(
      'globalconf.invalid_anchor',
      'The configuration anchor must have formatVersion 1, instance, configurationUrl and signingCertificates. Download it again from the registry (GET /globalconf/anchor).',
    );
  }
  return a;
}

export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256.replaceAll(':', '').toLowerCase();
}

export async function verifyConfiguration(
  document: string | Uint8Array,
  anchor: ConfigurationAnchor,
  options: VerifyConfigurationOptions,
): Promise<GlobalConfiguration> {
  let jws: SignedConfiguration;
  try {
    jws = JSON.parse(typeof document === 'string' ? document : Buffer.from(document).toString('utf8'));
  } catch {
    throw refuse('globalconf.malformed', 'The global configuration is not a JSON-serialised JWS.');
  }
  if (
    typeof jws?.protected !== 'string' ||
    typeof jws.payload !== 'string' ||
    typeof jws.signature !== 'string'
  ) {
    throw refuse(
      'globalconf.malformed',
      'The global configuration must carry protected, payload and signature.',
    );
  }
  let header: { alg?: string; kid?: string; typ?: string };
  try {
    header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8'));
  } catch {
    throw refuse('globalconf.malformed', 'The global configuration has an unreadable protected header.');
  }
  if (header.alg !== 'ES256' || header.typ !== GLOBALCONF_JWS_TYPE) {
    throw refuse(
      'globalconf.malformed',
      `Unexpected signature header (alg ${header.alg}, typ ${header.typ}).`,
    );
  }
  const signer = anchor.signingCertificates.find((pem) => fingerprintOf(pem) === header.kid);
  if (!signer) {
    throw refuse(
      'globalconf.unknown_signer',
      `The configuration is signed by key ${header.kid}, which the anchor does not name. If the registry changed its key, install its new anchor.`,
    );
  }
  const cert = new X509Certificate(signer);
  const now = options.now.getTime();
  if (Date.parse(cert.validTo) < now || Date.parse(cert.validFrom) > now) {
    throw refuse(
      'globalconf.signer_expired',
      'The configuration signing certificate in the anchor is not valid now.',
    );
  }
  // Node's crypto directly: the document can be tens of megabytes, and a generic JOSE library
  // re-encodes it more than once.
  let valid = false;
  try {
    valid = verify(
      'sha256',
      Buffer.from(`${jws.protected}.${jws.payload}`),
      { key: cert.publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(jws.signature, 'base64url'),
    );
  } catch {
    // A malformed signature does not verify either.
  }
  if (!valid) {
    throw refuse(
      'globalconf.bad_signature',
      'The global configuration signature does not verify: it was altered or not signed by the registry.',
    );
  }
  let conf: GlobalConfiguration;
  try {
    conf = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));
  } catch {
    throw refuse('globalconf.malformed', 'The signed configuration payload is not JSON.');
  }
  if (conf.formatVersion !== GLOBALCONF_FORMAT_VERSION) {
    throw refuse(
      'globalconf.unsupported_format',
      `Configuration format ${conf.formatVersion} is not supported (expected ${GLOBALCONF_FORMAT_VERSION}).`,
    );
  }
  if (conf.instance !== anchor.instance) {
    throw refuse(
      'globalconf.wrong_instance',
      `The configuration is for instance ${conf.instance}, the anchor for ${anchor.instance}.`,
    );
  }
  const skew = options.maxClockSkewMs ?? 60_000;
  if (Date.parse(conf.expiresAt) <= now) {
    throw refuse(
      'globalconf.expired',
      `The global configuration expired at ${conf.expiresAt}. The registry must publish a fresh one.`,
    );
  }
  if (Date.parse(conf.generatedAt) > now + skew) {
    throw refuse(
      'globalconf.from_future',
      `The configuration claims to be generated at ${conf.generatedAt}, after now: check the clocks.`,
    );
  }
  const prev = options.previous;
  if (prev) {
    if (conf.serial < prev.serial) {
      throw refuse(
        'globalconf.rollback',
        `Configuration serial ${conf.serial} is older than the held ${prev.serial}: refusing to go back.`,
      );
    }
    if (conf.serial === prev.serial && conf.contentHash !== prev.contentHash) {
      throw refuse(
        'globalconf.serial_reused',
        `Configuration serial ${conf.serial} was reused for different content.`,
      );
    }
  }
  return conf;
}
