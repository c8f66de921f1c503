import { Readable } from 'node:stream';
import { type TSchema, Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, badInput, forbidden, notFound } from '../kernel/errors.ts';
import { type HttpServer, toAppError } from '../kernel/http/server.ts';
import type { DocexContext } from './context.ts';
import {
  type EdxmlMessage,
  type EdxmlStatus,
  readPackage,
  STATUS_CODES,
  type StaffInfo,
  toEdxmlTimestamp,
  writePackage,
} from './edxml/index.ts';
import { acknowledge, reportStatus } from './inbox.ts';
import { acceptPackage } from './send.ts';
import { inboxItemView } from './views.ts';

/**
 * The calls of the national document axis SDK (VDXP "edoc" service: `sendEdoc`,
 * `getReceivedEdocList`, `getSentEdocList`, `getEdoc`, `updateStatus`, `downloadEdoc`), so a
 * document system written against it can point at this node. Parameters come as the SDK sends
 * them — HTTP headers, plain or prefixed `XroadVnpt-` — or in the query or a JSON body; answers
 * carry the SDK's envelope `{status, ErrorCode, ErrorDesc, …}`. Each call maps onto the same
 * services as the REST API (docs/docex-vdxp.md), so the same rules apply.
 */
const OK = { status: 'OK', ErrorCode: '0', ErrorDesc: 'Success' } as const;
const EMPTY = Buffer.alloc(0);
const CRLF = Buffer.from('\r\n');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The SDK's own receipt words for updateStatus; only `done` changes anything (acknowledge). */
const RECEIPT_WORDS = new Set(['done', 'processing', 'fail', 'initial']);
const STATUS_VI: Record<string, string> = {
  '01': 'Đã đến cơ quan nhận',
  '02': 'Từ chối tiếp nhận',
  '03': 'Đã tiếp nhận, vào sổ văn bản đến',
  '04': 'Đã giao xử lý',
  '05': 'Đang xử lý',
  '06': 'Đã hoàn thành',
  '13': 'Bên gửi thu hồi văn bản',
  '15': 'Đồng ý thu hồi/cập nhật/thay thế',
  '16': 'Từ chối thu hồi/cập nhật/thay thế',
};
const DELIVERY_VI = {
  pending: 'Đang chuyển',
  delivered: 'Đã chuyển đến cơ quan nhận',
  dead: 'Chuyển không thành công, chờ quản trị xử lý',
} as const;

const Fail = Type.Object({
  status: Type.Literal('FAIL'),
  ErrorCode: Type.String({ description: 'Stable machine code, e.g. docex.status_transition' }),
  ErrorDesc: Type.String(),
  details: Type.Optional(Type.Object({}, { additionalProperties: true })),
  requestId: Type.Optional(Type.String()),
});
const envelope = (extra: Record<string, TSchema> = {}) =>
  Type.Object({
    status: Type.Literal('OK'),
    ErrorCode: Type.Literal('0'),
    ErrorDesc: Type.String(),
    ...extra,
  });
const S = Type.String();
const O = (t: TSchema) => Type.Optional(t);
const ReceivedItem = Type.Object({
  docId: S,
  serviceType: S,
  messageType: S,
  created_time: S,
  updated_time: S,
  from: S,
  to: S,
  status: O(S),
  status_desc: O(S),
  title: S,
  notation: S,
  documentId: S,
  businessType: Type.Integer(),
  dueDate: O(S),
});
const SentItem = Type.Object({
  senderDocId: S,
  serviceType: S,
  messageType: S,
  fromCode: S,
  toCode: S,
  title: S,
  notation: S,
  documentId: S,
  businessType: Type.Integer(),
  sentTime: S,
  receivedTime: O(S),
  sendStatus: S,
  sendStatusDesc: S,
  receiveStatus: O(S),
  receiveStatusDesc: O(S),
});
const failures = { 400: Fail, 401: Fail, 403: Fail, 404: Fail, 409: Fail, 413: Fail, 415: Fail };
const tags = ['vdxp'];

