import type { Readable } from 'node:stream';
import { badInput, forbidden, notFound } from '../kernel/errors.ts';
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
import { uuid } from './vdxp.body.ts';
import { inboxItemView } from './views.ts';

// What the VDXP calls do, in the SDK's words: its lists, its receipt words and status codes,
// mapped onto the same inbox and delivery services as the REST API.

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

const notation = (m: EdxmlMessage) =>
  `${m.messageHeader.code.codeNumber}/${m.messageHeader.code.codeNotation}`;

/** getReceivedEdocList: received documents not yet acknowledged, oldest first. */
export async function receivedList(ctx: DocexContext, limit: number) {
  const rows = await ctx.db
    .selectFrom('docex_inbox')
    .select(['id', 'sender', 'edxml_document_id', 'business_type', 'subject', 'due_date', 'message'])
    .select(['received_at', 'status_code', 'status_at'])
    .where('acked_at', 'is', null)
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
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
}

/** getSentEdocList: sent documents, newest first, one row per recipient; `docId` narrows to one. */
export async function sentList(ctx: DocexContext, limit: number, docId: string | undefined) {
  let q = ctx.db
    .selectFrom('docex_deliveries as d')
    .innerJoin('docex_documents as doc', 'doc.id', 'd.document_id')
    .select(['doc.id', 'doc.subject', 'doc.edxml_document_id', 'doc.business_type', 'doc.message'])
    .select(['doc.created_at', 'd.recipient', 'd.state', 'd.delivered_at', 'd.status_code'])
    .orderBy('doc.created_at', 'desc')
    .orderBy('d.id')
    .limit(limit);
  if (docId !== undefined) q = q.where('doc.id', '=', uuid(docId));
  const rows = await q.execute();
  return rows.map((r) => ({
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
}

/** A received document's package, streamed from its stored envelope and attachment files. */
export async function receivedPackage(ctx: DocexContext, id: string): Promise<Readable> {
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
export async function applyStatusPackage(
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

/**
 * updateStatus with a word or code instead of an edXML Status: `done` acknowledges, the SDK's
 * other receipt words change nothing (the document must still exist), and an edXML status code
 * is reported to the sender.
 */
export async function applyStatusWord(
  ctx: DocexContext,
  id: string,
  status: string,
  note: { description: string | undefined; staffInfo: StaffInfo | undefined },
): Promise<void> {
  if (status.toLowerCase() === 'done') await acknowledge(ctx, id);
  else if (RECEIPT_WORDS.has(status.toLowerCase())) await inboxItemView(ctx, uuid(id));
  else if ((STATUS_CODES as readonly string[]).includes(status)) {
    await report(ctx, id, { code: status as EdxmlStatus['statusCode'], ...note });
  } else {
    throw badInput(
      'docex.vdxp.bad_status',
      `Trạng thái "${status}" không hợp lệ: dùng done/processing/fail, hoặc mã edXML ${STATUS_CODES.join(', ')}.`,
    );
  }
}

/** The answer of updateStatus: where the received document stands now. */
export async function statusAnswer(ctx: DocexContext, id: string) {
  const item = await inboxItemView(ctx, id);
  return {
    docId: id,
    ...(item.status ? { status: item.status } : {}),
    acknowledged: item.ackedAt !== null,
  };
}
