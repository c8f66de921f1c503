import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDocex, type TestDocex } from '../../test/support/docex.ts';
import { createHttpServer, type HttpServer } from '../kernel/http/server.ts';
import { silentLogger } from '../kernel/log.ts';
import type { DocexContext } from './context.ts';
import { sampleDocument } from './demo/samples.ts';
import {
  buildMessage,
  buildStatus,
  type EdxmlMessage,
  type EdxmlStatus,
  readPackage,
  toEdxmlTimestamp,
  verifyEnvelope,
  writePackage,
} from './edxml/index.ts';
import { registerDocexRoutes } from './routes.ts';
import { registerStatsRoutes } from './stats.ts';
import { base64Answer, packageBytes, registerVdxpRoutes } from './vdxp.routes.ts';

const H49 = '000.00.00.H49';
const G01 = '000.00.00.G01';
const H26 = '000.00.00.H26';
const KEY = 'vdxp-test-key';

interface Answer {
  status: 'OK' | 'FAIL';
  ErrorCode: string;
  ErrorDesc: string;
  DocId?: string;
  // biome-ignore lint/suspicious/noExplicitAny: the SDK's answers are read field by field
  data?: any;
}

const collect = async (source: AsyncIterable<Uint8Array | string>) => {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  return Buffer.concat(parts);
};

