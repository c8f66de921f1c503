import type { Readable } from 'node:stream';
import { sql } from 'kysely';
import { AppError, badInput, forbidden, notFound } from '../kernel/errors.ts';
import type { BlobSink } from './blobs.ts';
import type { DocexContext } from './context.ts';
import { DOCEX_SUBSYSTEM } from './context.ts';
import {
  BUSSINESS_DOC_TYPES,
  buildStatus,
  type EdxmlMessage,
  type EdxmlStatus,
  type ParsedEdxml,
  parseStatus,
  readPackage,
  signEnvelope,
  toEdxmlTimestamp,
  verifyEnvelope,
} from './edxml/index.ts';
import { BUSINESS_KINDS, checkTransition } from './status-rules.ts';
import { queueWebhook } from './webhook.ts';

/**
 * The receiving end of the document axis: what another agency's docex node delivers through
 * the gateways. A document is stored — attachments flushed to disk, inbox row and the automatic
 * "01 arrived" status committed together — before the answer that tells the sender it arrived.
 * Receipt is idempotent: the same document delivered twice is stored once.
 */
export interface ReceivedAnswer {
  id: string;
  duplicate: boolean;
  /**
   * The signed "01 arrived" status, returned in the answer itself: the sender records it from
   * there, so the receipt costs no second exchange. A repeated delivery gets it again.
   */
  receipt: string;
}

/** The calling agency, from the X-Road-Client the provider gateway vouched for. */
export function senderOf(ctx: DocexContext, client: string | undefined): string {
  const parts = (client ?? '').split('/');
  if (parts.length !== 4 || parts[0] !== ctx.self.instance || parts[3] !== DOCEX_SUBSYSTEM) {
    throw forbidden(
      'docex.unknown_sender',
      `Lời gọi không đến từ hệ thống docex của một cơ quan (${client ?? 'không có X-Road-Client'}).`,
    );
  }
  return parts[2]!;
}