export function registerVdxpRoutes(app: HttpServer, ctx: DocexContext): void {
  // A scope of its own: its error handler answers in the SDK's envelope (401 included, since
  // the route's own handler receives errors of the authentication hook) and its body parsers
  // accept what the SDK sends (empty JSON and form bodies, multipart packages).
  app.register(async (scope: HttpServer) => {
    scope.setErrorHandler((error, request, reply) => {
      const e = toAppError(error);
      if (e.category === 'internal') request.log.error({ err: e.cause ?? e }, 'internal error');
      else if (e.status >= 500) request.log.warn({ code: e.code, msg: e.message }, 'upstream error');
      reply
        .status(e.status)
        .type('application/json; charset=utf-8')
        .send({
          status: 'FAIL',
          ErrorCode: e.code,
          ErrorDesc: e.message,
          ...details(e),
          requestId: request.id,
        });
    });
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
      const s = String(text).trim();
      if (!s) return done(null, {});
      try {
        done(null, JSON.parse(s));
      } catch (err) {
        done(
          badInput('request.malformed_json', `Nội dung không phải JSON hợp lệ: ${(err as Error).message}`),
        );
      }
    });
    const passThrough = (_req: unknown, payload: unknown, done: (e: null, body: unknown) => void) =>
      done(null, payload);
    for (const type of ['application/xml', 'text/xml', 'application/octet-stream', 'multipart/form-data']) {
      if (!scope.hasContentTypeParser(type)) scope.addContentTypeParser(type, passThrough);
    }
    if (!scope.hasContentTypeParser('application/x-www-form-urlencoded')) {
      scope.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_req, text, done) => done(null, Object.fromEntries(new URLSearchParams(String(text)))),
      );
    }
    const config = { optionalBody: true };

    scope.post(
      '/vdxp/sendEdoc',
      {
        config,
        schema: {
          tags,
          summary:
            'sendEdoc: send an edXML package (messagetype edoc) or report a status (messagetype status)',
          description:
            'Body: the edXML package as application/xml, application/octet-stream, or multipart/form-data (part file_doc). Headers: from, servicetype (eDoc), messagetype (edoc | status); optional Idempotency-Key.',
          response: { 200: envelope({ DocId: S }), ...failures },
        },
      },
      async (req) => {
        const type = messageType(req, 'edoc');
        const from = param(req, 'from');
        if (from && from !== ctx.self.memberCode) {
          throw forbidden(
            'docex.wrong_sender',
            `Cơ quan gửi (${from}) phải là cơ quan của nút này (${ctx.self.memberCode}).`,
          );
        }
        const body = packageBody(req);
        if (type === 'status')
          return { ...OK, DocId: (await applyStatusPackage(ctx, body, param(req, 'docId'))).id };
        const key = param(req, 'idempotency-key') ?? `vdxp-${ctx.random.uuid()}`;
        const sent = await acceptPackage(ctx, req.principal!, key, body);
        return { ...OK, DocId: sent.document.id };
      },
    );

    scope.post(
      '/vdxp/getReceivedEdocList',
      {
        config,
        schema: {
          tags,
          summary: 'getReceivedEdocList: received documents not yet taken (updateStatus done), oldest first',
          response: { 200: envelope({ data: Type.Array(ReceivedItem) }), ...failures },
        },
      },
      async (req) => {
        if (messageType(req, 'edoc') !== 'edoc') {
          throw badInput(
            'docex.vdxp.unsupported_message_type',
            'Danh sách văn bản đến chỉ gồm văn bản (messagetype edoc); trạng thái của văn bản đã gửi xem bằng getSentEdocList.',
          );
        }
        const rows = await ctx.db
          .selectFrom('docex_inbox')
          .select(['id', 'sender', 'edxml_document_id', 'business_type', 'subject', 'due_date', 'message'])
          .select(['received_at', 'status_code', 'status_at'])
          .where('acked_at', 'is', null)
          .orderBy('seq')
          .limit(limitOf(req))
          .execute();
        const data = rows.map((r) => ({
          docId: r.id,
          serviceType: 'eDoc',
          messageType: 'edoc',
          created_time: toEdxmlTimestamp(new Date(r.received_at)),
          updated_time: toEdxmlTimestamp(new Date(r.status_at ?? r.received_at)),
          from: r.sender,
          to: ctx.self.memberCode,
          ...(r.status_code
            ? { status: r.status_code, status_desc: STATUS_VI[r.status_code] ?? r.status_code }
            : {}),
          title: r.subject,
          notation: notation(r.message as EdxmlMessage),
          documentId: r.edxml_document_id,
          businessType: r.business_type,
          ...(r.due_date ? { dueDate: r.due_date } : {}),
        }));
        return { ...OK, data };
      },
    );

    scope.post(
      '/vdxp/getSentEdocList',
      {
        config,
        schema: {
          tags,
          summary: 'getSentEdocList: sent documents, one row per recipient, with delivery and status',
          response: { 200: envelope({ data: Type.Array(SentItem) }), ...failures },
        },
      },
      async (req) => {
        messageType(req, 'edoc');
        const docId = param(req, 'docId');
        let q = ctx.db
          .selectFrom('docex_deliveries as d')
          .innerJoin('docex_documents as doc', 'doc.id', 'd.document_id')
          .select(['doc.id', 'doc.subject', 'doc.edxml_document_id', 'doc.business_type', 'doc.message'])
          .select(['doc.created_at', 'd.recipient', 'd.state', 'd.delivered_at', 'd.status_code'])
          .orderBy('doc.created_at', 'desc')
          .orderBy('d.id')
          .limit(limitOf(req));
        if (docId !== undefined) q = q.where('doc.id', '=', uuid(docId));
        const rows = await q.execute();
        const data = rows.map((r) => ({
          senderDocId: r.id,
          serviceType: 'eDoc',
          messageType: 'edoc',
          fromCode: ctx.self.memberCode,
          toCode: r.recipient,
          title: r.subject,
          notation: notation(r.message as EdxmlMessage),
          documentId: r.edxml_document_id,
          businessType: r.business_type,
          sentTime: toEdxmlTimestamp(new Date(r.created_at)),
          ...(r.delivered_at ? { receivedTime: toEdxmlTimestamp(new Date(r.delivered_at)) } : {}),
          sendStatus: r.state,
          sendStatusDesc: DELIVERY_VI[r.state],
          ...(r.status_code
            ? { receiveStatus: r.status_code, receiveStatusDesc: STATUS_VI[r.status_code] ?? r.status_code }
            : {}),
        }));
        return { ...OK, data };
      },
    );

    scope.post(
      '/vdxp/getEdoc',
      {
        config,
        schema: {
          tags,
          summary: 'getEdoc: a received document as its edXML package, Base64 in "data"',
          description: 'Header docId. The answer is streamed: the package is never held whole in memory.',
          response: { 200: envelope({ data: Type.String({ contentEncoding: 'base64' }) }), ...failures },
        },
      },
      async (req, reply) => {
        const pkg = await receivedPackage(ctx, required(req, 'docId'));
        reply.type('application/json; charset=utf-8');
        // The stream writes the declared answer itself; the typed reply only knows the object form.
        return reply.send(Readable.from(base64Answer(pkg), { objectMode: false }) as never);
      },
    );

    scope.get(
      '/vdxp/downloadEdoc',
      {
        schema: {
          tags,
          summary: 'downloadEdoc: a received document as its edXML package (raw application/xml)',
          response: { 200: Type.Any({ description: 'The edXML package (application/xml)' }), ...failures },
        },
      },
      async (req, reply) => {
        const pkg = await receivedPackage(ctx, required(req, 'docId'));
        reply.type('application/xml; charset=utf-8');
        return reply.send(pkg);
      },
    );

    scope.post(
      '/vdxp/updateStatus',
      {
        config,
        schema: {
          tags,
          summary:
            'updateStatus: status "done" acknowledges; an edXML status code (03 … 06, 02, 15, 16) or an edXML Status body is reported to the sender',
          response: {
            200: envelope({ data: Type.Object({ docId: S, status: O(S), acknowledged: Type.Boolean() }) }),
            ...failures,
          },
        },
      },
      async (req) => {
        const type = req.headers['content-type'] ?? '';
        let id: string;
        if (/^(application|text)\/xml|^application\/octet-stream|^multipart\/form-data/i.test(type)) {
          id = (await applyStatusPackage(ctx, packageBody(req), param(req, 'docId'))).id;
        } else {
          id = required(req, 'docId');
          const status = param(req, 'status') ?? param(req, 'statusCode') ?? param(req, 'code');
          if (status === undefined) throw missing('status');
          if (status.toLowerCase() === 'done') await acknowledge(ctx, id);
          else if (RECEIPT_WORDS.has(status.toLowerCase())) await inboxItemView(ctx, uuid(id));
          else if ((STATUS_CODES as readonly string[]).includes(status)) {
            await report(ctx, id, {
              code: status as EdxmlStatus['statusCode'],
              description: param(req, 'description'),
              staffInfo: staffOf(req.body),
            });
          } else {
            throw badInput(
              'docex.vdxp.bad_status',
              `Trạng thái "${status}" không hợp lệ: dùng done/processing/fail, hoặc mã edXML ${STATUS_CODES.join(', ')}.`,
            );
          }
        }
        const item = await inboxItemView(ctx, id);
        return {
          ...OK,
          data: {
            docId: id,
            ...(item.status ? { status: item.status } : {}),
            acknowledged: item.ackedAt !== null,
          },
        };
      },
    );
  });
}

