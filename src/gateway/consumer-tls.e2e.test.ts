import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, SERVICE_PATH, startTwoGateways, type TwoGateways } from '../../test/support/gateways.ts';
import type { ManualClock } from '../kernel/clock.ts';
import { createRootCa } from '../kernel/pki/index.ts';

// Self-issued certificates, as information systems have: the gateway pins them by fingerprint.
const selfSigned = (name: string) =>
  createRootCa({
    commonName: name,
    organization: 'UBND tỉnh Quảng Ninh',
    country: 'VN',
    validityDays: 30,
    now: new Date(),
  });

function get(
  url: string,
  headers: Record<string, string>,
  cert?: { certificatePem: string; privateKeyPem: string },
) {
  return new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
    const req = request(url, {
      headers,
      rejectUnauthorized: false,
      ...(cert ? { cert: cert.certificatePem, key: cert.privateKeyPem } : {}),
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, type: res.headers['x-road-error'] as string | undefined });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HTTPS consumer side with information-system client certificates', () => {
  let f: TwoGateways;
  let registered: Awaited<ReturnType<typeof selfSigned>>;
  beforeAll(async () => {
    registered = await selfSigned('dossier.quangninh.gov.vn');
    const server = await selfSigned('gateway.quangninh.gov.vn');
    const fingerprint = new X509Certificate(registered.certificatePem).fingerprint256
      .replaceAll(':', '')
      .toLowerCase();
    f = await startTwoGateways({
      consumer: { host: '127.0.0.1', port: 0, tls: server },
      localClients: [{ id: CLIENT, certificateSha256: [fingerprint] }],
    });
  });
  afterAll(async () => {
    await f?.close();
  });

  const headers = { 'x-road-client': CLIENT, 'x-road-userid': 'VN001090004567', 'x-road-issue': 'HS-1' };

  it('serves an information system that presents its registered certificate', async () => {
    expect(f.consumer.consumerUrl).toMatch(/^https:/);
    const res = await get(
      `${f.consumer.consumerUrl}${SERVICE_PATH}/citizens/022185000123`,
      headers,
      registered,
    );
    expect(res.status).toBe(200);
  });

  it('refuses one without a certificate, or with another one', async () => {
    const none = await get(`${f.consumer.consumerUrl}${SERVICE_PATH}/citizens/022185000123`, headers);
    expect(none).toEqual({ status: 401, type: 'Client.InvalidClientIdentifier' });
    const other = await get(
      `${f.consumer.consumerUrl}${SERVICE_PATH}/citizens/022185000123`,
      headers,
      await selfSigned('intruder'),
    );
    expect(other).toEqual({ status: 401, type: 'Client.InvalidClientIdentifier' });
  });

  it('keeps exchanging data while the registry is down, from its verified copy of the configuration', async () => {
    await f.t.registry.app.close();
    await expect(f.consumer.refreshConfiguration()).rejects.toMatchObject({ code: 'globalconf.unreachable' });
    const res = await get(
      `${f.consumer.consumerUrl}${SERVICE_PATH}/citizens/022185000123`,
      headers,
      registered,
    );
    expect(res.status).toBe(200);
    // Once that copy expires the gateway refuses rather than route on stale facts.
    (f.t.clock as ManualClock).advance(601_000);
    const stale = await get(
      `${f.consumer.consumerUrl}${SERVICE_PATH}/citizens/022185000123`,
      headers,
      registered,
    );
    expect(stale).toEqual({ status: 503, type: 'Server.ClientProxy.OutdatedGlobalConf' });
  });
});