/** A node's routes on a server of the test's own, wired as the node wires them. */
async function serveDocex(ctx: DocexContext): Promise<{ app: HttpServer; url: string }> {
  const app = await createHttpServer({
    logger: silentLogger,
    openapi: { title: 'docex (test)', version: '1', description: 'test' },
    authenticate: async (req) =>
      req.headers.authorization === `Bearer ${KEY}`
        ? { kind: 'api_key', id: 'test', name: 'Hệ thống quản lý văn bản (thử)', role: 'system' }
        : null,
  });
  registerDocexRoutes(app, ctx);
  registerVdxpRoutes(app, ctx);
  registerStatsRoutes(app, ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

/** An edXML package from H49 to G01 with one attachment, as a document system builds it. */
async function packageFrom(n: number, attachment: Buffer): Promise<Buffer> {
  const header = sampleDocument(n);
  const xml = buildMessage({
    messageHeader: {
      ...header,
      from: { organId: H49, organName: 'Ủy ban nhân dân tỉnh Quảng Ninh' },
      to: [{ organId: G01, organName: 'Bộ Công an' }],
      documentId: `${H49},${header.promulgationInfo.promulgationDate},${header.code.codeNumber}/UBND-VP`,
    },
    manifest: {
      reference: [{ contentId: 'cid:1', contentType: 'application/pdf', attachmentName: `cv-${n}.pdf` }],
    },
  });
  return collect(writePackage(xml, [{ contentId: 'cid:1', content: Readable.from([attachment]) }]).stream);
}

async function unpack(bytes: Buffer) {
  const attachments: Buffer[][] = [];
  const read = await readPackage([bytes], {
    openAttachment: () => {
      const parts: Buffer[] = [];
      attachments.push(parts);
      return new Writable({
        write(chunk: Buffer, _enc, done) {
          parts.push(chunk);
          done();
        },
      });
    },
  });
  return { read, attachments: attachments.map((p) => Buffer.concat(p)) };
}

/** The Status a recipient's document system writes about a document it received. */
function statusFor(message: EdxmlMessage, from: string, code: EdxmlStatus['statusCode']): string {
  const h = message.messageHeader;
  return buildStatus({
    responseFor: {
      organId: h.from.organId,
      code: `${h.code.codeNumber}/${h.code.codeNotation}`,
      promulgationDate: h.promulgationInfo.promulgationDate,
      documentId: h.documentId,
    },
    from: { organId: from, organName: 'Bộ Công an' },
    statusCode: code,
    description: `Trạng thái ${code}`,
    timestamp: toEdxmlTimestamp(new Date()),
  });
}

describe('VDXP-style calls between agencies, through their gateways', () => {
  let f: TestDocex;
  const servers = new Map<string, { app: HttpServer; url: string }>();
  beforeAll(async () => {
    f = await startTestDocex();
    for (const code of [H49, G01]) servers.set(code, await serveDocex(f.agencies.get(code)!.docex.ctx));
  }, 120_000);
  afterAll(async () => {
    for (const s of servers.values()) await s.app.close();
    await f?.close();
  });

  const vdxp = async (
    code: string,
    op: string,
    init: { method?: string; headers?: Record<string, string>; body?: RequestInit['body'] } = {},
  ) => {
    const res = await fetch(`${servers.get(code)!.url}/vdxp/${op}`, {
      method: init.method ?? 'POST',
      headers: { authorization: `Bearer ${KEY}`, ...init.headers },
      body: init.body,
    });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Answer };
  };
  const waitFor = async <T>(what: () => Promise<T | undefined | null | false>, label: string): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const v = await what();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const edocHeaders = { servicetype: 'eDoc', messagetype: 'edoc' };
  const received = async (code: string, title: string) => {
    const r = await vdxp(code, 'getReceivedEdocList', { headers: edocHeaders });
    expect(r.body.status).toBe('OK');
    return (r.body.data as { docId: string; title: string; status: string }[]).find((d) => d.title === title);
  };
  const sentRow = async (docId: string) => {
    const r = await vdxp(H49, 'getSentEdocList', { headers: { ...edocHeaders, docId } });
    expect(r.body.status).toBe('OK');
    return (r.body.data as { toCode: string; sendStatus: string; receiveStatus?: string }[])[0];
  };

  it('sendEdoc → getReceivedEdocList → getEdoc / downloadEdoc → updateStatus, with the signed package', async () => {
    const pdf = Buffer.from(`%PDF-1.7 Công văn số 141 ${'y'.repeat(4000)}`);
    const sent = await vdxp(H49, 'sendEdoc', {
      headers: { ...edocHeaders, from: H49, 'content-type': 'application/xml' },
      body: await packageFrom(41, pdf),
    });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'OK', ErrorCode: '0' });
    const docId = sent.body.DocId!;

    const subject = sampleDocument(41).subject;
    const item = await waitFor(() => received(G01, subject), 'the document at G01');
    expect(item).toMatchObject({
      serviceType: 'eDoc',
      messageType: 'edoc',
      from: H49,
      to: G01,
      status: '01',
      status_desc: 'Đã đến cơ quan nhận',
      notation: '141/UBND-VP',
      documentId: `${H49},2026/11/23,141/UBND-VP`,
      businessType: 0,
    });
    expect((item as unknown as { created_time: string }).created_time).toMatch(
      /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}$/,
    );

    const got = await vdxp(G01, 'getEdoc', { headers: { docId: item.docId } });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ status: 'OK', ErrorCode: '0', ErrorDesc: 'Success' });
    const pkg = Buffer.from(got.body.data as string, 'base64');
    const { read, attachments } = await unpack(pkg);
    const verified = await verifyEnvelope(read.envelopeXml, {
      trustedCaPem: f.t.registry.ca.root.certificatePem,
    });
    expect(verified.signer.subjectParts.serialNumber).toBe(`VN/GOV/${H49}`);
    expect(read.envelope.kind === 'message' && read.envelope.message.messageHeader.subject).toBe(subject);
    expect(attachments).toHaveLength(1);
    expect(attachments[0]!.equals(pdf)).toBe(true);

    // downloadEdoc gives the same package, raw; the SDK's prefixed header form is understood.
    const raw = await fetch(`${servers.get(G01)!.url}/vdxp/downloadEdoc`, {
      headers: { authorization: `Bearer ${KEY}`, 'XroadVnpt-docId': item.docId },
    });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('application/xml');
    expect(Buffer.from(await raw.arrayBuffer()).equals(pkg)).toBe(true);

    const registered = await vdxp(G01, 'updateStatus', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ docId: item.docId, status: '03', staffInfo: { staff: 'Trần Thị Mai' } }),
    });
    expect(registered.status).toBe(200);
    expect(registered.body).toMatchObject({ status: 'OK', data: { status: '03', acknowledged: false } });
    // A retried call (the same status again) is answered as done; backwards is refused, with
    // the same stable code as the REST API, in the SDK's envelope.
    const retried = await vdxp(G01, 'updateStatus', { headers: { docId: item.docId, status: '03' } });
    expect(retried.body).toMatchObject({ status: 'OK', data: { status: '03' } });
    const back = await vdxp(G01, 'updateStatus', { headers: { docid: item.docId, status: '01' } });
    expect(back.status).toBe(409);
    expect(back.body).toMatchObject({ status: 'FAIL', ErrorCode: 'docex.status_transition' });
    // The SDK's "done" takes the document off the received list: it is acknowledged.
    const done = await vdxp(G01, 'updateStatus', {
      headers: { docId: item.docId, 'XroadVnpt-status': 'done' },
    });
    expect(done.body).toMatchObject({ status: 'OK', data: { status: '03', acknowledged: true } });
    expect(await received(G01, subject)).toBeUndefined();

    const row = await waitFor(async () => {
      const r = await sentRow(docId);
      return r?.receiveStatus === '03' && r;
    }, 'status 03 at the sender');
    expect(row).toMatchObject({
      senderDocId: docId,
      fromCode: H49,
      toCode: G01,
      title: subject,
      sendStatus: 'delivered',
      receiveStatusDesc: 'Đã tiếp nhận, vào sổ văn bản đến',
    });
  });

  it('takes the package as the SDK posts it (multipart file_doc), and edXML Status messages', async () => {
    const form = new FormData();
    form.append('note', 'gửi kèm');
    form.append('file_doc', new Blob([await packageFrom(42, Buffer.from('%PDF tệp 142'))]), 'edoc.edxml');
    const sent = await vdxp(H49, 'sendEdoc', { headers: { ...edocHeaders, from: H49 }, body: form });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    const subject = sampleDocument(42).subject;
    const item = await waitFor(() => received(G01, subject), 'the multipart document at G01');

    const view = await fetch(`${servers.get(G01)!.url}/api/v1/inbox/${item.docId}`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    const message = ((await view.json()) as { message: EdxmlMessage }).message;
    // sendEdoc with messagetype status: the document is found from the Status's ResponseFor.
    const asSent = await vdxp(G01, 'sendEdoc', {
      headers: { servicetype: 'eDoc', messagetype: 'status', 'content-type': 'application/xml' },
      body: statusFor(message, G01, '03'),
    });
    expect(asSent.body).toMatchObject({ status: 'OK', DocId: item.docId });
    expect((await received(G01, subject))?.status).toBe('03');
    const progressed = await vdxp(G01, 'updateStatus', {
      headers: { docId: item.docId, 'content-type': 'text/xml' },
      body: statusFor(message, G01, '05'),
    });
    expect(progressed.body).toMatchObject({ status: 'OK', data: { status: '05' } });
    const back = await vdxp(G01, 'updateStatus', {
      headers: { 'content-type': 'application/xml' },
      body: statusFor(message, G01, '04'),
    });
    expect(back.status).toBe(409);
    expect(back.body.ErrorCode).toBe('docex.status_transition');
    const forged = await vdxp(G01, 'updateStatus', {
      headers: { 'content-type': 'application/xml' },
      body: statusFor(message, H26, '06'),
    });
    expect(forged.status).toBe(403);
    expect(forged.body.ErrorCode).toBe('docex.wrong_sender');

    await waitFor(async () => (await sentRow(sent.body.DocId!))?.receiveStatus === '05', '05 at the sender');
  });

  it('answers mistakes in the SDK envelope with stable codes and meaningful HTTP statuses', async () => {
    const cases: [string, Parameters<typeof vdxp>[2], number, string][] = [
      [
        'getEdoc',
        { headers: { docId: '00000000-0000-4000-8000-000000000000' } },
        404,
        'docex.unknown_inbox_item',
      ],
      ['getEdoc', {}, 400, 'docex.vdxp.missing_parameter'],
      ['getEdoc', { headers: { docId: 'abc' } }, 400, 'docex.bad_document_id'],
      [
        'getReceivedEdocList',
        { headers: { servicetype: 'eTax' } },
        400,
        'docex.vdxp.unsupported_service_type',
      ],
      [
        'getReceivedEdocList',
        { headers: { messagetype: 'status' } },
        400,
        'docex.vdxp.unsupported_message_type',
      ],
      ['getReceivedEdocList', { headers: { limit: '0' } }, 400, 'docex.vdxp.bad_limit'],
      [
        'updateStatus',
        { headers: { docId: '00000000-0000-4000-8000-000000000000', status: 'xx' } },
        400,
        'docex.vdxp.bad_status',
      ],
      [
        'updateStatus',
        { headers: { docId: '00000000-0000-4000-8000-000000000000' } },
        400,
        'docex.vdxp.missing_parameter',
      ],
      [
        'sendEdoc',
        { headers: { 'content-type': 'application/json' }, body: '{"docId":"x"}' },
        415,
        'docex.vdxp.bad_content_type',
      ],
      [
        'sendEdoc',
        { headers: { from: G01, 'content-type': 'application/xml' }, body: '<x/>' },
        403,
        'docex.wrong_sender',
      ],
      [
        'sendEdoc',
        {
          headers: { 'content-type': 'multipart/form-data; boundary=zz' },
          body: '--zz\r\nname: a\r\n\r\nb\r\n--zz--\r\n',
        },
        400,
        'docex.vdxp.bad_multipart',
      ],
    ];
    for (const [op, init, status, code] of cases) {
      const r = await vdxp(H49, op, init);
      expect({ op, status: r.status, code: r.body.ErrorCode, ok: r.body.status }).toEqual({
        op,
        status,
        code,
        ok: 'FAIL',
      });
      expect(r.body.ErrorDesc.length).toBeGreaterThan(0);
    }
    // What the SDK sends to list calls: empty JSON or form bodies.
    for (const type of ['application/json', 'application/x-www-form-urlencoded']) {
      const r = await vdxp(H49, 'getReceivedEdocList', {
        headers: { ...edocHeaders, 'content-type': type },
        body: '',
      });
      expect(r.body.status, type).toBe('OK');
    }
  });

  it('makes a retried sendEdoc safe with Idempotency-Key', async () => {
    const body = await packageFrom(43, Buffer.from('%PDF 143'));
    const headers = { ...edocHeaders, 'content-type': 'application/xml', 'idempotency-key': 'vdxp-143' };
    const first = await vdxp(H49, 'sendEdoc', { headers, body });
    const again = await vdxp(H49, 'sendEdoc', { headers, body });
    expect(first.body.status).toBe('OK');
    expect(again.body.DocId).toBe(first.body.DocId);
  });

  it('answers 401 without credentials on every route it adds', async () => {
    const { app, url } = servers.get(H49)!;
    const added = app.routeTable.filter((r) => r.url.startsWith('/vdxp/') || r.url === '/api/v1/stats');
    expect(added.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'GET /api/v1/stats',
      'GET /vdxp/downloadEdoc',
      'POST /vdxp/getEdoc',
      'POST /vdxp/getReceivedEdocList',
      'POST /vdxp/getSentEdocList',
      'POST /vdxp/sendEdoc',
      'POST /vdxp/updateStatus',
    ]);
    const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    for (const r of added) expect(Object.keys(openapi.paths)).toContain(r.url);
    for (const r of added) {
      expect(r.public).toBe(false);
      const res = await fetch(`${url}${r.url}`, { method: r.method });
      expect(res.status, `${r.method} ${r.url}`).toBe(401);
      const body = (await res.json()) as Record<string, unknown>;
      const code = r.url.startsWith('/vdxp/') ? body['ErrorCode'] : body['code'];
      expect(code, `${r.method} ${r.url}`).toBe('auth.missing_credentials');
    }
  });
});

