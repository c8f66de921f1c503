/** The platform PKI: P-256 keys, the CA, CSRs, certificate issuing and verification. Pure functions. */
export {
  type ConfigurationSigningOptions,
  createRootCa,
  importCa,
  issueConfigurationSigningCertificate,
  type RootCaOptions,
} from './ca.ts';
export {
  type CaMaterial,
  type CertificateProfile,
  type IssueCertificateParams,
  type IssuedSubject,
  issueCertificate,
} from './certificates.ts';
export { type CreateCsrParams, createCsr, type ParsedCsr, parseCsr } from './csr.ts';
export {
  decryptPrivateKey,
  encryptPrivateKey,
  loadPrivateKey,
  MIN_PASSPHRASE_LENGTH,
} from './key-encryption.ts';
export {
  assertP256,
  type CryptoKey,
  describeKeyAlgorithm,
  generateKeyPair,
  type KeyPairPem,
  privateKeyObject,
  publicKeyObject,
  toPrivateKeyPem,
  toPublicKeyPem,
  toSigningCryptoKey,
  toVerifyingCryptoKey,
} from './keys.ts';
export { checkSerialNumber, normalizeSerialNumber, randomSerialNumber, type SubjectParts } from './names.ts';
export {
  type CertificateDescription,
  describeCertificate,
  type VerifyOptions,
  verifyCertificate,
} from './verification.ts';
