import { notFound } from '../kernel/errors.ts';
import type { DocexContext } from './context.ts';
import type { EdxmlMessage } from './edxml/index.ts';

/** What the API shows of a sent document and of a received one. */
export interface AttachmentView {
  contentId: string;
  name: string;
  contentType: string;
  description: string | null;
  size: number;
  sha256: string;
}

export interface DeliveryView {
  recipient: string;
  state: 'pending' | 'delivered' | 'dead';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  deadAt: string | null;
  /** The latest status the recipient reported (01 … 06, 15, 16), or 13 after a revoke. */
  status: string | null;
  statusAt: string | null;
}

export interface DocumentView {
  id: string;
  idempotencyKey: string;
  edxmlDocumentId: string;
  businessType: number;
  refersTo: string | null;
  subject: string;
  dueDate: string | null;
  createdAt: string;
  createdBy: string;
  deliveries: DeliveryView[];
  attachments: AttachmentView[];
  /** Status history reported by recipients, oldest first. */
  statuses: { recipient: string; code: string; description: string | null; at: string }[];
  message: EdxmlMessage;
}

export interface InboxItemView {
  id: string;
  seq: number;
  sender: string;
  edxmlDocumentId: string;
  businessType: number;
  subject: string;
  dueDate: string | null;
  receivedAt: string;
  ackedAt: string | null;
  status: string | null;
  statusAt: string | null;
  attachments: AttachmentView[];
  message: EdxmlMessage;
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

async function attachmentsOf(
  ctx: DocexContext,
  kind: 'sent' | 'received',
  id: string,
): Promise<AttachmentView[]> {
  const rows = await ctx.db
    .selectFrom('docex_attachments')
    .selectAll()
    .where('owner_kind', '=', kind)
    .where('owner_id', '=', id)
    .orderBy('position')
    .execute();
  return rows.map((a) => ({
    contentId: a.content_id,
    name: a.name,
    contentType: a.content_type,
    description: a.description,
    size: Number(a.size),
    sha256: a.sha256,
  }));
}

export async function documentView(ctx: DocexContext, id: string): Promise<DocumentView> {
  const d = await ctx.db.selectFrom('docex_documents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!d) throw notFound('docex.unknown_document', `Không có văn bản đã gửi với mã ${id}.`);
  const deliveries = await ctx.db
    .selectFrom('docex_deliveries')
    .selectAll()
    .where('document_id', '=', id)
    .orderBy('id')
    .execute();
  const statuses = await ctx.db
    .selectFrom('docex_statuses')
    .select(['counterpart', 'code', 'description', 'occurred_at'])
    .where('direction', '=', 'in')
    .where('document_ref', '=', id)
    .orderBy('id')
    .execute();
  return {
    id: d.id,
    idempotencyKey: d.idempotency_key,
    edxmlDocumentId: d.edxml_document_id,
    businessType: d.business_type,
    refersTo: d.refers_to,
    subject: d.subject,
    dueDate: d.due_date,
    createdAt: iso(d.created_at)!,
    createdBy: d.created_by,
    deliveries: deliveries.map((r) => ({
      recipient: r.recipient,
      state: r.state,
      attempts: r.attempts,
      lastError: r.last_error,
      nextAttemptAt: r.state === 'pending' ? iso(r.next_attempt_at) : null,
      deliveredAt: iso(r.delivered_at),
      deadAt: iso(r.dead_at),
      status: r.status_code,
      statusAt: iso(r.status_at),
    })),
    attachments: await attachmentsOf(ctx, 'sent', id),
    statuses: statuses.map((s) => ({
      recipient: s.counterpart,
      code: s.code,
      description: s.description,
      at: iso(s.occurred_at)!,
    })),
    message: d.message as EdxmlMessage,
  };
}

export async function inboxItemView(ctx: DocexContext, id: string): Promise<InboxItemView> {
  const r = await ctx.db.selectFrom('docex_inbox').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('docex.unknown_inbox_item', `Không có văn bản đến với mã ${id}.`);
  return {
    id: r.id,
    seq: Number(r.seq),
    sender: r.sender,
    edxmlDocumentId: r.edxml_document_id,
    businessType: r.business_type,
    subject: r.subject,
    dueDate: r.due_date,
    receivedAt: iso(r.received_at)!,
    ackedAt: iso(r.acked_at),
    status: r.status_code,
    statusAt: iso(r.status_at),
    attachments: await attachmentsOf(ctx, 'received', id),
    message: r.message as EdxmlMessage,
  };
}
