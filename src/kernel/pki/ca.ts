/**
 * The platform certificate authority: creating a self-signed root, importing an existing CA
 * (e.g. one issued under a national root), and the certificate that signs the global
 * configuration the gateways download.
 */
import { badInput } from '../errors.ts';
import type { Random } from '../random.ts';
import { type CaMaterial, parseCertificate, signWithCa, validityEnd } from './certificates.ts';
import { loadPrivateKey } from './key-encryption.ts';
import {
  describeKeyAlgorithm,
  ES256,
  generateKeyPair,
  privateKeyObject,
  publicKeyObject,
  samePublicKey,
  toSigningCryptoKey,
  x509,
} from './keys.ts';
import { buildName, nameToString, randomSerialNumber, subjectPartsOf } from './names.ts';

export type { CaMaterial } from './certificates.ts';

export interface RootCaOptions {
  commonName: string;
  organization: string;
  /** ISO 3166 alpha-2, `VN`. */
  country: string;
  validityDays: number;
  now: Date;
  serialRandom?: Random;
}

/** Creates a self-signed P-256 root CA; the private key is returned unencrypted (encrypt it before storing). */
export async function createRootCa(options: RootCaOptions): Promise<CaMaterial> {
  const { commonName, organization, country } = options;
  const name = buildName({ commonName, organization, country }, ['organization', 'country']);
  const notAfter = validityEnd(options.now, options.validityDays);
  const { privateKeyPem, publicKeyPem } = generateKeyPair();
  const spki = publicKeyObject(publicKeyPem).export({ type: 'spki', format: 'der' });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(options.serialRandom),
    subject: name,
    issuer: name,
    notBefore: options.now,
    notAfter,
    publicKey: spki,
    signingKey: await toSigningCryptoKey(privateKeyPem),
    signingAlgorithm: ES256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(spki),
    ],
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem };
}

async function caProblems(cert: x509.X509Certificate, privateKeyPem: string, now: Date): Promise<string[]> {
  const problems: string[] = [];
  const certKey = publicKeyObject(new Uint8Array(cert.publicKey.rawData));
  const key = privateKeyObject(privateKeyPem);
  const certAlg = describeKeyAlgorithm(certKey);
  const keyAlg = describeKeyAlgorithm(key);
  if (certAlg !== 'EC P-256')
    problems.push(`the certificate's key is ${certAlg}, but only EC P-256 is supported`);
  if (keyAlg !== 'EC P-256') problems.push(`the private key is ${keyAlg}, but only EC P-256 is supported`);
  if (!samePublicKey(certKey, key))
    problems.push("the private key does not match the certificate's public key");
  if (!(cert.getExtension(x509.BasicConstraintsExtension)?.ca ?? false)) {
    problems.push('it is not a CA certificate (basicConstraints CA:true is missing)');
  }
  const keyUsage = cert.getExtension(x509.KeyUsagesExtension);
  if (keyUsage && (keyUsage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    problems.push('its keyUsage does not allow keyCertSign');
  }
  if (now < cert.notBefore) problems.push(`it is not valid until ${cert.notBefore.toISOString()}`);
  if (now > cert.notAfter) problems.push(`it expired on ${cert.notAfter.toISOString()}`);
  const selfIssued = nameToString(cert.subjectName) === nameToString(cert.issuerName);
  if (selfIssued && certAlg === 'EC P-256' && !(await cert.verify({ signatureOnly: true }))) {
    problems.push('its self-signature does not verify (the certificate is damaged)');
  }
  return problems;
}

/**
 * Validates an existing CA certificate and key (plain, encrypted PKCS#8 or our envelope) for use
 * at `now`; returns them normalised, with the key as unencrypted PKCS#8.
 */
export async function importCa(
  certificatePem: string,
  keyPem: string,
  passphrase: string | undefined,
  now: Date,
): Promise<CaMaterial> {
  const cert = parseCertificate(certificatePem, 'pki.invalid_ca', 'CA certificate');
  const privateKeyPem = await loadPrivateKey(keyPem, passphrase);
  const problems = await caProblems(cert, privateKeyPem, now);
  if (problems.length > 0) {
    throw badInput('pki.invalid_ca', `The CA cannot be imported: ${problems.join('; ')}.`, { problems });
  }
  return { certificatePem: cert.toString('pem'), privateKeyPem };
}

export interface ConfigurationSigningOptions {
  commonName: string;
  validityDays: number;
  now: Date;
  /** Hex serial number; see `randomSerialNumber`. */
  serial: string;
}

/** Issues the certificate whose key signs the global configuration (keyUsage digitalSignature). */
export async function issueConfigurationSigningCertificate(
  ca: CaMaterial,
  publicKeyPem: string,
  options: ConfigurationSigningOptions,
): Promise<string> {
  const caSubject = subjectPartsOf(
    parseCertificate(ca.certificatePem, 'pki.invalid_ca', 'CA certificate').subjectName,
  );
  const subject = buildName({
    commonName: options.commonName,
    ...(caSubject.organization === undefined ? {} : { organization: caSubject.organization }),
    ...(caSubject.country === undefined ? {} : { country: caSubject.country }),
  });
  return signWithCa({
    ca,
    publicKeyPem,
    subject,
    serialNumber: options.serial,
    notBefore: options.now,
    validityDays: options.validityDays,
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
}