/**
 * A parameter as the SDK sends it (header, or header prefixed `XroadVnpt-`), or from the query
 * or a JSON/form body; names are compared without case, as HTTP headers are.
 */
function param(req: FastifyRequest, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const key of [lower, `xroadvnpt-${lower}`]) {
    const v = req.headers[key];
    if (typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  for (const bag of [req.query, req.body]) {
    if (!bag || typeof bag !== 'object' || typeof (bag as Readable).pipe === 'function') continue;
    for (const [k, v] of Object.entries(bag)) {
      if (
        k.toLowerCase() === lower &&
        (typeof v === 'string' || typeof v === 'number') &&
        String(v).trim() !== ''
      )
        return String(v).trim();
    }
  }
  return undefined;
}

const missing = (name: string) =>
  badInput('docex.vdxp.missing_parameter', `Thiếu tham số "${name}" (tiêu đề HTTP, query hoặc JSON).`, {
    name,
  });

function required(req: FastifyRequest, name: string): string {
  const v = param(req, name);
  if (v === undefined) throw missing(name);
  return v;
}

function uuid(id: string): string {
  if (!UUID.test(id)) throw badInput('docex.bad_document_id', `Mã văn bản "${id}" không phải UUID.`);
  return id;
}

/** `servicetype` must be the SDK's `eDoc` when given; answers `messagetype` (edoc | status). */
function messageType(req: FastifyRequest, fallback: 'edoc' | 'status'): 'edoc' | 'status' {
  const service = param(req, 'servicetype');
  if (service !== undefined && service.toLowerCase() !== 'edoc') {
    throw badInput(
      'docex.vdxp.unsupported_service_type',
      `Dịch vụ "${service}" không được hỗ trợ: dùng servicetype eDoc.`,
    );
  }
  const type = (param(req, 'messagetype') ?? fallback).toLowerCase();
  if (type !== 'edoc' && type !== 'status') {
    throw badInput(
      'docex.vdxp.unsupported_message_type',
      `Loại gói tin "${type}" không được hỗ trợ: dùng edoc hoặc status.`,
    );
  }
  return type;
}

function limitOf(req: FastifyRequest): number {
  const raw = param(req, 'limit');
  if (raw === undefined) return 100;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw badInput('docex.vdxp.bad_limit', `Tham số limit (${raw}) phải là số nguyên từ 1 đến 1000.`);
  }
  return n;
}