export async function receivePackage(
  ctx: DocexContext,
  sender: string,
  senderDocumentId: string,
  body: Readable,
): Promise<ReceivedAnswer> {
  checkUuid(senderDocumentId);
  const seen = await findReceived(ctx, sender, senderDocumentId);
  if (seen) {
    body.resume();
    return { id: seen, duplicate: true, receipt: await receiptOf(ctx, seen) };
  }
  const sinks: BlobSink[] = [];
  let envelope: { xml: string; message: EdxmlMessage } | null = null;
  try {
    await readPackage(body, {
      maxAttachmentBytes: ctx.limits.maxAttachmentBytes,
      onEnvelope: async (parsed: ParsedEdxml, xml: string) => {
        if (parsed.kind !== 'message')
          throw badInput('docex.not_a_document', 'Gói tin phải chứa một văn bản (MessageHeader).');
        await verifySigned(ctx, xml, sender);
        const header = parsed.message.messageHeader;
        if (header.from.organId !== sender) {
          throw forbidden(
            'docex.wrong_sender',
            `Văn bản ghi cơ quan gửi ${header.from.organId} nhưng đến từ ${sender}.`,
          );
        }
        if (!header.to.some((t) => t.organId === ctx.self.memberCode)) {
          throw badInput('docex.not_addressed_here', `Văn bản không gửi cho cơ quan ${ctx.self.memberCode}.`);
        }
        envelope = { xml, message: parsed.message };
      },
      openAttachment: () => {
        const sink = ctx.blobs.sink();
        sinks.push(sink);
        return sink.writable;
      },
    });
  } catch (err) {
    await Promise.all(sinks.map((s) => s.abort()));
    throw err;
  }
  const stored = await Promise.all(sinks.map((s) => s.commit()));
  const got = envelope as { xml: string; message: EdxmlMessage } | null;
  if (!got) throw badInput('docex.not_a_document', 'Gói tin không có phong bì edXML.');
  const refs = got.message.manifest?.reference ?? [];
  refs.forEach((ref, i) => {
    const blob = stored[i]!;
    if (ref.integrity && (ref.integrity.sha256 !== blob.sha256 || ref.integrity.size !== blob.size)) {
      throw badInput(
        'docex.checksum_mismatch',
        `Tệp đính kèm ${ref.attachmentName} không khớp mã băm/kích thước đã ký trong phong bì.`,
        { contentId: ref.contentId, expected: ref.integrity, actual: blob },
      );
    }
  });
  const header = got.message.messageHeader;
  const businessType = got.message.traceHeaderList?.bussiness?.bussinessDocType ?? BUSSINESS_DOC_TYPES.new;
  const id = ctx.random.uuid();
  const now = ctx.clock.now();
  const arrived = signedStatus(ctx, got.message, '01', 'Văn bản đã đến cơ quan nhận', now);
  try {
    await ctx.db.transaction().execute(async (tx) => {
      if (stored.length) {
        await tx
          .insertInto('docex_blobs')
          .values(stored.map((b) => ({ sha256: b.sha256, size: b.size, created_at: now })))
          .onConflict((oc) => oc.column('sha256').doNothing())
          .execute();
      }
      if (refs.length) {
        await tx
          .insertInto('docex_attachments')
          .values(
            refs.map((ref, i) => ({
              owner_kind: 'received' as const,
              owner_id: id,
              position: i,
              content_id: ref.contentId,
              sha256: stored[i]!.sha256,
              size: stored[i]!.size,
              content_type: ref.contentType,
              name: ref.attachmentName,
              description: ref.description ?? null,
            })),
          )
          .execute();
      }
      await tx
        .insertInto('docex_statuses')
        .values({
          direction: 'out',
          document_ref: id,
          counterpart: sender,
          code: '01',
          description: 'Văn bản đã đến cơ quan nhận',
          occurred_at: now,
          envelope: arrived,
          // Delivered in the answer to this very request (see ReceivedAnswer.receipt).
          state: 'delivered',
          delivered_at: now,
        })
        .execute();
      // The inbox cursor is the row's seq, given at insert; inserts are serialised so seqs
      // commit in order and a reader following the cursor never steps over one still in flight.
      await sql`select pg_advisory_xact_lock(hashtext(${`docex_inbox:${ctx.self.memberCode}`}))`.execute(tx);
      const inserted = await tx
        .insertInto('docex_inbox')
        .values({
          id,
          sender,
          sender_document_id: senderDocumentId,
          edxml_document_id: header.documentId,
          business_type: businessType,
          subject: header.subject,
          due_date: header.dueDate ?? null,
          envelope: got.xml,
          message: JSON.stringify(got.message),
          received_at: now,
          status_code: '01',
          status_at: now,
        })
        .returning('seq')
        .executeTakeFirstOrThrow();
      await queueWebhook(ctx, tx, {
        event: 'document.received',
        payload: {
          id,
          seq: Number(inserted.seq),
          sender,
          edxmlDocumentId: header.documentId,
          subject: header.subject,
        },
      });
    });
  } catch (err) {
    const again = await findReceived(ctx, sender, senderDocumentId);
    if (again) return { id: again, duplicate: true, receipt: await receiptOf(ctx, again) };
    throw err;
  }
  ctx.wake();
  return { id, duplicate: false, receipt: arrived };
}

async function receiptOf(ctx: DocexContext, inboxId: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('docex_statuses')
    .select('envelope')
    .where('direction', '=', 'out')
    .where('document_ref', '=', inboxId)
    .where('code', '=', '01')
    .executeTakeFirstOrThrow();
  return row.envelope;
}

