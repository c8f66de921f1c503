import type { Readable } from 'node:stream';
import { type TSchema, Type } from '@sinclair/typebox';
import { AppError, forbidden } from '../kernel/errors.ts';
import { ERROR_RESPONSE_SCHEMA, type HttpServer } from '../kernel/http/server.ts';
import type { DocexContext } from './context.ts';
import { redeliver } from './delivery.ts';
import { EdxmlMessage, MessageHeader, StaffInfo, StatusCode, writePackage } from './edxml/index.ts';
import { acknowledge, listInbox, reportStatus } from './inbox.ts';
import { acceptPackage, acceptRevoke, acceptSend, type SendRequest } from './send.ts';
import { documentView, inboxItemView } from './views.ts';

/**
 * The API an agency's document system uses: upload attachments, send (idempotently), follow
 * deliveries and statuses, read and acknowledge the inbox, report statuses. Every route needs
 * the document system's API key.
 */
const Err = ERROR_RESPONSE_SCHEMA;
const auth = { 401: Err, 403: Err };
const Uuid = Type.String({ format: 'uuid' });
const Attachment = Type.Object({
  contentId: Type.String(),
  name: Type.String(),
  contentType: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  size: Type.Integer(),
  sha256: Type.String(),
});
const Document = Type.Object({
  id: Uuid,
  idempotencyKey: Type.String(),
  edxmlDocumentId: Type.String(),
  businessType: Type.Integer(),
  refersTo: Type.Union([Uuid, Type.Null()]),
  subject: Type.String(),
  dueDate: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.String(),
  deliveries: Type.Array(
    Type.Object({
      recipient: Type.String(),
      state: Type.String({ enum: ['pending', 'delivered', 'dead'] }),
      attempts: Type.Integer(),
      lastError: Type.Union([Type.String(), Type.Null()]),
      nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
      deliveredAt: Type.Union([Type.String(), Type.Null()]),
      deadAt: Type.Union([Type.String(), Type.Null()]),
      status: Type.Union([Type.String(), Type.Null()]),
      statusAt: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  attachments: Type.Array(Attachment),
  statuses: Type.Array(
    Type.Object({
      recipient: Type.String(),
      code: Type.String(),
      description: Type.Union([Type.String(), Type.Null()]),
      at: Type.String(),
    }),
  ),
  message: EdxmlMessage,
});
const InboxItem = Type.Object({
  id: Uuid,
  seq: Type.Integer(),
  sender: Type.String(),
  edxmlDocumentId: Type.String(),
  businessType: Type.Integer(),
  subject: Type.String(),
  dueDate: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String(),
  ackedAt: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.String(), Type.Null()]),
  statusAt: Type.Union([Type.String(), Type.Null()]),
  attachments: Type.Array(Attachment),
  message: EdxmlMessage,
});

const headerProps = MessageHeader.properties as Record<string, TSchema>;
export const SendBody = Type.Object(
  {
    messageHeader: Type.Object(
      {
        ...headerProps,
        from: Type.Optional(headerProps['from']!),
        to: Type.Optional(headerProps['to']!),
        documentId: Type.Optional(headerProps['documentId']!),
      },
      { additionalProperties: false },
    ),
    recipients: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 10_000 })),
    recipientKinds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 20 })),
    recipientGroups: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 20 }),
    ),
    attachments: Type.Optional(
      Type.Array(
        Type.Object(
          {
            sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
            name: Type.String({ minLength: 1, maxLength: 500 }),
            contentType: Type.String({ minLength: 1, maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100 },
      ),
    ),
    amends: Type.Optional(
      Type.Object(
        {
          documentId: Uuid,
          type: Type.Union([Type.Literal('update'), Type.Literal('replace')]),
          reason: Type.Optional(Type.String({ maxLength: 2000 })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

const IdempotencyHeaders = Type.Object({ 'idempotency-key': Type.Optional(Type.String()) });

export function registerDocexRoutes(app: HttpServer, ctx: DocexContext): void {
  // Attachments arrive as raw bytes and are streamed to the blob store, never buffered whole.
  app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
  // edXML packages too: a 100 MB attachment streams to disk as it is decoded.
  app.addContentTypeParser(['application/xml', 'text/xml'], (_req, payload, done) => done(null, payload));

  app.get(
    '/healthz',
    { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness and database reachability' } },
    async () => {
      await ctx.db.selectFrom('docex_blobs').select('sha256').limit(1).execute();
      return { status: 'ok', agency: ctx.self.memberCode };
    },
  );

  app.put(
    '/api/v1/blobs',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Upload an attachment (raw bytes); answers its SHA-256 to name in a send',
        headers: Type.Object({
          'x-content-sha256': Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
        }),
        response: {
          201: Type.Object({ sha256: Type.String(), size: Type.Integer() }),
          ...auth,
          400: Err,
          413: Err,
          415: Err,
        },
      },
    },
    async (req, reply) => {
      if (!req.headers['content-type']?.startsWith('application/octet-stream')) {
        throw new AppError(
          'unsupported_media',
          'docex.bad_content_type',
          'Tải tệp với Content-Type: application/octet-stream.',
        );
      }
      const blob = await ctx.blobs.put(req.body as Readable, {
        sha256: req.headers['x-content-sha256'] as string | undefined,
        maxBytes: ctx.limits.maxAttachmentBytes,
      });
      await ctx.db
        .insertInto('docex_blobs')
        .values({ sha256: blob.sha256, size: blob.size, created_at: ctx.clock.now() })
        .onConflict((oc) => oc.column('sha256').doNothing())
        .execute();
      return reply.status(201).send(blob);
    },
  );

  app.get(
    '/api/v1/blobs/:sha256',
    {
      schema: {
        tags: ['attachments'],
        summary: 'Download an attachment by its SHA-256',
        params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }),
      },
    },
    async (req, reply) => {
      const row = await ctx.db
        .selectFrom('docex_blobs')
        .select('size')
        .where('sha256', '=', req.params.sha256)
        .executeTakeFirst();
      if (!row)
        throw new AppError('not_found', 'docex.unknown_attachment', `Không có tệp ${req.params.sha256}.`);
      reply.header('content-type', 'application/octet-stream');
      reply.header('content-length', String(row.size));
      return reply.send(ctx.blobs.open(req.params.sha256));
    },
  );

  app.post(
    '/api/v1/documents',
    {
      schema: {
        tags: ['sent documents'],
        summary:
          'Send a document to one or more agencies (stored durably before 202): JSON, or an edXML package (application/xml)',
        headers: IdempotencyHeaders,
        // Per content type: the JSON form is validated here, the package by the edXML reader.
        body: {
          content: {
            'application/json': { schema: SendBody },
            'application/xml': { schema: { description: 'edXML package: envelope and Base64 attachments' } },
            'text/xml': { schema: { description: 'edXML package' } },
          },
        } as unknown as typeof SendBody,
        response: { 200: Document, 202: Document, ...auth, 400: Err, 404: Err, 409: Err },
      },
    },
    async (req, reply) => {
      const type = req.headers['content-type'] ?? '';
      const xml = type.startsWith('application/xml') || type.startsWith('text/xml');
      const r = xml
        ? await acceptPackage(ctx, req.principal!, keyOf(req.headers), req.body as unknown as Readable)
        : await acceptSend(ctx, req.principal!, keyOf(req.headers), req.body as unknown as SendRequest);
      return reply.status(r.created ? 202 : 200).send(r.document);
    },
  );

  app.get(
    '/api/v1/documents',
    {
      schema: {
        tags: ['sent documents'],
        summary: 'Documents sent, newest first',
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        }),
        response: { 200: Type.Array(Document), ...auth },
      },
    },
    async (req) => {
      const rows = await ctx.db
        .selectFrom('docex_documents')
        .select('id')
        .orderBy('created_at', 'desc')
        .orderBy('id')
        .limit(req.query.limit ?? 50)
        .execute();
      return Promise.all(rows.map((r) => documentView(ctx, r.id)));
    },
  );

  app.get(
    '/api/v1/documents/:id',
    {
      schema: {
        tags: ['sent documents'],
        summary: 'A sent document: per-recipient delivery state and statuses',
        params: Type.Object({ id: Uuid }),
        response: { 200: Document, ...auth, 404: Err },
      },
    },
    async (req) => documentView(ctx, req.params.id),
  );

  app.post(
    '/api/v1/documents/:id/revoke',
    {
      schema: {
        tags: ['sent documents'],
        summary: 'Withdraw a sent document from its recipients (they answer 15 or 16)',
        headers: IdempotencyHeaders,
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 2000 }) },
          { additionalProperties: false },
        ),
        response: { 200: Document, 202: Document, ...auth, 400: Err, 404: Err, 409: Err },
      },
    },
    async (req, reply) => {
      const r = await acceptRevoke(ctx, req.principal!, keyOf(req.headers), req.params.id, req.body.reason);
      return reply.status(r.created ? 202 : 200).send(r.document);
    },
  );

  app.post(
    '/api/v1/documents/:id/deliveries/:recipient/redeliver',
    {
      config: { optionalBody: true },
      schema: {
        tags: ['sent documents'],
        summary: 'Put a dead-lettered delivery back in the queue (operator)',
        params: Type.Object({ id: Uuid, recipient: Type.String() }),
        response: { 200: Document, ...auth, 404: Err },
      },
    },
    async (req) => {
      if (req.principal?.role !== 'operator') {
        throw forbidden('docex.operator_only', 'Chỉ quản trị viên nút docex mới chuyển lại được văn bản.');
      }
      await redeliver(ctx, req.params.id, req.params.recipient);
      return documentView(ctx, req.params.id);
    },
  );

  app.get(
    '/api/v1/inbox',
    {
      schema: {
        tags: ['inbox'],
        summary: 'Documents received since a cursor, oldest first',
        querystring: Type.Object({
          after: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
          unacknowledged: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Type.Object({ items: Type.Array(InboxItem), cursor: Type.Integer() }), ...auth },
      },
    },
    async (req) => listInbox(ctx, req.query),
  );

  app.get(
    '/api/v1/inbox/:id',
    {
      schema: {
        tags: ['inbox'],
        summary: 'One received document with its attachment list',
        params: Type.Object({ id: Uuid }),
        response: { 200: InboxItem, ...auth, 404: Err },
      },
    },
    async (req) => inboxItemView(ctx, req.params.id),
  );

  app.get(
    '/api/v1/inbox/:id/edxml',
    {
      schema: {
        tags: ['inbox'],
        summary: 'The received document as an edXML package: signed envelope and Base64 attachments',
        params: Type.Object({ id: Uuid }),
      },
    },
    async (req, reply) => {
      const item = await ctx.db
        .selectFrom('docex_inbox')
        .select('envelope')
        .where('id', '=', req.params.id)
        .executeTakeFirst();
      if (!item)
        throw new AppError(
          'not_found',
          'docex.unknown_inbox_item',
          `Không có văn bản đến với mã ${req.params.id}.`,
        );
      const attachments = await ctx.db
        .selectFrom('docex_attachments')
        .select(['content_id', 'sha256'])
        .where('owner_kind', '=', 'received')
        .where('owner_id', '=', req.params.id)
        .orderBy('position')
        .execute();
      const pkg = writePackage(
        item.envelope,
        attachments.map((a) => ({ contentId: a.content_id, content: ctx.blobs.open(a.sha256) })),
      );
      pkg.digests.catch(() => {});
      reply.header('content-type', 'application/xml; charset=utf-8');
      return reply.send(pkg.stream);
    },
  );

  app.post(
    '/api/v1/inbox/:id/ack',
    {
      config: { optionalBody: true },
      schema: {
        tags: ['inbox'],
        summary: 'Acknowledge a received document (taken into the document system)',
        params: Type.Object({ id: Uuid }),
        response: { 200: InboxItem, ...auth, 404: Err },
      },
    },
    async (req) => acknowledge(ctx, req.params.id),
  );

  app.post(
    '/api/v1/inbox/:id/status',
    {
      schema: {
        tags: ['inbox'],
        summary:
          'Report a status (03 registered … 06 completed, 02 refused, 15/16 on a revoke) to the sender',
        params: Type.Object({ id: Uuid }),
        body: Type.Object(
          {
            code: StatusCode,
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            staffInfo: Type.Optional(StaffInfo),
          },
          { additionalProperties: false },
        ),
        response: { 200: InboxItem, ...auth, 400: Err, 404: Err, 409: Err },
      },
    },
    async (req) => reportStatus(ctx, req.params.id, req.body),
  );
}

function keyOf(headers: Record<string, unknown>): string {
  const key = headers['idempotency-key'];
  return typeof key === 'string' ? key : '';
}