const notation = (m: EdxmlMessage) =>
  `${m.messageHeader.code.codeNumber}/${m.messageHeader.code.codeNotation}`;

function staffOf(body: unknown): StaffInfo | undefined {
  const s = body && typeof body === 'object' ? (body as Record<string, unknown>)['staffInfo'] : undefined;
  if (!s || typeof s !== 'object') return undefined;
  const picked = Object.fromEntries(
    ['department', 'staff', 'mobile', 'email']
      .map((k) => [k, (s as Record<string, unknown>)[k]])
      .filter(([, v]) => typeof v === 'string' && v !== ''),
  );
  return Object.keys(picked).length ? picked : undefined;
}

function details(e: AppError): { details?: Record<string, unknown> } {
  return e.details ? { details: e.details } : {};
}

/** The bytes of an edXML package in a request body, whatever way the document system sent it. */
function packageBody(req: FastifyRequest): AsyncIterable<Buffer> {
  const type = req.headers['content-type'] ?? '';
  const body = req.body as Readable | undefined;
  if (!body || typeof body.pipe !== 'function') {
    throw new AppError(
      'unsupported_media',
      'docex.vdxp.bad_content_type',
      'Gửi gói edXML với Content-Type application/xml, application/octet-stream hoặc multipart/form-data (phần file_doc).',
    );
  }
  if (!/^multipart\/form-data/i.test(type)) return packageBytes(body);
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
  if (!m) throw badMultipart('thiếu boundary trong Content-Type');
  return packageBytes(body, m[1] ?? m[2]);
}

