import { Readable } from 'node:stream';
import { type TSchema, Type } from '@sinclair/typebox';
import { type AppError, badInput, forbidden } from '../kernel/errors.ts';
import { type HttpServer, toAppError } from '../kernel/http/server.ts';
import type { DocexContext } from './context.ts';
import { acceptPackage } from './send.ts';
import {
  base64Answer,
  limitOf,
  messageType,
  missing,
  OK,
  packageBody,
  param,
  required,
  staffOf,
} from './vdxp.body.ts';
import {
  applyStatusPackage,
  applyStatusWord,
  receivedList,
  receivedPackage,
  sentList,
  statusAnswer,
} from './vdxp.service.ts';

export { base64Answer, packageBytes } from './vdxp.body.ts';

/**
 * The calls of the national document axis SDK (VDXP "edoc" service: `sendEdoc`,
 * `getReceivedEdocList`, `getSentEdocList`, `getEdoc`, `updateStatus`, `downloadEdoc`), so a
 * document system written against it can point at this node. Parameters come as the SDK sends
 * them — HTTP headers, plain or prefixed `XroadVnpt-` — or in the query or a JSON body; answers
 * carry the SDK's envelope `{status, ErrorCode, ErrorDesc, …}`. Each call maps onto the same
 * services as the REST API (docs/docex-vdxp.md), so the same rules apply.
 */
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
        return { ...OK, data: await receivedList(ctx, limitOf(req)) };
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
        return { ...OK, data: await sentList(ctx, limitOf(req), docId) };
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
          await applyStatusWord(ctx, id, status, {
            description: param(req, 'description'),
            staffInfo: staffOf(req.body),
          });
        }
        return { ...OK, data: await statusAnswer(ctx, id) };
      },
    );
  });
}

function details(e: AppError): { details?: Record<string, unknown> } {
  return e.details ? { details: e.details } : {};
}
