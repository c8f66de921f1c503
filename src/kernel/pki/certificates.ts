/**
 * Issuing end-entity certificates from the platform CA. Two profiles, as in X-Road:
 * `auth` certificates authenticate gateways in mutual TLS; `sign` certificates let a member
 * sign messages and documents (non-repudiation).
 */
import { isIP } from 'node:net';
import { badInput } from '../errors.ts';
import {
  assertP256,
  ES256,
  privateKeyObject,
  publicKeyObject,
  samePublicKey,
  toSigningCryptoKey,
  x509,
} from './keys.ts';
import { buildName, checkSerialNumber, serialForEncoding } from './names.ts';

const DAY_MS = 86_400_000;
const MAX_VALIDITY_DAYS = 36_500;

/** A CA's certificate and its unencrypted PKCS#8 private key. */
export interface CaMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export type CertificateProfile = 'auth' | 'sign';

export interface IssuedSubject {
  commonName: string;
  organization: string;
  /** Member identifier, e.g. `VN/GOV/000.00.00.G01`. */
  serialNumber: string;
  country: string;
}

export interface IssueCertificateParams {
  ca: CaMaterial;
  publicKeyPem: string;
  profile: CertificateProfile;
  subject: IssuedSubject;
  /** Hex, positive, at most 20 octets; see `randomSerialNumber`. */
  serialNumber: string;
  notBefore: Date;
  validityDays: number;
  /** `auth` only: names the gateway is reached by, e.g. `localhost`. */
  dnsNames?: string[];
  /** `auth` only: addresses the gateway is reached by, e.g. `127.0.0.1`. */
  ipAddresses?: string[];
}

/** Parses a certificate or throws `code` naming `what` could not be read. */
export function parseCertificate(pem: string, code: string, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem.trim());
  } catch (cause) {
    throw badInput(
      code,
      `The ${what} could not be parsed: expected a PEM "CERTIFICATE" block or base64 DER.`,
      {
        reason: (cause as Error).message,
      },
    );
  }
}

/** Checks a validity period (notBefore, 1..36500 days) and returns notAfter. */
export function validityEnd(notBefore: Date, validityDays: number): Date {
  if (!(notBefore instanceof Date) || Number.isNaN(notBefore.getTime())) {
    throw badInput('pki.invalid_validity', 'notBefore must be a valid date.');
  }
  if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
    throw badInput(
      'pki.invalid_validity',
      `validityDays must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}.`,
      { validityDays },
    );
  }
  return new Date(notBefore.getTime() + validityDays * DAY_MS);
}

export interface SignWithCaParams {
  ca: CaMaterial;
  publicKeyPem: string;
  subject: x509.Name;
  serialNumber: string;
  notBefore: Date;
  validityDays: number;
  /** Profile extensions; basicConstraints CA:false and the key identifiers are added here. */
  extensions: x509.Extension[];
}

/** Signs an end-entity certificate with the CA; shared by every issuing profile. */
export async function signWithCa(params: SignWithCaParams): Promise<string> {
  const serial = checkSerialNumber(params.serialNumber);
  const notAfter = validityEnd(params.notBefore, params.validityDays);
  const caCert = parseCertificate(params.ca.certificatePem, 'pki.invalid_ca', 'CA certificate');
  if (
    !samePublicKey(
      privateKeyObject(params.ca.privateKeyPem),
      publicKeyObject(new Uint8Array(caCert.publicKey.rawData)),
    )
  ) {
    throw badInput('pki.invalid_ca', 'The CA private key does not belong to the CA certificate.');
  }
  if (notAfter > caCert.notAfter) {
    throw badInput(
      'pki.invalid_validity',
      `The certificate would expire on ${notAfter.toISOString()}, after its CA (${caCert.notAfter.toISOString()}); shorten validityDays.`,
      { notAfter: notAfter.toISOString(), caNotAfter: caCert.notAfter.toISOString() },
    );
  }
  const subjectKey = publicKeyObject(params.publicKeyPem);
  assertP256(subjectKey, 'subject public key');
  const spki = subjectKey.export({ type: 'spki', format: 'der' });
  const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = caSki
    ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId)
    : await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialForEncoding(serial),
    subject: params.subject,
    issuer: caCert.subjectName,
    notBefore: params.notBefore,
    notAfter,
    publicKey: spki,
    signingKey: await toSigningCryptoKey(params.ca.privateKeyPem),
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      ...params.extensions,
      aki,
      await x509.SubjectKeyIdentifierExtension.create(spki),
    ],
  });
  return cert.toString('pem');
}

const DNS_NAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function subjectAltNames(params: IssueCertificateParams): x509.JsonGeneralNames {
  const dnsNames = params.dnsNames ?? [];
  const ipAddresses = params.ipAddresses ?? [];
  if (params.profile !== 'auth' && dnsNames.length + ipAddresses.length > 0) {
    throw badInput(
      'pki.invalid_subject_alt_name',
      `Only auth certificates carry DNS names or IP addresses; remove dnsNames/ipAddresses for a ${params.profile} certificate.`,
    );
  }
  for (const name of dnsNames) {
    if (!DNS_NAME.test(name)) {
      throw badInput(
        'pki.invalid_subject_alt_name',
        `"${name}" is not a valid DNS name: use dot-separated labels of letters, digits and hyphens (no wildcards).`,
        { dnsName: name },
      );
    }
  }
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) {
      throw badInput('pki.invalid_subject_alt_name', `"${ip}" is not a valid IPv4 or IPv6 address.`, {
        ipAddress: ip,
      });
    }
  }
  return [
    ...dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...ipAddresses.map((value) => ({ type: 'ip' as const, value })),
  ];
}

/** Issues an `auth` (gateway TLS) or `sign` (member signing) certificate; returns its PEM. */
export async function issueCertificate(params: IssueCertificateParams): Promise<string> {
  if (params.profile !== 'auth' && params.profile !== 'sign') {
    throw badInput(
      'pki.invalid_profile',
      `The profile must be "auth" or "sign", not "${String(params.profile)}".`,
    );
  }
  const subject = buildName(params.subject, ['organization', 'serialNumber', 'country']);
  const sans = subjectAltNames(params);
  const { KeyUsageFlags, ExtendedKeyUsage } = x509;
  const extensions: x509.Extension[] =
    params.profile === 'auth'
      ? [
          new x509.KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth, ExtendedKeyUsage.clientAuth]),
          ...(sans.length > 0 ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
        ]
      : [new x509.KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation, true)];
  return signWithCa({
    ca: params.ca,
    publicKeyPem: params.publicKeyPem,
    subject,
    serialNumber: params.serialNumber,
    notBefore: params.notBefore,
    validityDays: params.validityDays,
    extensions,
  });
}
