import { webcrypto } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compactVerify, importX509 } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../../test/support/registry.ts';
import { ManualClock } from '../kernel/clock.ts';
import { GlobalConfClient, parseAnchor, verifyConfiguration } from '../kernel/globalconf/index.ts';
import { createCsr, generateKeyPair, verifyCertificate } from '../kernel/pki/index.ts';
import { x509 } from '../kernel/pki/keys.ts';

const H49 = { memberClass: 'GOV', memberCode: '000.00.00.H49' };

async function rsaCsr(): Promise<string> {
  const alg = {
    name: 'RSASSA-PKCS1-v1_5',
    hash: 'SHA-256',
    publicExponent: new Uint8Array([1, 0, 1]),
    modulusLength: 2048,
  };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=rsa',
    keys,
    signingAlgorithm: alg,
  });
  return csr.toString('pem');
}

describe('certificate authority through the registry API', () => {
  let t: TestRegistry;
  beforeAll(async () => {
    t = await startTestRegistry();
    await t.call('POST', '/api/v1/members', {
      ...H49,
      nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh',
      kind: 'province',
    });
    await t.call('POST', '/api/v1/requests', {
      type: 'gateway.register',
      gateway: {
        ...H49,
        gatewayCode: 'gw1',
        addresses: ['https://127.0.0.1:9443', 'https://gw1.quangninh.example'],
      },
    });
    const pending = await t.call('GET', '/api/v1/requests?status=pending');
    await t.call('POST', `/api/v1/requests/${pending.body[0].id}/approve`, {});
  });
  afterAll(async () => {
    await t?.close();
  });

  it('issues auth and sign certificates from CSRs that chain to the published root', async () => {
    const keys = generateKeyPair();
    const csr = await createCsr({ ...keys, subject: { commonName: 'anything' } });
    const sign = await t.call('POST', '/api/v1/certificates', { ...H49, usage: 'sign', csr });
    expect(sign.status).toBe(201);
    expect(sign.body.subject).toContain('Ủy ban nhân dân tỉnh Quảng Ninh');
    const rootPem = (await t.call('GET', '/pki/ca.pem', undefined, null)).body as string;
    const described = await verifyCertificate(sign.body.certificatePem, {
      trustedRootsPem: [rootPem],
      now: new Date(),
      requiredProfile: 'sign',
    });
    expect(described.subjectParts.serialNumber).toBe('VN/GOV/000.00.00.H49');

    const authKeys = generateKeyPair();
    const auth = await t.call('POST', '/api/v1/certificates', {
      ...H49,
      usage: 'auth',
      gatewayCode: 'gw1',
      csr: await createCsr({ ...authKeys, subject: { commonName: 'gw' } }),
    });
    expect(auth.status).toBe(201);
    const d = await verifyCertificate(auth.body.certificatePem, {
      trustedRootsPem: [rootPem],
      now: new Date(),
      requiredProfile: 'auth',
    });
    // The certificate names exactly the hosts the registry knows the gateway by.
    expect(d.ipAddresses).toEqual(['127.0.0.1']);
    expect(d.dnsNames).toEqual(['gw1.quangninh.example']);

    // The same key again for the same use is refused: one revocation must end its trust.
    const again = await t.call('POST', '/api/v1/certificates', { ...H49, usage: 'sign', csr });
    expect([again.status, again.body.code]).toEqual([409, 'pki.key_already_certified']);
  });

  it('refuses bad requests with stable codes and issues nothing', async () => {
    const keys = generateKeyPair();
    const other = generateKeyPair();
    const validCsr = await createCsr({ ...keys, subject: { commonName: 'x' } });
    // A CSR claiming one key but signed with another (the library refuses to make one).
    const wrongKey = await createCsr({
      privateKeyPem: other.privateKeyPem,
      publicKeyPem: keys.publicKeyPem,
      subject: { commonName: 'x' },
    }).catch((e) => e);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...H49, usage: 'sign', csr: 'not a csr' }, 400, 'pki.invalid_csr'],
      [{ ...H49, usage: 'sign', csr: await rsaCsr() }, 400, 'pki.unsupported_key'],
      [{ ...H49, usage: 'auth', csr: validCsr }, 400, 'pki.gateway_required'],
      [{ ...H49, usage: 'auth', gatewayCode: 'nope', csr: validCsr }, 404, 'registry.unknown_gateway'],
      [
        { memberClass: 'GOV', memberCode: '000.00.00.G01', usage: 'sign', csr: validCsr },
        404,
        'registry.unknown_member',
      ],
    ];
    if (typeof wrongKey === 'string')
      cases.push([{ ...H49, usage: 'sign', csr: wrongKey }, 400, 'pki.csr_signature_invalid']);
    else expect(wrongKey.code).toBe('pki.key_mismatch');
    const before = (await t.call('GET', '/api/v1/certificates')).body.length;
    for (const [body, status, code] of cases) {
      const res = await t.call('POST', '/api/v1/certificates', body);
      expect([res.status, res.body.code], code).toEqual([status, code]);
    }
    expect((await t.call('GET', '/api/v1/certificates')).body.length).toBe(before);
  });

  it('revokes, and answers status signed by the root CA', async () => {
    const keys = generateKeyPair();
    const cert = await t.call('POST', '/api/v1/certificates', {
      ...H49,
      usage: 'sign',
      csr: await createCsr({ ...keys, subject: { commonName: 'r' } }),
    });
    const serial = cert.body.serial;
    const rootPem = (await t.call('GET', '/pki/ca.pem', undefined, null)).body as string;
    const check = async () => {
      const res = await t.call('GET', `/pki/status/${serial}`, undefined, null);
      const { payload } = await compactVerify(res.body.jws, await importX509(rootPem, 'ES256'));
      return JSON.parse(new TextDecoder().decode(payload));
    };
    expect((await check()).status).toBe('good');
    const revoked = await t.call('POST', `/api/v1/certificates/${serial}/revoke`, {
      reason: 'keyCompromise',
    });
    expect(revoked.body.revokedAt).not.toBeNull();
    expect(await check()).toMatchObject({ status: 'revoked', reason: 'keyCompromise' });
    expect((await t.call('POST', `/api/v1/certificates/${serial}/revoke`, {})).body.code).toBe(
      'pki.already_revoked',
    );
    const unknown = await t.call('GET', '/pki/status/abc123', undefined, null);
    expect(unknown.body.status).toBe('unknown');
    expect((await t.call('GET', '/pki/status/not-hex', undefined, null)).body.code).toBe(
      'pki.invalid_serial',
    );

    // The revocation reaches the global configuration.
    const serialBefore = (await t.call('GET', '/globalconf', undefined, null)).headers.get('etag');
    await t.registry.publish();
    const anchor = parseAnchor(
      JSON.stringify((await t.call('GET', '/globalconf/anchor', undefined, null)).body),
    );
    const doc = await fetch(`${t.registry.url}/globalconf`).then((r) => r.text());
    const conf = await verifyConfiguration(doc, anchor, { now: new Date() });
    expect(conf.revokedCertificates.map((r) => r.serial)).toContain(serial);
    expect(`"${conf.serial}"`).not.toBe(serialBefore);
  });
});