/** A status message from a recipient about a document this agency sent. */
export async function receiveStatus(
  ctx: DocexContext,
  from: string,
  documentId: string,
  xml: string,
): Promise<{ duplicate: boolean }> {
  checkUuid(documentId);
  await verifySigned(ctx, xml, from);
  const status = parseStatus(xml);
  if (status.from.organId !== from) {
    throw forbidden(
      'docex.wrong_sender',
      `Trạng thái ghi cơ quan ${status.from.organId} nhưng đến từ ${from}.`,
    );
  }
  const delivery = await ctx.db
    .selectFrom('docex_deliveries')
    .innerJoin('docex_documents', 'docex_documents.id', 'docex_deliveries.document_id')
    .select(['docex_deliveries.id', 'docex_documents.refers_to', 'docex_documents.business_type'])
    .where('document_id', '=', documentId)
    .where('recipient', '=', from)
    .executeTakeFirst();
  if (!delivery) {
    throw notFound(
      'docex.unknown_document',
      `Cơ quan ${from} không nhận văn bản ${documentId} từ cơ quan này.`,
    );
  }
  // The sender holds recipients to the same rules: statuses only move forward. A copy of a
  // status already recorded is a retry and is answered as such.
  const history = await ctx.db
    .selectFrom('docex_statuses')
    .select(['code'])
    .where('direction', '=', 'in')
    .where('document_ref', '=', documentId)
    .where('counterpart', '=', from)
    .orderBy('id')
    .execute();
  if (history.some((h) => h.code === status.statusCode)) return { duplicate: true };
  // The receipt (01) comes back in the answer to the delivery, and a later status can overtake
  // it by a moment: a status from the recipient implies the document arrived. A receipt that
  // comes after later statuses is recorded in the history without moving the current status back.
  const lateReceipt = status.statusCode === '01' && history.length > 0;
  if (!lateReceipt) {
    const current = history.at(-1)?.code ?? (status.statusCode === '01' ? null : '01');
    checkTransition(BUSINESS_KINDS[delivery.business_type] ?? 'new', current, status.statusCode);
  }
  const at = parseTimestamp(status.timestamp) ?? ctx.clock.now();
  const inserted = await ctx.db.transaction().execute(async (tx) => {
    const row = await tx
      .insertInto('docex_statuses')
      .values({
        direction: 'in',
        document_ref: documentId,
        counterpart: from,
        code: status.statusCode,
        description: status.description ?? null,
        staff: status.staffInfo ? JSON.stringify(status.staffInfo) : null,
        occurred_at: at,
        envelope: xml,
        state: null,
      })
      .onConflict((oc) => oc.columns(['direction', 'document_ref', 'counterpart', 'code']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return false;
    await queueWebhook(ctx, tx, {
      event: 'status.received',
      payload: {
        documentId,
        recipient: from,
        code: status.statusCode,
        description: status.description ?? null,
      },
    });
    if (lateReceipt) return true;
    // Statuses travel in order per document, so the latest to arrive is the current one.
    const targets = [documentId, ...(delivery.refers_to ? [delivery.refers_to] : [])];
    await tx
      .updateTable('docex_deliveries')
      .set({ status_code: status.statusCode, status_at: at })
      .where('document_id', 'in', targets)
      .where('recipient', '=', from)
      .execute();
    return true;
  });
  return { duplicate: !inserted };
}

async function verifySigned(ctx: DocexContext, xml: string, sender: string): Promise<void> {
  const conf = ctx.conf();
  const revoked = new Set(conf.revokedCertificates.map((r) => r.serial.toLowerCase()));
  const verified = await verifyEnvelope(xml, {
    trustedCaPem: conf.trustedCas.map((c) => c.pem),
    now: ctx.clock.now(),
    isRevoked: (serial) => revoked.has(serial),
  });
  const member = verified.signer.subjectParts.serialNumber;
  if (member !== `${ctx.self.instance}/GOV/${sender}`) {
    throw new AppError(
      'forbidden',
      'docex.wrong_signer',
      `Chữ ký số thuộc ${member ?? 'một chủ thể không rõ'}, không phải của cơ quan gửi ${sender}.`,
    );
  }
}

/** The edXML status message for a document received, signed by this agency. */
export function signedStatus(
  ctx: DocexContext,
  received: EdxmlMessage,
  code: EdxmlStatus['statusCode'],
  description: string | undefined,
  at: Date,
  staffInfo?: EdxmlStatus['staffInfo'],
): string {
  const h = received.messageHeader;
  const status: EdxmlStatus = {
    responseFor: {
      organId: h.from.organId,
      code: `${h.code.codeNumber}/${h.code.codeNotation}`,
      promulgationDate: h.promulgationInfo.promulgationDate,
      documentId: h.documentId,
    },
    from: { organId: ctx.self.memberCode, organName: selfName(ctx) },
    statusCode: code,
    ...(description ? { description } : {}),
    timestamp: toEdxmlTimestamp(at),
    ...(staffInfo ? { staffInfo } : {}),
  };
  return signEnvelope(buildStatus(status), ctx.signing);
}

function selfName(ctx: DocexContext): string {
  return ctx.conf().members.find((m) => m.memberCode === ctx.self.memberCode)?.nameVi ?? ctx.self.memberCode;
}

async function findReceived(ctx: DocexContext, sender: string, senderDocumentId: string) {
  const row = await ctx.db
    .selectFrom('docex_inbox')
    .select('id')
    .where('sender', '=', sender)
    .where('sender_document_id', '=', senderDocumentId)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** `yyyy/MM/dd HH:mm:ss` in Viet Nam time (UTC+7). */
function parseTimestamp(s: string): Date | null {
  const m = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]! - 7, +m[5]!, +m[6]!);
  return Number.isNaN(t) ? null : new Date(t);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function checkUuid(id: string): void {
  if (!UUID.test(id)) throw badInput('docex.bad_document_id', `Mã văn bản "${id}" không phải UUID.`);
}