/** Cuts bytes as a network would: at the given cuts, or into pieces of one small size. */
function cut(bytes: Buffer, how: number[] | number): Buffer[] {
  const points =
    typeof how === 'number'
      ? Array.from({ length: Math.ceil(bytes.length / how) }, (_, i) => i * how)
      : [...new Set(how.map((x) => Math.floor(x * bytes.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    pieces.push(bytes.subarray(from, p));
    from = p;
  }
  return pieces;
}
const cuts = fc.oneof(
  fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
  fc.integer({ min: 1, max: 48 }),
);

describe('VDXP request and answer bodies', () => {
  it('finds the file part of a multipart form however the body is cut, with or without a declared boundary', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3000 }),
        fc.stringMatching(/^[A-Za-z0-9]{8,40}$/),
        cuts,
        fc.boolean(),
        async (payload, boundary, at, declared) => {
          const content = Buffer.from(payload);
          fc.pre(!content.includes(`\r\n--${boundary}`));
          const form = Buffer.concat([
            Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\ngửi kèm\r\n`),
            Buffer.from(
              `--${boundary}\r\nContent-Disposition: form-data; name="file_doc"; filename="a.edxml"\r\n`,
            ),
            Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
            content,
            Buffer.from(`\r\n--${boundary}--\r\n`),
          ]);
          const out = await collect(packageBytes(cut(form, at), declared ? boundary : undefined));
          expect(out.equals(content)).toBe(true);
        },
      ),
    );
  });

  it('passes a package that is not a form through unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), cuts, async (payload, at) => {
        const body = Buffer.concat([Buffer.from('<?xml version="1.0"?>'), Buffer.from(payload)]);
        expect((await collect(packageBytes(cut(body, at)))).equals(body)).toBe(true);
      }),
    );
  });

  it('streams getEdoc answers whose data is the Base64 of the whole package', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), cuts, async (payload, at) => {
        const bytes = Buffer.from(payload);
        const answer = JSON.parse((await collect(base64Answer(cut(bytes, at)))).toString('utf8'));
        expect(answer).toEqual({
          status: 'OK',
          ErrorCode: '0',
          ErrorDesc: 'Success',
          data: bytes.toString('base64'),
        });
      }),
    );
  });
});
