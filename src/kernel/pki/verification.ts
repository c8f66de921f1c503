/**
 * Reading and checking certificates: what a gateway does with a peer's certificate and what
 * the registry shows operators. Revocation is the registry's business; it plugs in via a hook.
 */
import { createHash } from 'node:crypto';
import { badInput } from '../errors.ts';
import type { CertificateProfile } from './certificates.ts';
import { parseCertificate } from './certificates.ts';
import { publicKeyObject, toPublicKeyPem, x509 } from './keys.ts';
import { nameToString, normalizeSerialNumber, type SubjectParts, subjectPartsOf } from './names.ts';

const DAY_MS = 86_400_000;

export interface CertificateDescription {
  /** Canonical: lower-case hex, no leading zeros. */
  serialNumber: string;
  subject: string;
  subjectParts: SubjectParts;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-256 of the DER encoding, lower-case hex. */
  fingerprintSha256: string;
  publicKeyPem: string;
  isCa: boolean;
  /** Names as in RFC 5280, e.g. `digitalSignature`, `nonRepudiation`, `keyCertSign`. */
  keyUsages: string[];
  /** `serverAuth`, `clientAuth`, … or the OID when it has no well-known name. */
  extKeyUsages: string[];
  dnsNames: string[];
  ipAddresses: string[];
  /** Whole days until notAfter (negative once expired). */
  daysToExpiry: number;
  expired: boolean;
  notYetValid: boolean;
}

function keyUsagesOf(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.KeyUsagesExtension);
  if (!ext) return [];
  return Object.entries(x509.KeyUsageFlags)
    .filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number' && (ext.usages & entry[1]) !== 0,
    )
    .map(([name]) => name);
}

function extKeyUsagesOf(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.ExtendedKeyUsageExtension);
  const known = new Map<string, string>(
    Object.entries(x509.ExtendedKeyUsage).map(([name, oid]) => [oid, name]),
  );
  return (ext?.usages ?? []).map((oid) => known.get(String(oid)) ?? String(oid));
}

function describe(cert: x509.X509Certificate, now: Date): CertificateDescription {
  const sanNames = cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? [];
  return {
    serialNumber: normalizeSerialNumber(cert.serialNumber),
    subject: nameToString(cert.subjectName),
    subjectParts: subjectPartsOf(cert.subjectName),
    issuer: nameToString(cert.issuerName),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    fingerprintSha256: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
    publicKeyPem: toPublicKeyPem(publicKeyObject(new Uint8Array(cert.publicKey.rawData))),
    isCa: cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false,
    keyUsages: keyUsagesOf(cert),
    extKeyUsages: extKeyUsagesOf(cert),
    dnsNames: sanNames.filter((n) => n.type === 'dns').map((n) => n.value),
    ipAddresses: sanNames.filter((n) => n.type === 'ip').map((n) => n.value),
    daysToExpiry: Math.floor((cert.notAfter.getTime() - now.getTime()) / DAY_MS),
    expired: now > cert.notAfter,
    notYetValid: now < cert.notBefore,
  };
}

/** Describes a certificate (PEM or base64 DER) as seen at `now`. */
export function describeCertificate(pem: string, now: Date): CertificateDescription {
  return describe(parseCertificate(pem, 'pki.invalid_certificate', 'certificate'), now);
}

export interface VerifyOptions {
  /** Trust anchors: the certificate must be signed directly by one of them. */
  trustedRootsPem: string[];
  now: Date;
  requiredProfile?: CertificateProfile;
  /** Called with the canonical serial number; the registry answers from its revocation list. */
  isRevoked?: (serialHex: string) => boolean;
}

const sameBytes = (a: ArrayBuffer, b: ArrayBuffer) => Buffer.from(a).equals(Buffer.from(b));

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    // A key type the signature algorithm cannot use (e.g. an RSA root) simply does not verify.
    return false;
  }
}

