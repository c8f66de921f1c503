import { badInput, notFound } from '../kernel/errors.ts';
import type { DocexContext } from './context.ts';
import type { EdxmlMessage, EdxmlStatus, StaffInfo } from './edxml/index.ts';
import { signedStatus } from './receive.ts';
import { checkTransition, type ReceivedKind } from './status-rules.ts';
import { type InboxItemView, inboxItemView } from './views.ts';

/** The agency's document system reads its inbox, acknowledges, and reports statuses back. */
export interface InboxPage {
  items: InboxItemView[];
  /** Pass as `after` to get what arrived since. */
  cursor: number;
}

export async function listInbox(
  ctx: DocexContext,
  options: { after?: number; limit?: number; unacknowledged?: boolean },
): Promise<InboxPage> {
  const limit = Math.min(Math.max(options.limit ?? 100, 1), 1000);
  let q = ctx.db
    .selectFrom('docex_inbox')
    .select(['id', 'seq'])
    .where('seq', '>', options.after ?? 0)
    .orderBy('seq')
    .limit(limit);
  if (options.unacknowledged) q = q.where('acked_at', 'is', null);
  const rows = await q.execute();
  const items = await Promise.all(rows.map((r) => inboxItemView(ctx, r.id)));
  return { items, cursor: rows.length ? Number(rows.at(-1)!.seq) : (options.after ?? 0) };
}

export async function acknowledge(ctx: DocexContext, id: string): Promise<InboxItemView> {
  checkId(id);
  const updated = await ctx.db
    .updateTable('docex_inbox')
    .set({ acked_at: ctx.clock.now() })
    .where('id', '=', id)
    .where('acked_at', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) await inboxItemView(ctx, id); // 404 when unknown
  return inboxItemView(ctx, id);
}

const KINDS: ReceivedKind[] = ['new', 'revoke', 'update', 'replace'];

/**
 * Records a status on a received document and queues it, signed, to the sender. The transition
 * is checked under the row lock, so two concurrent reports cannot both move from the same state.
 */
export async function reportStatus(
  ctx: DocexContext,
  id: string,
  report: {
    code: EdxmlStatus['statusCode'];
    description?: string | undefined;
    staffInfo?: StaffInfo | undefined;
  },
): Promise<InboxItemView> {
  checkId(id);
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('docex_inbox')
      .select(['id', 'sender', 'business_type', 'status_code', 'message'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound('docex.unknown_inbox_item', `Không có văn bản đến với mã ${id}.`);
    const kind = KINDS[row.business_type] ?? 'new';
    checkTransition(kind, row.status_code, report.code);
    const envelope = signedStatus(
      ctx,
      row.message as EdxmlMessage,
      report.code,
      report.description,
      now,
      report.staffInfo,
    );
    await tx
      .insertInto('docex_statuses')
      .values({
        direction: 'out',
        document_ref: id,
        counterpart: row.sender,
        code: report.code,
        description: report.description ?? null,
        staff: report.staffInfo ? JSON.stringify(report.staffInfo) : null,
        occurred_at: now,
        envelope,
        state: 'pending',
        next_attempt_at: now,
        give_up_at: new Date(now.getTime() + ctx.limits.deadAfterMs),
      })
      .execute();
    await tx
      .updateTable('docex_inbox')
      .set({ status_code: report.code, status_at: now })
      .where('id', '=', id)
      .execute();
  });
  ctx.wake();
  return inboxItemView(ctx, id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
function checkId(id: string): void {
  if (!UUID.test(id)) throw badInput('docex.bad_document_id', `Mã văn bản "${id}" không phải UUID.`);
}
