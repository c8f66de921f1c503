import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDocex, type TestDocex } from '../../test/support/docex.ts';
import { sampleDocument } from './demo/samples.ts';
import { buildMessage, type EdxmlMessage, signEnvelope, writePackage } from './edxml/index.ts';
import { signedStatus } from './receive.ts';

const H49 = '000.00.00.H49';
const G01 = '000.00.00.G01';
const H26 = '000.00.00.H26';
const MAX = 64 * 1024;

/** Bad input and faults: each a clear 4xx with a stable code, nothing stored half-way. */
describe('docex bad input and faults', () => {
  let f: TestDocex;
  beforeAll(async () => {
    f = await startTestDocex(undefined, {
      limits: { maxAttachmentBytes: MAX, deadAfterMs: 1500, retryBaseMs: 100, retryMaxMs: 400 },
    });
  }, 120_000);
  afterAll(async () => {
    await f?.close();
  });

  const count = async (agency: string, table: 'docex_documents' | 'docex_inbox') => {
    const r = await f.agencies
      .get(agency)!
      .docexDatabase.db.selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  };
  const send = (body: unknown, key = randomUUID()) =>
    f.api(H49, 'POST', '/api/v1/documents', body, { 'idempotency-key': key });

  it('refuses an unknown recipient, a missing key, an unknown attachment — storing nothing', async () => {
    const before = await count(H49, 'docex_documents');
    const unknown = await send({ messageHeader: sampleDocument(10), recipients: ['000.00.00.Z99'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body['code']).toBe('docex.unknown_recipient');
    expect(unknown.body['details']).toEqual({ unknown: ['000.00.00.Z99'] });

    const noKey = await f.api(H49, 'POST', '/api/v1/documents', {
      messageHeader: sampleDocument(10),
      recipients: [G01],
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body['code']).toBe('docex.missing_idempotency_key');

    const noBlob = await send({
      messageHeader: sampleDocument(10),
      recipients: [G01],
      attachments: [{ sha256: 'a'.repeat(64), name: 'x.pdf', contentType: 'application/pdf' }],
    });
    expect(noBlob.status).toBe(400);
    expect(noBlob.body['code']).toBe('docex.unknown_attachment');

    const badHeader = await send({
      messageHeader: { ...sampleDocument(10), subject: '' },
      recipients: [G01],
    });
    expect(badHeader.status).toBe(400);

    const badDate = await send({
      messageHeader: { ...sampleDocument(10), promulgationInfo: { promulgationDate: '23/11/2026' } },
      recipients: [G01],
    });
    expect(badDate.status).toBe(400);
    expect(await count(H49, 'docex_documents')).toBe(before);
  });

  it('refuses the same idempotency key with a different body', async () => {
    const key = randomUUID();
    expect((await send({ messageHeader: sampleDocument(11), recipients: [G01] }, key)).status).toBe(202);
    const other = await send({ messageHeader: sampleDocument(12), recipients: [G01] }, key);
    expect(other.status).toBe(409);
    expect(other.body['code']).toBe('docex.idempotency_conflict');
  });

  it('refuses a wrong checksum and an oversize attachment on upload', async () => {
    const bytes = Buffer.from('Nội dung tệp đính kèm');
    const wrong = await f.api(H49, 'PUT', '/api/v1/blobs', bytes, {
      'content-type': 'application/octet-stream',
      'x-content-sha256': 'b'.repeat(64),
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body['code']).toBe('docex.checksum_mismatch');
    const big = await f.api(H49, 'PUT', '/api/v1/blobs', Buffer.alloc(MAX + 1, 1), {
      'content-type': 'application/octet-stream',
    });
    expect(big.status).toBe(413);
    expect(big.body['code']).toBe('docex.attachment_too_large');
  });

  it('refuses a malformed edXML package with the element and rule', async () => {
    const r = await f.api(H49, 'POST', '/api/v1/documents', Buffer.from('<edXML><broken'), {
      'content-type': 'application/xml',
      'idempotency-key': randomUUID(),
    });
    expect(r.status).toBe(400);
    expect(String(r.body['code'])).toMatch(/^docex\.edxml\./);
  });

  describe('what another agency delivers (the docex service behind the gateway)', () => {
    const message = (from: string): EdxmlMessage => ({
      messageHeader: {
        ...sampleDocument(20),
        from: { organId: from, organName: 'Cơ quan gửi' },
        to: [{ organId: G01, organName: 'Bộ Công an' }],
        documentId: `${from},2026/11/23,120/UBND-VP`,
      },
    });
    const deliver = async (xml: string, from = H49) => {
      const pkg = writePackage(xml, []);
      const res = await fetch(`${f.agencies.get(G01)!.docex.transportUrl}/packages/${randomUUID()}`, {
        method: 'POST',
        headers: { 'x-road-client': `VN/GOV/${from}/docex`, 'content-type': 'application/xml' },
        body: pkg.stream as unknown as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    it('refuses unsigned, tampered, and wrongly attributed documents', async () => {
      const before = await count(G01, 'docex_inbox');
      const unsigned = await deliver(buildMessage(message(H49)));
      expect(unsigned.status).toBe(400);
      expect(unsigned.body['code']).toBe('docex.edxml.unsigned');

      const signed = signEnvelope(buildMessage(message(H49)), f.agencies.get(H49)!.docex.ctx.signing);
      const tampered = await deliver(signed.replace('phối hợp', 'không phối hợp'));
      expect(tampered.status).toBe(400);
      expect(tampered.body['code']).toBe('docex.edxml.bad_signature');

      // Signed by H49, but claiming to come from H26.
      const forged = signEnvelope(buildMessage(message(H26)), f.agencies.get(H49)!.docex.ctx.signing);
      const claimed = await deliver(forged, H26);
      expect(claimed.status).toBe(403);
      expect(claimed.body['code']).toBe('docex.wrong_signer');
      expect(await count(G01, 'docex_inbox')).toBe(before);
    });
  });

  it('holds recipients to forward-only statuses at the sender too', async () => {
    const sent = await send({ messageHeader: sampleDocument(25), recipients: [G01] });
    const id = sent.body['id'] as string;
    const end = Date.now() + 20_000;
    for (;;) {
      const d = (await f.api(H49, 'GET', `/api/v1/documents/${id}`)).body['deliveries'] as {
        status: string | null;
      }[];
      if (d[0]!.status === '01') break;
      if (Date.now() > end) throw new Error('no 01');
      await new Promise((r) => setTimeout(r, 100));
    }
    const message = (await f.api(H49, 'GET', `/api/v1/documents/${id}`)).body['message'] as EdxmlMessage;
    const g01 = f.agencies.get(G01)!.docex.ctx;
    const post = async (code: '01' | '03' | '06') => {
      const res = await fetch(`${f.agencies.get(H49)!.docex.transportUrl}/statuses/${id}`, {
        method: 'POST',
        headers: { 'x-road-client': `VN/GOV/${G01}/docex`, 'content-type': 'application/xml' },
        body: signedStatus(g01, message, code, undefined, new Date()),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect((await post('01')).body).toEqual({ duplicate: true });
    expect((await post('06')).status).toBe(200);
    const back = await post('03');
    expect(back.status).toBe(409);
    expect(back.body['code']).toBe('docex.status_transition');
  });

  it('dead-letters a delivery that keeps failing past its horizon, and an operator redelivers it', async () => {
    await f.stopDocex(H26);
    const sent = await send({ messageHeader: sampleDocument(30), recipients: [H26] });
    expect(sent.status).toBe(202);
    const id = sent.body['id'] as string;
    const view = async () =>
      (await f.api(H49, 'GET', `/api/v1/documents/${id}`)).body['deliveries'] as {
        state: string;
        attempts: number;
        lastError: string | null;
      }[];
    const deadline = Date.now() + 20_000;
    // The test clock stands still; move it past the horizon while the worker retries.
    while ((await view())[0]!.state !== 'dead') {
      f.t.clock.advance(500);
      if (Date.now() > deadline) throw new Error('never dead-lettered');
      await new Promise((r) => setTimeout(r, 150));
    }
    const dead = (await view())[0]!;
    expect(dead.attempts).toBeGreaterThan(1);
    expect(dead.lastError).toMatch(/NetworkError|502|503|504/);

    // Only an operator may redeliver.
    const path = `/api/v1/documents/${id}/deliveries/${H26}/redeliver`;
    expect((await f.api(H49, 'POST', path)).status).toBe(403);
    await f.startDocex(H26);
    const op = await fetch(`${f.agencies.get(H49)!.docex.apiUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${f.agencies.get(H49)!.operatorKey}` },
    });
    expect(op.status).toBe(200);
    const end = Date.now() + 20_000;
    while ((await view())[0]!.state !== 'delivered') {
      if (Date.now() > end) throw new Error(`not redelivered: ${JSON.stringify(await view())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('needs the document system key on every API route but the health check', async () => {
    const app = f.agencies.get(H49)!.docex.app;
    const open = app.routeTable.filter((r) => r.public).map((r) => `${r.method} ${r.url}`);
    expect(open.sort()).toEqual(['GET /healthz', 'GET /openapi.json']);
    for (const r of app.routeTable.filter((x) => !x.public)) {
      const url = r.url.replace(/:[a-zA-Z0-9]+/g, (p) => (p === ':sha256' ? 'a'.repeat(64) : randomUUID()));
      const res = await fetch(`${f.agencies.get(H49)!.docex.apiUrl}${url}`, { method: r.method });
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
      // The VDXP-style calls answer in VDXP's envelope, with the same stable code.
      const body = (await res.json()) as { code?: string; ErrorCode?: string };
      expect(body.code ?? body.ErrorCode, `${r.method} ${r.url}`).toBe('auth.missing_credentials');
    }
  });
});
