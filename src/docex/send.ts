import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { AppError, badInput, conflict, notFound } from '../kernel/errors.ts';
import type { Principal } from '../kernel/http/server.ts';
import type { BlobSink } from './blobs.ts';
import type { DocexContext } from './context.ts';
import type { DocexTables } from './docex.db.ts';
import {
  BUSSINESS_DOC_TYPES,
  buildMessage,
  composeDocumentId,
  type EdxmlMessage,
  type MessageHeader,
  parseMessage,
  readPackage,
  signEnvelope,
  toEdxmlTimestamp,
} from './edxml/index.ts';
import { resolveRecipients } from './recipients.ts';
import { type DocumentView, documentView } from './views.ts';

/**
 * Accepting a document from the agency's document system: checked, built into a signed edXML
 * envelope, and stored with one delivery per recipient in one transaction, before `202`. The
 * idempotency key makes a retried send return the document already accepted.
 */
export interface SendAttachment {
  /** A blob uploaded before (PUT /api/v1/blobs). */
  sha256: string;
  name: string;
  contentType: string;
  description?: string | undefined;
}

export type Amendment = 'revoke' | 'update' | 'replace';

export interface SendRequest {
  /** The edXML message; `from`, `to`, `documentId` and the manifest are filled in when absent. */
  messageHeader: Omit<MessageHeader, 'from' | 'to' | 'documentId'> &
    Partial<Pick<MessageHeader, 'from' | 'to' | 'documentId'>>;
  /** Agency codes of the recipients, besides any in `messageHeader.to`. */
  recipients?: string[] | undefined;
  /** Every docex agency of these kinds (e.g. `province`) also receives it. */
  recipientKinds?: string[] | undefined;
  /** And the agencies of the information systems in these registry groups. */
  recipientGroups?: string[] | undefined;
  attachments?: SendAttachment[] | undefined;
  /** For an update or replacement of a document sent before. */
  amends?:
    | { documentId: string; type: Exclude<Amendment, 'revoke'>; reason?: string | undefined }
    | undefined;
}

export async function acceptSend(
  ctx: DocexContext,
  principal: Principal,
  idempotencyKey: string,
  body: SendRequest,
  requestSha256 = sha256Json(body),
): Promise<{ created: boolean; document: DocumentView }> {
  checkKey(idempotencyKey);
  const existing = await byKey(ctx, idempotencyKey, requestSha256);
  if (existing) return { created: false, document: existing };

  const self = ctx.self.memberCode;
  const header = body.messageHeader;
  if (header.from && header.from.organId !== self) {
    throw new AppError(
      'forbidden',
      'docex.wrong_sender',
      `Cơ quan gửi (${header.from.organId}) phải là cơ quan của nút này (${self}).`,
    );
  }
  let original: { id: string; edxml_document_id: string } | null = null;
  let recipientCodes = [...(body.recipients ?? []), ...(header.to ?? []).map((t) => t.organId)];
  if (body.amends) {
    original = await sentDocument(ctx, body.amends.documentId);
    if (recipientCodes.length === 0 && !body.recipientKinds?.length && !body.recipientGroups?.length)
      recipientCodes = await recipientsOf(ctx, original.id);
  }
  const conf = ctx.conf();
  const recipients = resolveRecipients(
    conf,
    self,
    recipientCodes,
    body.recipientKinds ?? [],
    body.recipientGroups ?? [],
  );
  const attachments = await checkAttachments(ctx, body.attachments ?? []);

  const now = ctx.clock.now();
  const selfName = conf.members.find((m) => m.memberCode === self)?.nameVi ?? self;
  const given = new Map((header.to ?? []).map((t) => [t.organId, t]));
  const messageHeader: MessageHeader = {
    ...header,
    from: header.from ?? { organId: self, organName: selfName },
    to: recipients.map((r) => given.get(r.organId) ?? { organId: r.organId, organName: r.organName }),
    documentId:
      header.documentId ??
      composeDocumentId(
        self,
        header.promulgationInfo.promulgationDate,
        header.code.codeNumber,
        header.code.codeNotation,
      ),
  };
  const businessType = body.amends ? BUSSINESS_DOC_TYPES[body.amends.type] : BUSSINESS_DOC_TYPES.new;
  const message: EdxmlMessage = {
    messageHeader,
    traceHeaderList: {
      traceHeader: [{ organId: self, timestamp: toEdxmlTimestamp(now) }],
      bussiness: {
        bussinessDocType: businessType,
        ...(body.amends?.reason ? { bussinessDocReason: body.amends.reason } : {}),
        ...(original ? { documentId: original.edxml_document_id } : {}),
        // A replacement names the document it replaces and the agencies it is replaced for.
        ...(original && body.amends?.type === 'replace'
          ? {
              replacementInfoList: [
                { documentId: original.edxml_document_id, organIdList: recipients.map((r) => r.organId) },
              ],
            }
          : {}),
      },
    },
    ...(attachments.length
      ? {
          manifest: {
            reference: attachments.map((a, i) => ({
              contentId: `cid:${i + 1}`,
              contentType: a.contentType,
              attachmentName: a.name,
              ...(a.description ? { description: a.description } : {}),
              integrity: { size: a.size, sha256: a.sha256 },
            })),
          },
        }
      : {}),
  };
  return store(ctx, principal, {
    idempotencyKey,
    requestSha256,
    message,
    businessType,
    refersTo: original?.id ?? null,
    recipients: recipients.map((r) => r.organId),
    attachments,
  });
}

