import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa } from './ca.ts';
import { type CaMaterial, type IssueCertificateParams, issueCertificate } from './certificates.ts';
import { generateKeyPair, type KeyPairPem, x509 } from './keys.ts';
import { checkSerialNumber, normalizeSerialNumber, randomSerialNumber } from './names.ts';
import { describeCertificate, verifyCertificate } from './verification.ts';

const NOW = new Date('2026-03-01T00:00:00Z');
const DAY = 86_400_000;
const SUBJECT = {
  commonName: 'gw.byt.gov.vn',
  organization: 'Bộ Y tế',
  serialNumber: 'VN/GOV/000.00.00.G18',
  country: 'VN',
};

let ca: CaMaterial;
let otherCa: CaMaterial;
let keys: KeyPairPem;
beforeAll(async () => {
  const root = {
    organization: 'Cục Chuyển đổi số quốc gia',
    country: 'VN',
    validityDays: 3650,
    now: new Date('2026-01-01T00:00:00Z'),
  };
  ca = await createRootCa({ ...root, commonName: 'Liên Thông Root CA' });
  otherCa = await createRootCa({ ...root, commonName: 'Impostor Root CA' });
  keys = generateKeyPair();
});

function params(overrides: Partial<IssueCertificateParams> = {}): IssueCertificateParams {
  return {
    ca,
    publicKeyPem: keys.publicKeyPem,
    profile: 'auth',
    subject: SUBJECT,
    serialNumber: randomSerialNumber(),
    notBefore: NOW,
    validityDays: 365,
    ...overrides,
  };
}