const badMultipart = (why: string) =>
  badInput('docex.vdxp.bad_multipart', `Biểu mẫu multipart không đọc được: ${why}.`);

/**
 * The package bytes of a body: the body itself, or the first file part of a multipart form
 * (the SDK posts the package as part `file_doc`). A body declared as octet-stream that starts
 * with `--` is read as multipart too, since the SDK sets that Content-Type on its multipart
 * posts. Streams: only a boundary's length of bytes is held back at a time.
 */
export async function* packageBytes(
  body: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  boundary?: string,
): AsyncGenerator<Buffer> {
  let delimiter = boundary === undefined ? null : Buffer.from(`\r\n--${boundary}`);
  let state: 'sniff' | 'raw' | 'preamble' | 'headers' | 'body' | 'skip' | 'done' = delimiter
    ? 'preamble'
    : 'sniff';
  // A leading CRLF lets the first boundary, which has none before it, match the delimiter.
  let buf: Buffer = CRLF;
  for await (const piece of body) {
    const chunk =
      typeof piece === 'string'
        ? Buffer.from(piece)
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (state === 'raw') {
      yield chunk;
      continue;
    }
    if (state === 'done') continue; // the epilogue is read and dropped, so the request ends cleanly
    buf = Buffer.concat([buf, chunk]);
    if (state === 'sniff') {
      const s = buf.subarray(2);
      if (s.length < 2) continue;
      if (s[0] !== 0x2d || s[1] !== 0x2d) {
        state = 'raw';
        yield s;
        continue;
      }
      const eol = s.indexOf(CRLF);
      if (eol < 0) {
        if (s.length > 200) throw badMultipart('dòng boundary quá dài');
        continue;
      }
      delimiter = Buffer.concat([CRLF, s.subarray(0, eol)]);
      state = 'preamble';
    }
    const d = delimiter!;
    for (;;) {
      if (state === 'preamble' || state === 'skip') {
        const i = buf.indexOf(d);
        if (i < 0) {
          buf = buf.subarray(Math.max(0, buf.length - d.length + 1));
          break;
        }
        buf = buf.subarray(i + d.length);
        state = 'headers';
      } else if (state === 'headers') {
        if (buf.length >= 2 && buf[0] === 0x2d && buf[1] === 0x2d)
          throw badMultipart('không có phần tệp (file_doc)');
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buf.length > 16 * 1024) throw badMultipart('tiêu đề của một phần quá dài');
          break;
        }
        const headers = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        state = /filename=|name="?file(_doc)?"?(;|\s|$)/i.test(headers) ? 'body' : 'skip';
      } else if (state === 'body') {
        const i = buf.indexOf(d);
        if (i >= 0) {
          if (i > 0) yield buf.subarray(0, i);
          buf = EMPTY;
          state = 'done';
        } else if (buf.length >= d.length) {
          yield buf.subarray(0, buf.length - d.length + 1);
          buf = buf.subarray(buf.length - d.length + 1);
        }
        break;
      } else break;
    }
  }
  if (state === 'sniff' && buf.length > 2) yield buf.subarray(2);
  else if (state !== 'sniff' && state !== 'raw' && state !== 'done')
    throw badMultipart('biểu mẫu kết thúc giữa chừng');
}

