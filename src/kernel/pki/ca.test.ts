import { generateKeyPairSync, webcrypto } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, importCa, issueConfigurationSigningCertificate } from './ca.ts';
import { type CaMaterial, issueCertificate } from './certificates.ts';
import { encryptPrivateKey } from './key-encryption.ts';
import { generateKeyPair, x509 } from './keys.ts';
import { randomSerialNumber } from './names.ts';
import { describeCertificate, verifyCertificate } from './verification.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
const PASS = 'ca passphrase 2026';

let ca: CaMaterial;
beforeAll(async () => {
  ca = await createRootCa({
    commonName: 'Liên Thông Root CA',
    organization: 'Cục Chuyển đổi số quốc gia',
    country: 'VN',
    validityDays: 3650,
    now: NOW,
  });
});

describe('createRootCa', () => {
  it('creates a self-signed P-256 CA with critical CA and keyCertSign/cRLSign constraints', async () => {
    const cert = new x509.X509Certificate(ca.certificatePem);
    expect(await cert.isSelfSigned()).toBe(true);
    expect(cert.signatureAlgorithm).toMatchObject({ name: 'ECDSA', hash: { name: 'SHA-256' } });
    expect(cert.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });
    const bc = cert.getExtension(x509.BasicConstraintsExtension);
    expect(bc?.ca).toBe(true);
    expect(bc?.critical).toBe(true);
    const ku = cert.getExtension(x509.KeyUsagesExtension);
    expect(ku?.critical).toBe(true);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toMatch(/^[0-9a-f]{40}$/);

    const d = describeCertificate(ca.certificatePem, NOW);
    expect(d.subject).toBe('C=VN, O=Cục Chuyển đổi số quốc gia, CN=Liên Thông Root CA');
    expect(d.issuer).toBe(d.subject);
    expect(d.isCa).toBe(true);
    expect(d.notBefore).toEqual(NOW);
    expect(d.notAfter).toEqual(new Date(NOW.getTime() + 3650 * 86_400_000));
    expect(d.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
  });

  it('takes its serial number from the injected randomness', async () => {
    const fixed = { bytes: (n: number) => Buffer.alloc(n, 0xff), uuid: () => '' };
    const other = await createRootCa({
      commonName: 'R',
      organization: 'O',
      country: 'VN',
      validityDays: 1,
      now: NOW,
      serialRandom: fixed,
    });
    expect(describeCertificate(other.certificatePem, NOW).serialNumber).toBe(`7f${'ff'.repeat(15)}`);
  });

  it('validates the subject and validity', async () => {
    const base = { commonName: 'R', organization: 'O', country: 'VN', validityDays: 10, now: NOW };
    await expect(createRootCa({ ...base, country: 'Vietnam' })).rejects.toMatchObject({
      code: 'pki.invalid_subject',
    });
    await expect(createRootCa({ ...base, commonName: '' })).rejects.toMatchObject({
      code: 'pki.invalid_subject',
    });
    await expect(createRootCa({ ...base, validityDays: 0 })).rejects.toMatchObject({
      code: 'pki.invalid_validity',
    });
  });
});