describe('issueCertificate', () => {
  it('issues an auth certificate for mutual TLS', async () => {
    const pem = await issueCertificate(
      params({
        serialNumber: '00ABCDEF',
        dnsNames: ['localhost', 'gw.byt.gov.vn'],
        ipAddresses: ['127.0.0.1', '::1'],
      }),
    );
    const d = await verifyCertificate(pem, {
      trustedRootsPem: [ca.certificatePem],
      now: NOW,
      requiredProfile: 'auth',
    });
    expect(d).toMatchObject({
      serialNumber: 'abcdef',
      subject: 'C=VN, O=Bộ Y tế, CN=gw.byt.gov.vn, serialNumber=VN/GOV/000.00.00.G18',
      subjectParts: SUBJECT,
      issuer: 'C=VN, O=Cục Chuyển đổi số quốc gia, CN=Liên Thông Root CA',
      notBefore: NOW,
      notAfter: new Date(NOW.getTime() + 365 * DAY),
      publicKeyPem: keys.publicKeyPem,
      isCa: false,
      keyUsages: ['digitalSignature'],
      extKeyUsages: ['serverAuth', 'clientAuth'],
      dnsNames: ['localhost', 'gw.byt.gov.vn'],
      ipAddresses: ['127.0.0.1', '::1'],
      daysToExpiry: 365,
      expired: false,
      notYetValid: false,
    });
    const cert = new x509.X509Certificate(pem);
    expect(cert.getExtension(x509.KeyUsagesExtension)?.critical).toBe(true);
    expect(cert.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    const caSki = new x509.X509Certificate(ca.certificatePem).getExtension(
      x509.SubjectKeyIdentifierExtension,
    )?.keyId;
    expect(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(caSki);
    expect(d.fingerprintSha256).toBe(Buffer.from(await cert.getThumbprint('SHA-256')).toString('hex'));
  });

  it('issues a sign certificate with digitalSignature and nonRepudiation', async () => {
    const pem = await issueCertificate(params({ profile: 'sign' }));
    const d = await verifyCertificate(pem, {
      trustedRootsPem: [ca.certificatePem],
      now: NOW,
      requiredProfile: 'sign',
    });
    expect(d.keyUsages).toEqual(['digitalSignature', 'nonRepudiation']);
    expect(d.extKeyUsages).toEqual([]);
    expect(d.dnsNames).toEqual([]);
    expect(new x509.X509Certificate(pem).getExtension(x509.AuthorityKeyIdentifierExtension)).not.toBeNull();
  });

  it('refuses bad serial numbers, subjects, names, keys and validity', async () => {
    const cases: [Partial<IssueCertificateParams>, string][] = [
      [{ serialNumber: '0' }, 'pki.invalid_serial'],
      [{ serialNumber: 'xyz' }, 'pki.invalid_serial'],
      [{ serialNumber: `80${'00'.repeat(19)}` }, 'pki.invalid_serial'],
      [{ subject: { ...SUBJECT, country: 'VNM' } }, 'pki.invalid_subject'],
      [{ subject: { ...SUBJECT, organization: '' } }, 'pki.invalid_subject'],
      [{ dnsNames: ['bad name'] }, 'pki.invalid_subject_alt_name'],
      [{ ipAddresses: ['300.1.1.1'] }, 'pki.invalid_subject_alt_name'],
      [{ profile: 'sign', dnsNames: ['localhost'] }, 'pki.invalid_subject_alt_name'],
      [{ validityDays: 1.5 }, 'pki.invalid_validity'],
      [{ validityDays: 3650 }, 'pki.invalid_validity'],
      [{ publicKeyPem: 'not a key' }, 'pki.malformed_key'],
      [{ ca: { certificatePem: ca.certificatePem, privateKeyPem: otherCa.privateKeyPem } }, 'pki.invalid_ca'],
    ];
    for (const [overrides, code] of cases) {
      await expect(issueCertificate(params(overrides)), code).rejects.toMatchObject({ code });
    }
  });
});

describe('verifyCertificate', () => {
  let auth: string;
  let sign: string;
  beforeAll(async () => {
    auth = await issueCertificate(params({ serialNumber: '0a1b' }));
    sign = await issueCertificate(params({ profile: 'sign' }));
  });
  const trusted = () => ({ trustedRootsPem: [otherCa.certificatePem, ca.certificatePem] });

  it('accepts the certificate on its first and last valid day', async () => {
    await expect(verifyCertificate(auth, { ...trusted(), now: NOW })).resolves.toMatchObject({
      serialNumber: 'a1b',
    });
    const last = new Date(NOW.getTime() + 365 * DAY);
    await expect(verifyCertificate(auth, { ...trusted(), now: last })).resolves.toMatchObject({
      daysToExpiry: 0,
    });
  });

  it('reports expiry and not-yet-valid against the given clock', async () => {
    const after = new Date(NOW.getTime() + 365 * DAY + 1000);
    await expect(verifyCertificate(auth, { ...trusted(), now: after })).rejects.toMatchObject({
      code: 'pki.certificate_expired',
    });
    expect(describeCertificate(auth, after)).toMatchObject({ expired: true, daysToExpiry: -1 });
    const before = new Date(NOW.getTime() - 1000);
    await expect(verifyCertificate(auth, { ...trusted(), now: before })).rejects.toMatchObject({
      code: 'pki.certificate_not_yet_valid',
    });
    expect(describeCertificate(auth, before).notYetValid).toBe(true);
  });

  it('refuses a certificate used for the other profile, or a CA used as a leaf', async () => {
    await expect(
      verifyCertificate(sign, { ...trusted(), now: NOW, requiredProfile: 'auth' }),
    ).rejects.toMatchObject({
      code: 'pki.wrong_certificate_usage',
      message: /not a "auth" certificate.*lacks serverAuth, clientAuth/,
    });
    await expect(
      verifyCertificate(auth, { ...trusted(), now: NOW, requiredProfile: 'sign' }),
    ).rejects.toMatchObject({
      code: 'pki.wrong_certificate_usage',
      details: { missing: ['nonRepudiation'] },
    });
    await expect(
      verifyCertificate(ca.certificatePem, { ...trusted(), now: NOW, requiredProfile: 'sign' }),
    ).rejects.toMatchObject({ code: 'pki.wrong_certificate_usage', message: /A CA certificate/ });
  });

  it('refuses a certificate from an untrusted root, or one that only claims a trusted issuer', async () => {
    await expect(
      verifyCertificate(auth, { trustedRootsPem: [otherCa.certificatePem], now: NOW }),
    ).rejects.toMatchObject({
      code: 'pki.untrusted_certificate',
      message: /not one of the 1 trusted root/,
    });
    // Same subject name as the real root but a different key: the name matches, the signature does not.
    const lookalike = await createRootCa({
      commonName: 'Liên Thông Root CA',
      organization: 'Cục Chuyển đổi số quốc gia',
      country: 'VN',
      validityDays: 3650,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    await expect(
      verifyCertificate(auth, { trustedRootsPem: [lookalike.certificatePem], now: NOW }),
    ).rejects.toMatchObject({
      code: 'pki.untrusted_certificate',
      message: /signature does not verify/,
    });
  });

  it('refuses a valid certificate whose issuing CA is not valid at that time', async () => {
    const early = await issueCertificate(params({ notBefore: new Date('2025-12-01T00:00:00Z') }));
    await expect(
      verifyCertificate(early, { ...trusted(), now: new Date('2025-12-15T00:00:00Z') }),
    ).rejects.toMatchObject({ code: 'pki.untrusted_certificate', message: /only valid from 2026-01-01/ });
  });

  it('consults the revocation hook with the canonical serial number', async () => {
    const seen: string[] = [];
    const isRevoked = (serial: string) => {
      seen.push(serial);
      return serial === 'a1b';
    };
    await expect(verifyCertificate(auth, { ...trusted(), now: NOW, isRevoked })).rejects.toMatchObject({
      code: 'pki.certificate_revoked',
    });
    await expect(verifyCertificate(sign, { ...trusted(), now: NOW, isRevoked })).resolves.toBeDefined();
    expect(seen[0]).toBe('a1b');
  });

  it('reports text that is not a certificate', async () => {
    await expect(verifyCertificate('junk', { ...trusted(), now: NOW })).rejects.toMatchObject({
      code: 'pki.invalid_certificate',
    });
    expect(() => describeCertificate('junk', NOW)).toThrow(
      expect.objectContaining({ code: 'pki.invalid_certificate' }),
    );
  });
});

describe('serial numbers', () => {
  it('randomSerialNumber gives 32 canonical hex digits, positive and within 16 octets', () => {
    for (let i = 0; i < 50; i++) {
      const serial = randomSerialNumber();
      expect(serial).toMatch(/^[4-7][0-9a-f]{31}$/);
      expect(checkSerialNumber(serial)).toBe(serial);
    }
  });

  it('checkSerialNumber accepts exactly the positive values that fit 20 DER octets', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 168n }), fc.nat(3), (value, zeros) => {
        const hex = '0'.repeat(zeros) + value.toString(16);
        const fits = value > 0n && value < 2n ** 159n;
        if (fits) expect(checkSerialNumber(hex.toUpperCase())).toBe(value.toString(16));
        else
          expect(() => checkSerialNumber(hex)).toThrow(
            expect.objectContaining({ code: 'pki.invalid_serial' }),
          );
        expect(normalizeSerialNumber(hex)).toBe(value.toString(16));
      }),
    );
  });
});
