import { generateKeyPairSync, type KeyObject, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCsr, parseCsr } from './csr.ts';
import { generateKeyPair, x509 } from './keys.ts';

const SUBJECT = {
  commonName: 'Sở Tư pháp Quảng Ninh',
  organization: 'UBND tỉnh Quảng Ninh',
  serialNumber: 'VN/GOV/000.00.00.H49',
  country: 'VN',
};

/** Imports a node key pair into WebCrypto so @peculiar/x509 can build foreign-key CSRs. */
async function webKeys(
  pair: { privateKey: KeyObject; publicKey: KeyObject },
  algorithm: webcrypto.EcKeyImportParams | webcrypto.RsaHashedImportParams,
) {
  return {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      pair.privateKey.export({ type: 'pkcs8', format: 'der' }),
      algorithm,
      true,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      pair.publicKey.export({ type: 'spki', format: 'der' }),
      algorithm,
      true,
      ['verify'],
    ),
  };
}

describe('createCsr / parseCsr', () => {
  it('round-trips subject and public key through a PKCS#10 PEM', async () => {
    const keys = generateKeyPair();
    const pem = await createCsr({ ...keys, subject: SUBJECT });
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    const parsed = await parseCsr(pem);
    expect(parsed).toEqual({
      publicKeyPem: keys.publicKeyPem,
      subject: SUBJECT,
      subjectDn: 'C=VN, O=UBND tỉnh Quảng Ninh, CN=Sở Tư pháp Quảng Ninh, serialNumber=VN/GOV/000.00.00.H49',
      keyAlgorithm: 'EC P-256',
    });
  });

  it('accepts base64 DER (with line breaks) and raw DER bytes', async () => {
    const keys = generateKeyPair();
    const pem = await createCsr({ ...keys, subject: { commonName: 'gw1' } });
    const b64 = pem.replace(/-----[A-Z ]+-----/g, '').trim();
    expect((await parseCsr(b64)).subject).toEqual({ commonName: 'gw1' });
    expect((await parseCsr(Buffer.from(b64, 'base64'))).publicKeyPem).toBe(keys.publicKeyPem);
  });

  it('refuses to build a request from mismatched keys', async () => {
    const a = generateKeyPair();
    const b = generateKeyPair();
    await expect(
      createCsr({ privateKeyPem: a.privateKeyPem, publicKeyPem: b.publicKeyPem, subject: SUBJECT }),
    ).rejects.toMatchObject({
      code: 'pki.key_mismatch',
    });
  });

  it('refuses a request signed by a key other than the one it carries', async () => {
    const carried = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const signer = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const alg = { name: 'ECDSA', namedCurve: 'P-256' };
    const keys = {
      publicKey: (await webKeys(carried, alg)).publicKey,
      privateKey: (await webKeys(signer, alg)).privateKey,
    };
    const csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=impostor',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    });
    await expect(parseCsr(csr.toString('pem'))).rejects.toMatchObject({ code: 'pki.csr_signature_invalid' });
  });

  it('refuses RSA and P-384 requests, naming the key found', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaAlg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    const rsaCsr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=rsa',
      keys: await webKeys(rsa, rsaAlg),
      signingAlgorithm: rsaAlg,
    });
    await expect(parseCsr(rsaCsr.toString('pem'))).rejects.toMatchObject({
      code: 'pki.unsupported_key',
      message: /RSA 2048 key; the platform requires ECDSA P-256/,
    });

    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const p384Csr = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=p384',
      keys: await webKeys(p384, { name: 'ECDSA', namedCurve: 'P-384' }),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-384' },
    });
    await expect(parseCsr(p384Csr.toString('pem'))).rejects.toMatchObject({
      code: 'pki.unsupported_key',
      details: { found: 'EC P-384', required: 'EC P-256' },
    });
  });

  it('refuses input that is not a PKCS#10 request', async () => {
    const keys = generateKeyPair();
    for (const input of [
      '',
      'hello world',
      keys.publicKeyPem,
      '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n',
      'AAAA',
    ]) {
      await expect(parseCsr(input)).rejects.toMatchObject({ code: 'pki.invalid_csr' });
    }
  });

  it('validates the subject before signing', async () => {
    const keys = generateKeyPair();
    const bad = [
      { commonName: '' },
      { commonName: 'x'.repeat(65) },
      { commonName: 'a', country: 'vn' },
      { commonName: 'a', serialNumber: 'VN@GOV' },
    ];
    for (const subject of bad) {
      await expect(createCsr({ ...keys, subject })).rejects.toMatchObject({ code: 'pki.invalid_subject' });
    }
  });
});