/**
 * A send given as an edXML package (envelope and Base64 attachments), as document systems that
 * already speak edXML produce it. Attachments stream into the blob store; the envelope's
 * header, recipients (To) and manifest become the document, signed again by this node.
 */
export async function acceptPackage(
  ctx: DocexContext,
  principal: Principal,
  idempotencyKey: string,
  body: AsyncIterable<Uint8Array | string>,
): Promise<{ created: boolean; document: DocumentView }> {
  checkKey(idempotencyKey);
  const sinks: BlobSink[] = [];
  let read: Awaited<ReturnType<typeof readPackage>>;
  try {
    read = await readPackage(body, {
      maxAttachmentBytes: ctx.limits.maxAttachmentBytes,
      onEnvelope: (parsed) => {
        if (parsed.kind !== 'message') {
          throw badInput(
            'docex.not_a_document',
            'Gói edXML gửi đi phải chứa một văn bản (MessageHeader), không phải trạng thái.',
          );
        }
      },
      openAttachment: () => {
        const sink = ctx.blobs.sink();
        sinks.push(sink);
        return sink.writable;
      },
    });
  } catch (err) {
    await Promise.all(sinks.map((x) => x.abort()));
    throw err;
  }
  const stored = await Promise.all(sinks.map((x) => x.commit()));
  if (read.envelope.kind !== 'message')
    throw badInput('docex.not_a_document', 'Gói edXML không chứa văn bản.');
  const message = read.envelope.message;
  const refs = message.manifest?.reference ?? [];
  refs.forEach((ref, i) => {
    const blob = stored[i]!;
    if (ref.integrity && (ref.integrity.sha256 !== blob.sha256 || ref.integrity.size !== blob.size)) {
      throw badInput(
        'docex.checksum_mismatch',
        `Tệp ${ref.attachmentName} không khớp mã băm/kích thước ghi trong danh mục.`,
        {
          contentId: ref.contentId,
        },
      );
    }
  });
  if (stored.length) {
    await ctx.db
      .insertInto('docex_blobs')
      .values(stored.map((b) => ({ sha256: b.sha256, size: b.size, created_at: ctx.clock.now() })))
      .onConflict((oc) => oc.column('sha256').doNothing())
      .execute();
  }
  const business = message.traceHeaderList?.bussiness?.bussinessDocType ?? BUSSINESS_DOC_TYPES.new;
  if (business !== BUSSINESS_DOC_TYPES.new) {
    throw badInput(
      'docex.unsupported_business_type',
      'Thu hồi, cập nhật, thay thế văn bản: dùng POST /api/v1/documents/{id}/revoke hoặc trường "amends".',
    );
  }
  const request: SendRequest = {
    messageHeader: message.messageHeader,
    attachments: refs.map((ref, i) => ({
      sha256: stored[i]!.sha256,
      name: ref.attachmentName,
      contentType: ref.contentType,
      ...(ref.description ? { description: ref.description } : {}),
    })),
  };
  const hash = createHash('sha256')
    .update(read.envelopeXml)
    .update(stored.map((b) => b.sha256).join(','))
    .digest('hex');
  return acceptSend(ctx, principal, idempotencyKey, request, hash);
}

/** Withdraws a sent document from every recipient (edXML business type 1, status 13). */
export async function acceptRevoke(
  ctx: DocexContext,
  principal: Principal,
  idempotencyKey: string,
  documentId: string,
  reason: string,
): Promise<{ created: boolean; document: DocumentView }> {
  checkKey(idempotencyKey);
  const requestSha256 = sha256Json({ revoke: documentId, reason });
  const existing = await byKey(ctx, idempotencyKey, requestSha256);
  if (existing) return { created: false, document: existing };
  const original = await sentDocument(ctx, documentId);
  if (original.business_type !== BUSSINESS_DOC_TYPES.new) {
    throw conflict(
      'docex.not_revocable',
      'Chỉ thu hồi được văn bản mới, không thu hồi một yêu cầu thu hồi/cập nhật.',
    );
  }
  const old = original.message as EdxmlMessage;
  const now = ctx.clock.now();
  const message: EdxmlMessage = {
    messageHeader: old.messageHeader,
    traceHeaderList: {
      traceHeader: [{ organId: ctx.self.memberCode, timestamp: toEdxmlTimestamp(now) }],
      bussiness: {
        bussinessDocType: BUSSINESS_DOC_TYPES.revoke,
        bussinessDocReason: reason,
        documentId: original.edxml_document_id,
      },
    },
  };
  const recipients = await recipientsOf(ctx, original.id);
  return store(ctx, principal, {
    idempotencyKey,
    requestSha256,
    message,
    businessType: BUSSINESS_DOC_TYPES.revoke,
    refersTo: original.id,
    recipients,
    attachments: [],
    // In the same transaction as the revoke itself: a crash cannot leave one without the other.
    also: (tx) =>
      tx
        .updateTable('docex_deliveries')
        .set({ status_code: '13', status_at: now })
        .where('document_id', '=', original.id)
        .execute(),
  });
}

