import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLIENT,
  OTHER_CLIENT,
  SERVICE_PATH,
  startTwoGateways,
  type TwoGateways,
} from '../../test/support/gateways.ts';
import { createRootCa, generateKeyPair, issueCertificate } from '../kernel/pki/index.ts';
import { verifyLog } from './messagelog/index.ts';

const PID = '022185000123';
const personal = { 'x-road-userid': 'VN001090004567', 'x-road-issue': 'HS-2026-000123' };

describe('two gateways over mutual TLS', () => {
  let f: TwoGateways;
  beforeAll(async () => {
    f = await startTwoGateways();
  });
  afterAll(async () => {
    await f?.close();
  });

  const call = (
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
  ) =>
    fetch(`${f.consumer.consumerUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
    });

  it('carries a call from an information system to the provider backend and back, as X-Road does', async () => {
    const res = await call(`${SERVICE_PATH}/citizens/${PID}?fields=all`, {
      headers: { 'x-road-client': CLIENT, ...personal },
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      method: 'GET',
      url: `/citizens/${PID}?fields=all`,
      client: CLIENT,
      fullName: 'Nguyễn Thị Hương',
    });
    expect(res.headers.get('x-road-client')).toBe(CLIENT);
    expect(res.headers.get('x-road-service')).toBe('VN/GOV/000.00.00.G01/population/citizens/v1');
    expect(res.headers.get('x-road-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-road-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-road-request-hash')).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    expect(res.headers.get('x-lienthong-evidence')).toBeNull();
    // The backend saw the end user and purpose, not our inter-gateway evidence.
    const seen = f.backend.requests.at(-1)!;
    expect(seen.headers['x-road-userid']).toBe(personal['x-road-userid']);
    expect(seen.headers['x-lienthong-evidence']).toBeUndefined();
  });

  it('checks the provider certificate on every new connection, not only the first (no TLS session resumption)', async () => {
    const once = () =>
      call(`${SERVICE_PATH}/citizens/${PID}`, { headers: { 'x-road-client': CLIENT, ...personal } });
    expect((await once()).status).toBe(200);
    // Drop the pooled connections: the next call opens a new one, where a resumed TLS session
    // would carry no peer certificate to check against the global configuration.
    const agent = f.consumer.runtime.peerAgent();
    for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const again = await once();
    expect(again.status, await again.clone().text()).toBe(200);
  });

  it('keeps a client-given X-Road-Id and passes provider errors and redirects through unchanged', async () => {
    const id = `msg-${Date.now()}`;
    const missing = await call(`${SERVICE_PATH}/citizens/missing`, {
      headers: { 'x-road-client': CLIENT, 'x-road-id': id, ...personal },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-road-error')).toBeNull();
    expect(missing.headers.get('x-road-id')).toBe(id);
    expect(await missing.json()).toEqual({ code: 'population.unknown_citizen' });
    const redirect = await call(`${SERVICE_PATH}/citizens/redirect`, {
      headers: { 'x-road-client': CLIENT, ...personal },
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://example.invalid/elsewhere');
  });

  it('answers bad calls with X-Road errors', async () => {
    const cases: [string, Record<string, string>, number, string][] = [
      [`${SERVICE_PATH}/citizens/${PID}`, { ...personal }, 400, 'Client'],
      [`${SERVICE_PATH}/citizens/${PID}`, { 'x-road-client': 'VN/GOV/bad', ...personal }, 400, 'Client'],
      [
        `${SERVICE_PATH}/citizens/${PID}`,
        { 'x-road-client': 'VN/GOV/000.00.00.G01/population', ...personal },
        0,
        'Client',
      ],
      [
        '/r1/VN/GOV/000.00.00.G01/population/nosuch/x',
        { 'x-road-client': CLIENT, ...personal },
        0,
        'UnknownService',
      ],
      [`${SERVICE_PATH}/citizens/${PID}`, { 'x-road-client': CLIENT }, 400, 'Client'],
      [`${SERVICE_PATH}/citizens/${PID}`, { 'x-road-client': OTHER_CLIENT, ...personal }, 0, 'AccessDenied'],
      [`${SERVICE_PATH}/other`, { 'x-road-client': CLIENT, ...personal }, 0, 'AccessDenied'],
    ];
    for (const [path, headers, status, type] of cases) {
      const res = await call(path, { headers });
      const body = (await res.json()) as { type: string; detail: string };
      const label = `${path} ${JSON.stringify(headers)}`;
      if (status) expect(res.status, label).toBe(status);
      else expect(res.status, label).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('x-road-error'), label).toContain(type);
      expect(body.type, label).toBe(res.headers.get('x-road-error'));
      expect(body.detail, label).toMatch(/^[0-9a-f-]{36}$/);
    }
    const xml = await call(`${SERVICE_PATH}/citizens/${PID}`, {
      headers: { accept: 'application/xml', ...personal },
    });
    expect(xml.headers.get('content-type')).toContain('xml');
    expect(await xml.text()).toMatch(/<error><type>Client/);
  });

  it('streams a large body through both gateways and logs its digest', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 'Liên Thông ');
    const res = await call(`${SERVICE_PATH}/uploads`, {
      method: 'POST',
      headers: { 'x-road-client': CLIENT, 'content-type': 'application/octet-stream', ...personal },
      body: big,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { bodySize: number }).bodySize).toBe(big.length);
  });

  it('refuses a replayed message id at the provider', async () => {
    const id = `replay-${Date.now()}`;
    const first = await call(`${SERVICE_PATH}/citizens/${PID}`, {
      headers: { 'x-road-client': CLIENT, 'x-road-id': id, ...personal },
    });
    expect(first.status).toBe(200);
    const again = await call(`${SERVICE_PATH}/citizens/${PID}`, {
      headers: { 'x-road-client': CLIENT, 'x-road-id': id, ...personal },
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.headers.get('x-road-error')).toBe('Server.ServerProxy.InvalidMessage');
    expect(((await again.json()) as { message: string }).message).toMatch(/replay/);
  });

  it('answers NetworkError when the provider backend is down, and still logs', async () => {
    const saved = f.provider.runtime.backends.get('VN/GOV/000.00.00.G01/population/citizens/v1')!;
    f.provider.runtime.backends.set('VN/GOV/000.00.00.G01/population/citizens/v1', 'http://127.0.0.1:9');
    try {
      const res = await call(`${SERVICE_PATH}/citizens/${PID}`, {
        headers: { 'x-road-client': CLIENT, ...personal },
      });
      expect(res.status).toBe(502);
      expect(res.headers.get('x-road-error')).toBe('Server.ServerProxy.NetworkError');
    } finally {
      f.provider.runtime.backends.set('VN/GOV/000.00.00.G01/population/citizens/v1', saved);
    }
  });

  it('refuses a TLS client whose certificate is not from the platform CA', async () => {
    const ca = await createRootCa({
      commonName: 'Rogue CA',
      organization: 'Rogue',
      country: 'VN',
      validityDays: 365,
      now: new Date(),
    });
    const keys = generateKeyPair();
    const cert = await issueCertificate({
      ca,
      publicKeyPem: keys.publicKeyPem,
      profile: 'auth',
      subject: {
        commonName: 'rogue',
        organization: 'Rogue',
        serialNumber: 'VN/GOV/000.00.00.H49',
        country: 'VN',
      },
      serialNumber: '01',
      notBefore: new Date(),
      validityDays: 30,
      ipAddresses: ['127.0.0.1'],
    });
    const outcome = await new Promise<string>((resolve) => {
      const req = httpsRequest(`${f.provider.providerUrl}${SERVICE_PATH}/citizens/${PID}`, {
        cert,
        key: keys.privateKeyPem,
        rejectUnauthorized: false,
        headers: { 'x-road-client': CLIENT },
      });
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', (err) => resolve(`refused: ${err.message}`));
      req.end();
    });
    expect(outcome).toMatch(/^refused/);
  });

  it('records every message on both sides in a log that verifies, and detects tampering', async () => {
    await f.consumer.log.seal();
    await f.provider.log.seal();
    for (const [gw, db] of [
      [f.consumer, f.databases[1]!],
      [f.provider, f.databases[0]!],
    ] as const) {
      const result = await verifyLog({ db: db.db } as never, { publicKeyPem: gw.log.publicKeyPem });
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
    const rows = await f.databases[1]!.db.selectFrom('messagelog_records').selectAll().execute();
    const kinds = rows.map((r) => `${r.direction}/${r.kind}`);
    expect(kinds.filter((k) => k === 'consumer/request').length).toBeGreaterThanOrEqual(5);
    const withUser = rows.find((r) => r.user_id === personal['x-road-userid']);
    expect(withUser?.issue).toBe(personal['x-road-issue']);
  });

  it('keeps operational records with the four timestamps, sizes and outcome', async () => {
    const records = await f.consumer.runtime.operational.list({ limit: 1000 });
    const ok = records.find((r) => r.succeeded && r.status === 200 && r.client_id === CLIENT);
    expect(Number(ok?.response_size)).toBeGreaterThan(0);
    expect(ok).toMatchObject({
      side: 'consumer',
      client_id: CLIENT,
      service_id: 'VN/GOV/000.00.00.G01/population/citizens/v1',
    });
    for (const t of ['request_in_at', 'request_out_at', 'response_in_at', 'response_out_at'] as const) {
      expect(ok?.[t], t).toBeInstanceOf(Date);
    }
    expect(records.some((r) => !r.succeeded && r.fault_type?.includes('AccessDenied'))).toBe(true);
    const provider = await f.provider.runtime.operational.list({ limit: 1000 });
    expect(provider.some((r) => r.side === 'provider' && r.succeeded)).toBe(true);
  });

  it('survives a client that sends half a body and hangs up, and keeps serving', async () => {
    const { connect } = await import('node:net');
    const url = new URL(f.consumer.consumerUrl);
    await new Promise<void>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${SERVICE_PATH}/uploads HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${CLIENT}\r\nX-Road-UserId: VN1\r\nX-Road-Issue: x\r\nContent-Length: 100000\r\n\r\n${'a'.repeat(1000)}`,
        );
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 100);
      });
    });
    const res = await call(`${SERVICE_PATH}/citizens/${PID}`, {
      headers: { 'x-road-client': CLIENT, ...personal },
    });
    expect(res.status).toBe(200);
  });

  it('cuts off a caller that stalls in the middle of its body with a 408 X-Road error', async () => {
    const { connect } = await import('node:net');
    const url = new URL(f.consumer.consumerUrl);
    const answer = await new Promise<string>((resolve) => {
      let received = '';
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${SERVICE_PATH}/uploads HTTP/1.1\r\nHost: x\r\nX-Road-Client: ${CLIENT}\r\nX-Road-UserId: VN1\r\nX-Road-Issue: x\r\nContent-Length: 100\r\n\r\nab`,
        );
      });
      socket.on('data', (d) => {
        received += d;
      });
      socket.on('close', () => resolve(received));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('X-Road-Error: Client.BadRequest');
  }, 30_000);

  it('serves health publicly and metrics only with an admin key', async () => {
    for (const r of f.consumer.admin.routeTable) {
      const res = await fetch(`${f.consumer.adminUrl}${r.url}`, { method: r.method });
      if (r.public) expect(res.status, r.url).not.toBe(401);
      else expect(res.status, r.url).toBe(401);
    }
    const health = await fetch(`${f.consumer.adminUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      gateway: 'VN/GOV/000.00.00.H49/gw1',
      database: { reachable: true },
      certificates: [
        { usage: 'auth', revoked: false },
        { usage: 'sign', revoked: false },
      ],
    });
  });

  it('refuses a request signed with a revoked certificate once the revocation is published', async () => {
    const serial = f.consumer.runtime.signer.certificateDer;
    const { X509Certificate } = await import('node:crypto');
    const cert = new X509Certificate(Buffer.from(serial, 'base64'));
    const revoked = await f.t.call('POST', `/api/v1/certificates/${cert.serialNumber}/revoke`, {
      reason: 'keyCompromise',
    });
    expect(revoked.status).toBe(200);
    await f.t.registry.publish();
    await f.provider.refreshConfiguration();
    await f.consumer.refreshConfiguration();
    const res = await call(`${SERVICE_PATH}/citizens/${PID}`, {
      headers: { 'x-road-client': CLIENT, ...personal },
    });
    expect(res.headers.get('x-road-error')).toBe('Server.ServerProxy.CertValidation');
    const health = await fetch(`${f.consumer.adminUrl}/healthz`);
    expect(health.status).toBe(503);
  });
});