describe('signed global configuration', () => {
  let t: TestRegistry;
  const clock = new ManualClock(new Date());
  beforeAll(async () => {
    t = await startTestRegistry({ clock });
    await t.call('POST', '/api/v1/members', {
      ...H49,
      nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh',
      kind: 'province',
    });
    await t.registry.publish();
  });
  afterAll(async () => {
    await t?.close();
  });

  const anchor = async () =>
    parseAnchor(JSON.stringify((await t.call('GET', '/globalconf/anchor', undefined, null)).body));

  it('serves the configuration publicly with ETag and If-None-Match', async () => {
    const first = await fetch(`${t.registry.url}/globalconf`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    const conf = await verifyConfiguration(await first.text(), await anchor(), { now: clock.now() });
    expect(conf.members.map((m) => m.id)).toEqual(['VN/GOV/000.00.00.H49']);
    expect(Date.parse(conf.expiresAt) - Date.parse(conf.generatedAt)).toBe(600_000);
    const second = await fetch(`${t.registry.url}/globalconf`, { headers: { 'if-none-match': etag } });
    expect(second.status).toBe(304);
  });

  it('refuses tampered, foreign, expired and older configurations', async () => {
    const a = await anchor();
    const doc = await fetch(`${t.registry.url}/globalconf`).then((r) => r.text());
    const conf = await verifyConfiguration(doc, a, { now: clock.now() });

    const jws = JSON.parse(doc);
    const payload = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));
    payload.members[0].nameVi = 'Giả mạo';
    const tampered = JSON.stringify({
      ...jws,
      payload: Buffer.from(JSON.stringify(payload)).toString('base64url'),
    });
    await expect(verifyConfiguration(tampered, a, { now: clock.now() })).rejects.toMatchObject({
      code: 'globalconf.bad_signature',
    });

    await expect(
      verifyConfiguration(doc, { ...a, instance: 'EE' }, { now: clock.now() }),
    ).rejects.toMatchObject({
      code: 'globalconf.wrong_instance',
    });
    await expect(
      verifyConfiguration(
        doc,
        {
          ...a,
          signingCertificates: [
            readFileSync(new URL('../kernel/globalconf/testdata/other-signer.pem', import.meta.url), 'utf8'),
          ],
        },
        { now: clock.now() },
      ),
    ).rejects.toMatchObject({
      code: 'globalconf.unknown_signer',
    });
    await expect(
      verifyConfiguration(doc, a, { now: new Date(clock.now().getTime() + 601_000) }),
    ).rejects.toMatchObject({
      code: 'globalconf.expired',
    });
    await expect(
      verifyConfiguration(doc, a, {
        now: clock.now(),
        previous: { serial: conf.serial + 1, contentHash: conf.contentHash },
      }),
    ).rejects.toMatchObject({ code: 'globalconf.rollback' });
    await expect(
      verifyConfiguration(doc, a, {
        now: clock.now(),
        previous: { serial: conf.serial, contentHash: 'other' },
      }),
    ).rejects.toMatchObject({ code: 'globalconf.serial_reused' });
    await expect(verifyConfiguration('{"nope":1}', a, { now: clock.now() })).rejects.toMatchObject({
      code: 'globalconf.malformed',
    });
  });

  it('a gateway client keeps a verified cached copy, works while the registry is down, and stops at expiry', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-gc-'));
    const cacheFile = path.join(dir, 'globalconf.json');
    const a = await anchor();
    const client = new GlobalConfClient({ anchor: a, clock, cacheFile });
    expect(await client.refresh()).toBe('updated');
    expect(await client.refresh()).toBe('not_modified');
    await t.call('POST', '/api/v1/members', {
      memberClass: 'GOV',
      memberCode: '000.00.00.G01',
      nameVi: 'Bộ Công an',
      kind: 'ministry',
    });
    await t.registry.publish();
    expect(await client.refresh()).toBe('updated');
    expect(client.current().members).toHaveLength(2);

    // A restarted gateway loads the cache while the registry is unreachable.
    const offline = new GlobalConfClient({
      anchor: { ...a, configurationUrl: 'http://127.0.0.1:9/globalconf' },
      clock,
      cacheFile,
    });
    expect(await offline.loadCache()).toBe(true);
    await expect(offline.refresh()).rejects.toMatchObject({ code: 'globalconf.unreachable' });
    expect(offline.current().members).toHaveLength(2);
    clock.advance(601_000);
    expect(() => offline.current()).toThrowError(expect.objectContaining({ code: 'globalconf.expired' }));
  });
});