/** The SDK's getEdoc answer, `data` being the package in Base64, encoded as the package streams. */
export async function* base64Answer(
  pkg: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<Buffer> {
  yield Buffer.from(`${JSON.stringify(OK).slice(0, -1)},"data":"`);
  let rest = EMPTY;
  for await (const piece of pkg) {
    const all = Buffer.concat([rest, typeof piece === 'string' ? Buffer.from(piece) : piece]);
    const whole = all.length - (all.length % 3);
    if (whole) yield Buffer.from(all.subarray(0, whole).toString('base64'));
    rest = all.subarray(whole);
  }
  yield Buffer.from(`${rest.toString('base64')}"}`);
}

/** A received document's package, streamed from its stored envelope and attachment files. */
async function receivedPackage(ctx: DocexContext, id: string): Promise<Readable> {
  const item = await ctx.db
    .selectFrom('docex_inbox')
    .select('envelope')
    .where('id', '=', uuid(id))
    .executeTakeFirst();
  if (!item) throw notFound('docex.unknown_inbox_item', `Không có văn bản đến với mã ${id}.`);
  const attachments = await ctx.db
    .selectFrom('docex_attachments')
    .select(['content_id', 'sha256'])
    .where('owner_kind', '=', 'received')
    .where('owner_id', '=', id)
    .orderBy('position')
    .execute();
  const pkg = writePackage(
    item.envelope,
    attachments.map((a) => ({ contentId: a.content_id, content: ctx.blobs.open(a.sha256) })),
  );
  pkg.digests.catch(() => {});
  return pkg.stream;
}

/**
 * An edXML Status message from the document system about a document it received: reported
 * through the same forward-only rules as the REST API, and signed again by this node. The
 * document is `docId` when given, else the one its ResponseFor names.
 */
async function applyStatusPackage(
  ctx: DocexContext,
  body: AsyncIterable<Buffer>,
  docId: string | undefined,
): Promise<{ id: string }> {
  const read = await readPackage(body, {
    onEnvelope: (parsed) => {
      if (parsed.kind !== 'status') {
        throw badInput(
          'docex.vdxp.not_a_status',
          'Gói tin trạng thái phải chứa một edXML Status, không phải văn bản.',
        );
      }
    },
    openAttachment: () => {
      throw badInput('docex.vdxp.not_a_status', 'Gói tin trạng thái không có tệp đính kèm.');
    },
  });
  if (read.envelope.kind !== 'status')
    throw badInput('docex.vdxp.not_a_status', 'Gói tin không chứa edXML Status.');
  const status = read.envelope.status;
  if (status.from.organId !== ctx.self.memberCode) {
    throw forbidden(
      'docex.wrong_sender',
      `Trạng thái ghi cơ quan ${status.from.organId}, không phải cơ quan của nút này (${ctx.self.memberCode}).`,
    );
  }
  const id = docId !== undefined ? uuid(docId) : await inboxIdFor(ctx, status);
  await report(ctx, id, {
    code: status.statusCode,
    description: status.description,
    staffInfo: status.staffInfo,
  });
  return { id };
}

/**
 * reportStatus, except that the status the document already has is answered as done: SDK
 * clients retry a call whose answer they lost, and a repeat is not a step backwards.
 */
async function report(
  ctx: DocexContext,
  id: string,
  status: Parameters<typeof reportStatus>[2],
): Promise<void> {
  if ((await inboxItemView(ctx, uuid(id))).status === status.code) return;
  await reportStatus(ctx, id, status);
}

/** The received document a Status answers: the original, or for 15/16 the latest amendment of it. */
async function inboxIdFor(ctx: DocexContext, status: EdxmlStatus): Promise<string> {
  const amendment = status.statusCode === '15' || status.statusCode === '16';
  const row = await ctx.db
    .selectFrom('docex_inbox')
    .select('id')
    .where('sender', '=', status.responseFor.organId)
    .where('edxml_document_id', '=', status.responseFor.documentId)
    .where('business_type', amendment ? '<>' : '=', 0)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) {
    throw notFound(
      'docex.unknown_inbox_item',
      `Không có văn bản đến ${status.responseFor.documentId} từ ${status.responseFor.organId}.`,
    );
  }
  return row.id;
}
