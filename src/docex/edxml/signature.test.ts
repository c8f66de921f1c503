import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CaMaterial,
  createRootCa,
  generateKeyPair,
  issueCertificate,
  randomSerialNumber,
} from '../../kernel/pki/index.ts';
import { parseMessage, parseStatus } from './parse.ts';
import { signEnvelope, verifyEnvelope, XMLDSIG_NAMESPACE } from './signature.ts';

const NOW = new Date('2026-03-10T01:00:00Z');
const fixtures = path.resolve(import.meta.dirname, '../../../test/fixtures/edxml/valid');
const letter = readFileSync(path.join(fixtures, 'new-official-letter.xml'), 'utf8');
const status = readFileSync(path.join(fixtures, 'status-03.xml'), 'utf8');

interface Signer {
  privateKeyPem: string;
  certificatePem: string;
}

let ca: CaMaterial;
let otherCa: CaMaterial;
let signer: Signer;
let stranger: Signer;

async function signerFrom(
  issuer: CaMaterial,
  profile: 'sign' | 'auth' = 'sign',
  validityDays = 365,
): Promise<Signer> {
  const keys = generateKeyPair();
  const certificatePem = await issueCertificate({
    ca: issuer,
    publicKeyPem: keys.publicKeyPem,
    profile,
    subject: {
      commonName: 'Văn phòng UBND tỉnh Quảng Ninh',
      organization: 'Ủy ban nhân dân tỉnh Quảng Ninh',
      serialNumber: 'VN/GOV/000.00.01.H49',
      country: 'VN',
    },
    serialNumber: randomSerialNumber(),
    notBefore: new Date('2026-01-01T00:00:00Z'),
    validityDays,
  });
  return { privateKeyPem: keys.privateKeyPem, certificatePem };
}

beforeAll(async () => {
  const root = {
    organization: 'Cục Chuyển đổi số quốc gia',
    country: 'VN',
    validityDays: 3650,
    now: new Date('2025-12-01T00:00:00Z'),
  };
  ca = await createRootCa({ ...root, commonName: 'Liên Thông Root CA' });
  otherCa = await createRootCa({ ...root, commonName: 'Impostor Root CA' });
  signer = await signerFrom(ca);
  stranger = await signerFrom(otherCa);
});

async function rejection(
  p: Promise<unknown>,
): Promise<{ code: string; rule: string; details: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; details: Record<string, unknown> };
    return { code: err.code, rule: String(err.details?.['rule']), details: err.details };
  }
  throw new Error('expected a rejection');
}

const signatureOf = (xml: string) => /<Signature [\s\S]*<\/Signature>/.exec(xml)?.[0] ?? '';