describe('importCa', () => {
  it('accepts a matching certificate and key, plain or encrypted, and returns the key as PKCS#8', async () => {
    expect(await importCa(ca.certificatePem, ca.privateKeyPem, undefined, NOW)).toEqual(ca);
    const encrypted = await encryptPrivateKey(ca.privateKeyPem, PASS);
    expect((await importCa(ca.certificatePem, encrypted, PASS, NOW)).privateKeyPem).toBe(ca.privateKeyPem);
    await expect(importCa(ca.certificatePem, encrypted, 'not the passphrase', NOW)).rejects.toMatchObject({
      code: 'pki.wrong_passphrase',
    });
  });

  it('refuses a key that does not match the certificate', async () => {
    const err = importCa(ca.certificatePem, generateKeyPair().privateKeyPem, undefined, NOW);
    await expect(err).rejects.toMatchObject({ code: 'pki.invalid_ca', message: /does not match/ });
  });

  it('refuses an end-entity certificate', async () => {
    const leafKeys = generateKeyPair();
    const leaf = await issueCertificate({
      ca,
      publicKeyPem: leafKeys.publicKeyPem,
      profile: 'auth',
      subject: {
        commonName: 'gw',
        organization: 'Bộ Y tế',
        serialNumber: 'VN/GOV/000.00.00.G18',
        country: 'VN',
      },
      serialNumber: randomSerialNumber(),
      notBefore: NOW,
      validityDays: 30,
    });
    const err = importCa(leaf, leafKeys.privateKeyPem, undefined, NOW);
    await expect(err).rejects.toMatchObject({ code: 'pki.invalid_ca', message: /not a CA certificate/ });
  });

  it('refuses a CA that has expired or is not yet valid', async () => {
    const old = await createRootCa({
      commonName: 'Old',
      organization: 'O',
      country: 'VN',
      validityDays: 30,
      now: new Date('2020-01-01T00:00:00Z'),
    });
    await expect(importCa(old.certificatePem, old.privateKeyPem, undefined, NOW)).rejects.toMatchObject({
      code: 'pki.invalid_ca',
      message: /expired on 2020-01-31/,
    });
    await expect(
      importCa(ca.certificatePem, ca.privateKeyPem, undefined, new Date('2025-01-01')),
    ).rejects.toMatchObject({
      code: 'pki.invalid_ca',
      message: /not valid until/,
    });
  });

  it('refuses a CA whose key is not P-256, naming the key found', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const keys = {
      privateKey: await webcrypto.subtle.importKey(
        'pkcs8',
        p384.privateKey.export({ type: 'pkcs8', format: 'der' }),
        { name: 'ECDSA', namedCurve: 'P-384' },
        true,
        ['sign'],
      ),
      publicKey: await webcrypto.subtle.importKey(
        'spki',
        p384.publicKey.export({ type: 'spki', format: 'der' }),
        { name: 'ECDSA', namedCurve: 'P-384' },
        true,
        ['verify'],
      ),
    };
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=P-384 CA',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
      notBefore: NOW,
      notAfter: new Date('2030-01-01'),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    });
    const keyPem = p384.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(importCa(cert.toString('pem'), keyPem, undefined, NOW)).rejects.toMatchObject({
      code: 'pki.invalid_ca',
      message: /EC P-384, but only EC P-256/,
    });
  });

  it('refuses text that is not a certificate', async () => {
    await expect(importCa('garbage', ca.privateKeyPem, undefined, NOW)).rejects.toMatchObject({
      code: 'pki.invalid_ca',
    });
  });
});

describe('issueConfigurationSigningCertificate', () => {
  it('issues a digitalSignature-only certificate under the CA', async () => {
    const keys = generateKeyPair();
    const pem = await issueConfigurationSigningCertificate(ca, keys.publicKeyPem, {
      commonName: 'Global configuration signer',
      validityDays: 365,
      now: NOW,
      serial: '01',
    });
    const d = await verifyCertificate(pem, { trustedRootsPem: [ca.certificatePem], now: NOW });
    expect(d.keyUsages).toEqual(['digitalSignature']);
    expect(d.extKeyUsages).toEqual([]);
    expect(d.isCa).toBe(false);
    expect(d.serialNumber).toBe('1');
    expect(d.subject).toBe('C=VN, O=Cục Chuyển đổi số quốc gia, CN=Global configuration signer');
    expect(d.publicKeyPem).toBe(keys.publicKeyPem);
  });

  it('refuses a certificate that would outlive the CA', async () => {
    const keys = generateKeyPair();
    const err = issueConfigurationSigningCertificate(ca, keys.publicKeyPem, {
      commonName: 'c',
      validityDays: 4000,
      now: NOW,
      serial: '02',
    });
    await expect(err).rejects.toMatchObject({ code: 'pki.invalid_validity' });
  });
});