interface StoredAttachment extends SendAttachment {
  size: number;
}

async function store(
  ctx: DocexContext,
  principal: Principal,
  doc: {
    idempotencyKey: string;
    requestSha256: string;
    message: EdxmlMessage;
    businessType: number;
    refersTo: string | null;
    recipients: string[];
    attachments: StoredAttachment[];
    also?: (tx: Transaction<DocexTables>) => Promise<unknown>;
  },
): Promise<{ created: boolean; document: DocumentView }> {
  // Built, then parsed back: the codec's rules (required elements, formats) decide validity,
  // and the error names the element.
  const xml = buildMessage(doc.message);
  const message = parseMessage(xml);
  const envelope = signEnvelope(xml, ctx.signing);
  const id = ctx.random.uuid();
  const now = ctx.clock.now();
  const header = message.messageHeader;
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('docex_documents')
        .values({
          id,
          idempotency_key: doc.idempotencyKey,
          request_sha256: doc.requestSha256,
          edxml_document_id: header.documentId,
          business_type: doc.businessType,
          refers_to: doc.refersTo,
          subject: header.subject,
          due_date: header.dueDate ?? null,
          envelope,
          message: JSON.stringify(message),
          created_by: principal.name,
          created_at: now,
        })
        .execute();
      if (doc.attachments.length) {
        await tx
          .insertInto('docex_attachments')
          .values(
            doc.attachments.map((a, i) => ({
              owner_kind: 'sent' as const,
              owner_id: id,
              position: i,
              content_id: `cid:${i + 1}`,
              sha256: a.sha256,
              size: a.size,
              content_type: a.contentType,
              name: a.name,
              description: a.description ?? null,
            })),
          )
          .execute();
      }
      await tx
        .insertInto('docex_deliveries')
        .values(
          doc.recipients.map((recipient) => ({
            document_id: id,
            recipient,
            state: 'pending' as const,
            next_attempt_at: now,
            give_up_at: new Date(now.getTime() + ctx.limits.deadAfterMs),
          })),
        )
        .execute();
      await doc.also?.(tx);
    });
  } catch (err) {
    // Two sends with one key at the same moment: the loser answers with the winner's document.
    const again = await byKey(ctx, doc.idempotencyKey, doc.requestSha256);
    if (again) return { created: false, document: again };
    throw err;
  }
  ctx.wake();
  return { created: true, document: await documentView(ctx, id) };
}

async function byKey(ctx: DocexContext, key: string, requestSha256: string): Promise<DocumentView | null> {
  const row = await ctx.db
    .selectFrom('docex_documents')
    .select(['id', 'request_sha256'])
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) return null;
  if (row.request_sha256 !== requestSha256) {
    throw conflict(
      'docex.idempotency_conflict',
      `Khóa Idempotency-Key "${key}" đã dùng cho một văn bản khác: dùng khóa mới cho văn bản mới.`,
      { documentId: row.id },
    );
  }
  return documentView(ctx, row.id);
}

async function sentDocument(ctx: DocexContext, id: string) {
  const row = UUID.test(id)
    ? await ctx.db.selectFrom('docex_documents').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!row) throw notFound('docex.unknown_document', `Không có văn bản đã gửi với mã ${id}.`);
  return row;
}

async function recipientsOf(ctx: DocexContext, documentId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('docex_deliveries')
    .select('recipient')
    .where('document_id', '=', documentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.recipient);
}

async function checkAttachments(ctx: DocexContext, list: SendAttachment[]): Promise<StoredAttachment[]> {
  if (list.length === 0) return [];
  const rows = await ctx.db
    .selectFrom('docex_blobs')
    .select(['sha256', 'size'])
    .where(
      'sha256',
      'in',
      list.map((a) => a.sha256),
    )
    .execute();
  const sizes = new Map(rows.map((r) => [r.sha256, Number(r.size)]));
  const missing = list.filter((a) => !sizes.has(a.sha256)).map((a) => a.sha256);
  if (missing.length) {
    throw badInput(
      'docex.unknown_attachment',
      `Chưa có tệp đính kèm với mã băm ${missing.join(', ')}: tải tệp lên (PUT /api/v1/blobs) trước khi gửi.`,
      { missing },
    );
  }
  return list.map((a) => ({ ...a, size: sizes.get(a.sha256)! }));
}

function checkKey(key: string): void {
  if (!/^[\x21-\x7e]{1,200}$/.test(key)) {
    throw badInput(
      'docex.missing_idempotency_key',
      'Gửi kèm tiêu đề Idempotency-Key (1–200 ký tự ASCII in được) để gửi lại an toàn khi lỗi mạng.',
    );
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** SHA-256 of a JSON value with object keys sorted, so key order does not matter. */
export function sha256Json(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}