describe('signEnvelope / verifyEnvelope', () => {
  it('signs inside edXMLHeader, leaves every other byte alone, and verifies against the CA', async () => {
    const signed = signEnvelope(letter, signer);
    const sig = signatureOf(signed);
    expect(signed.replace(sig, '')).toBe(letter);
    expect(signed).toContain(`${sig}</edXML:edXMLHeader>`);
    expect(sig).toContain(`<Signature xmlns="${XMLDSIG_NAMESPACE}">`);
    expect(sig).toContain('Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"');
    expect(sig).toContain('Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"');
    expect(sig).toContain('Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"');
    const value = /<SignatureValue>([^<]+)<\/SignatureValue>/.exec(sig)?.[1] ?? '';
    expect(Buffer.from(value, 'base64')).toHaveLength(64);

    const result = await verifyEnvelope(signed, { trustedCaPem: ca.certificatePem, now: NOW });
    expect(result.signer.subjectParts).toMatchObject({
      commonName: 'Văn phòng UBND tỉnh Quảng Ninh',
      serialNumber: 'VN/GOV/000.00.01.H49',
    });
    expect(result.certificatePem.replace(/\s/g, '')).toBe(signer.certificatePem.replace(/\s/g, ''));
    expect(parseMessage(signed)).toStrictEqual(parseMessage(letter));
  });

  it('signs status messages and Buffer input the same way', async () => {
    const signed = signEnvelope(Buffer.from(status, 'utf8'), signer);
    await expect(
      verifyEnvelope(Buffer.from(signed, 'utf8'), { trustedCaPem: [ca.certificatePem], now: NOW }),
    ).resolves.toBeDefined();
    expect(parseStatus(signed)).toStrictEqual(parseStatus(status));
  });

  it('refuses an unsigned envelope', async () => {
    expect(await rejection(verifyEnvelope(letter))).toMatchObject({ code: 'docex.edxml.unsigned' });
  });

  it.each([
    ['the subject', (x: string) => x.replace('V/v triển khai', 'V/v tạm dừng')],
    ['a recipient', (x: string) => x.replace('000.00.00.G09', '000.00.00.G12')],
    ['an attachment name in the body', (x: string) => x.replace('1234-UBND-VP.pdf', 'khac.pdf')],
    ['the attachment digest', (x: string) => x.replace('size="11"', 'size="12"')],
    ['an added element', (x: string) => x.replace('</edXML:edXMLBody>', '<edXML:Extra/></edXML:edXMLBody>')],
    [
      'a text into NFD',
      (x: string) =>
        x.replace('Quảng Ninh</edXML:OrganName>', `${'Quảng Ninh'.normalize('NFD')}</edXML:OrganName>`),
    ],
  ])('detects a change to %s (digest mismatch)', async (_what, tamper) => {
    const signed = signEnvelope(letter, signer);
    const tampered = tamper(signed);
    expect(tampered).not.toBe(signed);
    expect(await rejection(verifyEnvelope(tampered))).toMatchObject({
      code: 'docex.edxml.bad_signature',
      rule: expect.stringContaining('digest'),
    });
  });

  it('accepts changes that do not alter the canonical form (attribute quotes, XML declaration)', async () => {
    const signed = signEnvelope(letter, signer);
    const reformatted = signed
      .replace('<?xml version="1.0" encoding="UTF-8"?>\n', '')
      .replace('version="1.0">', "version='1.0'>");
    await expect(verifyEnvelope(reformatted)).resolves.toBeDefined();
  });

  it('detects a forged signature value and a swapped certificate', async () => {
    const signed = signEnvelope(letter, signer);
    const value = /<SignatureValue>([^<]+)</.exec(signed)?.[1] ?? '';
    const bytes = Buffer.from(value, 'base64');
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    const forged = signed.replace(value, bytes.toString('base64'));
    expect(await rejection(verifyEnvelope(forged))).toMatchObject({
      code: 'docex.edxml.bad_signature',
      rule: expect.stringContaining('does not verify'),
    });
    const der = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
    const swapped = signed.replace(der(signer.certificatePem), der(stranger.certificatePem));
    expect(await rejection(verifyEnvelope(swapped))).toMatchObject({ code: 'docex.edxml.bad_signature' });
    const truncated = signed.replace(value, value.slice(0, 40));
    expect(await rejection(verifyEnvelope(truncated))).toMatchObject({ code: 'docex.edxml.bad_signature' });
  });

  describe('signature wrapping and algorithm substitution', () => {
    let signed: string;
    let sig: string;
    beforeAll(() => {
      signed = signEnvelope(letter, signer);
      sig = signatureOf(signed);
    });

    it.each([
      ['a Reference to an element id', () => signed.replace('<Reference URI="">', '<Reference URI="#body">')],
      [
        'a second Signature in the body',
        () => signed.replace('</edXML:edXMLBody>', `${sig}</edXML:edXMLBody>`),
      ],
      ['a second Signature in the header', () => signed.replace(sig, sig + sig)],
      [
        'the Signature moved into MessageHeader',
        () => signed.replace(sig, '').replace('</edXML:MessageHeader>', `${sig}</edXML:MessageHeader>`),
      ],
      [
        'a second Reference',
        () => signed.replace('</Reference>', '</Reference><Reference URI=""></Reference>'),
      ],
      [
        'an RSA signature method',
        () => signed.replace('xmldsig-more#ecdsa-sha256', 'xmldsig-more#rsa-sha256'),
      ],
      ['a SHA-1 digest', () => signed.replace('xmlenc#sha256', 'xmldsig#sha1')],
      [
        'inclusive c14n',
        () =>
          signed.replace(
            '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
            '<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>',
          ),
      ],
      [
        'an InclusiveNamespaces prefix list',
        () =>
          signed.replace(
            '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>',
            '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><InclusiveNamespaces xmlns="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="edXML"/></Transform>',
          ),
      ],
      [
        'the enveloped transform dropped',
        () =>
          signed.replace(
            '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>',
            '',
          ),
      ],
      [
        'an Object carrying other content',
        () => signed.replace('</KeyInfo>', '</KeyInfo><Object>x</Object>'),
      ],
      [
        'two certificates',
        () =>
          signed.replace(
            '</X509Data>',
            `<X509Certificate>${stranger.certificatePem.replace(/-----[^-]+-----|\s/g, '')}</X509Certificate></X509Data>`,
          ),
      ],
    ])('refuses %s', async (_what, attack) => {
      const attacked = attack();
      expect(attacked).not.toBe(signed);
      expect(await rejection(verifyEnvelope(attacked))).toMatchObject({ code: 'docex.edxml.bad_signature' });
    });

    it('refuses a forged envelope that carries the genuine signed one inside an extension element', async () => {
      const genuineHeader = /<edXML:edXMLHeader>[\s\S]*<\/edXML:edXMLHeader>/.exec(signed)?.[0] ?? '';
      const forgedLetter = letter.replace('V/v triển khai', 'V/v tạm dừng');
      const wrapped = forgedLetter.replace(
        '</edXML:edXMLHeader>',
        `${sig}<ext:Original xmlns:ext="urn:x">${genuineHeader}</ext:Original></edXML:edXMLHeader>`,
      );
      expect(await rejection(verifyEnvelope(wrapped))).toMatchObject({ code: 'docex.edxml.bad_signature' });
    });
  });

  describe('trust', () => {
    it('refuses a signer whose certificate another CA issued', async () => {
      const signed = signEnvelope(letter, stranger);
      await expect(verifyEnvelope(signed, { now: NOW })).resolves.toBeDefined();
      expect(
        await rejection(verifyEnvelope(signed, { trustedCaPem: ca.certificatePem, now: NOW })),
      ).toMatchObject({
        code: 'docex.edxml.untrusted_signer',
        details: { reason: 'pki.untrusted_certificate' },
      });
    });

    it('refuses an expired, a revoked and a TLS-only certificate', async () => {
      const signed = signEnvelope(letter, signer);
      const later = new Date('2027-06-01T00:00:00Z');
      expect(
        await rejection(verifyEnvelope(signed, { trustedCaPem: ca.certificatePem, now: later })),
      ).toMatchObject({
        code: 'docex.edxml.untrusted_signer',
        details: { reason: 'pki.certificate_expired' },
      });
      const revoked = await rejection(
        verifyEnvelope(signed, { trustedCaPem: ca.certificatePem, now: NOW, isRevoked: () => true }),
      );
      expect(revoked).toMatchObject({
        code: 'docex.edxml.untrusted_signer',
        details: { reason: 'pki.certificate_revoked' },
      });
      const tls = await signerFrom(ca, 'auth');
      expect(
        await rejection(
          verifyEnvelope(signEnvelope(letter, tls), { trustedCaPem: ca.certificatePem, now: NOW }),
        ),
      ).toMatchObject({
        code: 'docex.edxml.untrusted_signer',
        details: { reason: 'pki.wrong_certificate_usage' },
      });
    });
  });

  describe('signing refuses', () => {
    it('a key that does not match the certificate', () => {
      expect(() => signEnvelope(letter, { ...signer, privateKeyPem: stranger.privateKeyPem })).toThrow(
        expect.objectContaining({ code: 'docex.edxml.key_mismatch' }),
      );
    });

    it('a non-P-256 key', () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const rsaPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      expect(() => signEnvelope(letter, { ...signer, privateKeyPem: rsaPem })).toThrow(
        expect.objectContaining({ code: 'pki.unsupported_key' }),
      );
    });

    it('an envelope that is already signed, or not a valid message', () => {
      expect(() => signEnvelope(signEnvelope(letter, signer), signer)).toThrow(
        expect.objectContaining({ code: 'docex.edxml.already_signed' }),
      );
      expect(() =>
        signEnvelope(
          letter.replace('2026/03/10</edXML:PromulgationDate>', '10/03/2026</edXML:PromulgationDate>'),
          signer,
        ),
      ).toThrow(expect.objectContaining({ code: 'docex.edxml.bad_date' }));
    });
  });
});