async function findIssuer(cert: x509.X509Certificate, roots: x509.X509Certificate[]) {
  const issuer = nameToString(cert.issuerName);
  const named = roots.filter((root) =>
    sameBytes(root.subjectName.toArrayBuffer(), cert.issuerName.toArrayBuffer()),
  );
  if (named.length === 0) {
    throw badInput(
      'pki.untrusted_certificate',
      `The certificate was issued by "${issuer}", which is not one of the ${roots.length} trusted root CA(s).`,
      { issuer },
    );
  }
  for (const root of named) {
    if (!(root.getExtension(x509.BasicConstraintsExtension)?.ca ?? false)) continue;
    if (await signedBy(cert, root)) return root;
  }
  throw badInput(
    'pki.untrusted_certificate',
    `The certificate names "${issuer}" as issuer, but its signature does not verify with that trusted CA's key.`,
    { issuer },
  );
}

const PROFILE_RULES: Record<
  CertificateProfile,
  { keyUsages: string[]; extKeyUsages: string[]; purpose: string }
> = {
  auth: {
    keyUsages: ['digitalSignature'],
    extKeyUsages: ['serverAuth', 'clientAuth'],
    purpose: 'TLS authentication',
  },
  sign: { keyUsages: ['digitalSignature', 'nonRepudiation'], extKeyUsages: [], purpose: 'signing' },
};

function checkUsage(d: CertificateDescription, profile: CertificateProfile): void {
  const rule = PROFILE_RULES[profile];
  const missing = [
    ...rule.keyUsages.filter((u) => !d.keyUsages.includes(u)),
    ...rule.extKeyUsages.filter((u) => !d.extKeyUsages.includes(u)),
  ];
  if (d.isCa || missing.length > 0) {
    throw badInput(
      'pki.wrong_certificate_usage',
      d.isCa
        ? `A CA certificate cannot be used for ${rule.purpose}; present an end-entity ${profile} certificate.`
        : `The certificate is not a "${profile}" certificate and cannot be used for ${rule.purpose}: it lacks ${missing.join(', ')}.`,
      { requiredProfile: profile, missing },
    );
  }
}

/** Verifies a certificate against trusted roots at `now`; returns its description or throws `badInput`. */
export async function verifyCertificate(
  pem: string,
  options: VerifyOptions,
): Promise<CertificateDescription> {
  const cert = parseCertificate(pem, 'pki.invalid_certificate', 'certificate');
  const roots = options.trustedRootsPem.map((root, i) =>
    parseCertificate(root, 'pki.invalid_certificate', `trusted root #${i + 1}`),
  );
  const root = await findIssuer(cert, roots);
  const d = describe(cert, options.now);
  if (d.notYetValid) {
    throw badInput(
      'pki.certificate_not_yet_valid',
      `The certificate is not valid before ${d.notBefore.toISOString()} (checked at ${options.now.toISOString()}).`,
      { notBefore: d.notBefore.toISOString() },
    );
  }
  if (d.expired) {
    throw badInput(
      'pki.certificate_expired',
      `The certificate expired on ${d.notAfter.toISOString()} (checked at ${options.now.toISOString()}); renew it.`,
      { notAfter: d.notAfter.toISOString() },
    );
  }
  // After the leaf's own dates: a leaf outliving its CA is rare, an expired leaf is common.
  if (options.now < root.notBefore || options.now > root.notAfter) {
    throw badInput(
      'pki.untrusted_certificate',
      `The issuing CA "${d.issuer}" is only valid from ${root.notBefore.toISOString()} to ${root.notAfter.toISOString()}.`,
      { issuer: d.issuer },
    );
  }
  if (options.isRevoked?.(d.serialNumber)) {
    throw badInput(
      'pki.certificate_revoked',
      `The certificate with serial number ${d.serialNumber} has been revoked.`,
      {
        serialNumber: d.serialNumber,
      },
    );
  }
  if (options.requiredProfile) checkUsage(d, options.requiredProfile);
  return d;
}
