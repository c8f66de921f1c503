import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import { badInput } from '../kernel/errors.ts';
import { ERROR_RESPONSE_SCHEMA, type HttpServer } from '../kernel/http/server.ts';
import type { DocexContext } from './context.ts';

/**
 * Monthly figures of one agency's document exchange, for oversight dashboards: documents sent
 * and received, and of those received, how many were acknowledged, completed (status 06) and
 * completed by their due date. Only new documents (edXML business type 0) count: a revoke,
 * update or replacement is another message about a document, not another document.
 *
 * Months are calendar months in Viet Nam time (UTC+7, no daylight saving). Received documents
 * are counted in the month they arrived, together with what became of them (a cohort), so
 * `completed / received` is the completion rate of that month's intake.
 */
export interface MonthlyStatsRow {
  /** The agency's electronic code (this node's member code). */
  agency: string;
  /** `YYYY-MM`, Viet Nam time. */
  month: string;
  sent: number;
  received: number;
  /** Received that month and acknowledged by the document system since. */
  acknowledged: number;
  /** Received that month and since reported 06 (completed). */
  completed: number;
  /** Completed on or before their due date (`DueDate`); documents without one never count here. */
  completedOnTime: number;
}

export interface MonthRange {
  from?: string | undefined;
  to?: string | undefined;
}

/** Beyond ten years a range is a mistake, not a dashboard. */
export const MAX_STATS_MONTHS = 120;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const VIETNAM_OFFSET_MS = 7 * 3_600_000;

/** Viet Nam local time of a timestamptz column, formatted: the offset is fixed, so no tz database. */
const local = (column: string, format: string) =>
  sql<string>`to_char((${sql.ref(column)} at time zone 'UTC') + interval '7 hours', ${format})`;

export async function monthlyStats(
  ctx: Pick<DocexContext, 'db' | 'self'>,
  range: MonthRange = {},
): Promise<MonthlyStatsRow[]> {
  const from = range.from === undefined ? undefined : parseMonth(range.from, 'from');
  const to = range.to === undefined ? undefined : parseMonth(range.to, 'to');
  if (from !== undefined && to !== undefined) {
    if (from > to) {
      throw badInput(
        'docex.stats.bad_range',
        `Tháng bắt đầu (${range.from}) sau tháng kết thúc (${range.to}).`,
      );
    }
    if (to - from + 1 > MAX_STATS_MONTHS) {
      throw badInput(
        'docex.stats.range_too_large',
        `Chỉ thống kê tối đa ${MAX_STATS_MONTHS} tháng trong một lần gọi.`,
        { maxMonths: MAX_STATS_MONTHS },
      );
    }
  }
  // Bounds as instants, so the created_at / received_at indexes can be used.
  const lo = from === undefined ? undefined : monthStart(from);
  const hi = to === undefined ? undefined : monthStart(to + 1);

  let sentQuery = ctx.db
    .selectFrom('docex_documents')
    .select([local('created_at', 'YYYY-MM').as('month'), sql<number>`count(*)`.as('sent')])
    .where('business_type', '=', 0)
    .groupBy(sql`1`);
  if (lo) sentQuery = sentQuery.where('created_at', '>=', lo);
  if (hi) sentQuery = sentQuery.where('created_at', '<', hi);

  const completedAt = ctx.db
    .selectFrom('docex_statuses')
    .select(['document_ref', sql<Date>`min(occurred_at)`.as('done_at')])
    .where('direction', '=', 'out')
    .where('code', '=', '06')
    .groupBy('document_ref')
    .as('done');
  // due_date is edXML text (yyyy/MM/dd): compared as text with the completion day in the same
  // format, which orders like the dates; a malformed due date never counts as met.
  let receivedQuery = ctx.db
    .selectFrom('docex_inbox')
    .leftJoin(completedAt, 'done.document_ref', 'docex_inbox.id')
    .select([
      local('docex_inbox.received_at', 'YYYY-MM').as('month'),
      sql<number>`count(*)`.as('received'),
      sql<number>`count(docex_inbox.acked_at)`.as('acknowledged'),
      sql<number>`count(done.done_at)`.as('completed'),
      sql<number>`count(*) filter (where done.done_at is not null
        and docex_inbox.due_date ~ '^[0-9]{4}/[0-9]{2}/[0-9]{2}$'
        and ${local('done.done_at', 'YYYY/MM/DD')} <= docex_inbox.due_date)`.as('on_time'),
    ])
    .where('docex_inbox.business_type', '=', 0)
    .groupBy(sql`1`);
  if (lo) receivedQuery = receivedQuery.where('docex_inbox.received_at', '>=', lo);
  if (hi) receivedQuery = receivedQuery.where('docex_inbox.received_at', '<', hi);

  const [sent, received] = await Promise.all([sentQuery.execute(), receivedQuery.execute()]);
  const byMonth = new Map<string, MonthlyStatsRow>();
  const row = (month: string) => {
    let r = byMonth.get(month);
    if (!r) {
      r = {
        agency: ctx.self.memberCode,
        month,
        sent: 0,
        received: 0,
        acknowledged: 0,
        completed: 0,
        completedOnTime: 0,
      };
      byMonth.set(month, r);
    }
    return r;
  };
  for (const s of sent) row(s.month).sent = Number(s.sent);
  for (const r of received) {
    Object.assign(row(r.month), {
      received: Number(r.received),
      acknowledged: Number(r.acknowledged),
      completed: Number(r.completed),
      completedOnTime: Number(r.on_time),
    });
  }
  // Every month of the range gets a row, zeros included, so a dashboard plots no gaps.
  const found = [...byMonth.keys()].map((m) => parseMonth(m, 'month'));
  const first = from ?? Math.min(...found);
  const last = to ?? Math.max(...found);
  if (!Number.isFinite(first) || !Number.isFinite(last)) return [];
  const rows: MonthlyStatsRow[] = [];
  for (let m = first; m <= last; m++) rows.push(row(formatMonth(m)));
  return rows;
}

/** `YYYY-MM` as a month number (year × 12 + month − 1), so ranges are plain integer ranges. */
function parseMonth(s: string, what: string): number {
  const m = MONTH.exec(s);
  if (!m)
    throw badInput('docex.stats.bad_month', `Tháng "${s}" (${what}) phải có dạng YYYY-MM, ví dụ 2026-03.`);
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

function formatMonth(n: number): string {
  return `${String(Math.floor(n / 12)).padStart(4, '0')}-${String((n % 12) + 1).padStart(2, '0')}`;
}

/** The instant a Viet Nam calendar month begins. */
function monthStart(n: number): Date {
  return new Date(Date.UTC(Math.floor(n / 12), n % 12, 1) - VIETNAM_OFFSET_MS);
}

const Row = Type.Object({
  agency: Type.String(),
  month: Type.String({ pattern: '^\\d{4}-\\d{2}$' }),
  sent: Type.Integer(),
  received: Type.Integer(),
  acknowledged: Type.Integer(),
  completed: Type.Integer(),
  completedOnTime: Type.Integer(),
});
const Month = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', examples: ['2026-03'] });
const Err = ERROR_RESPONSE_SCHEMA;

export function registerStatsRoutes(app: HttpServer, ctx: DocexContext): void {
  app.get(
    '/api/v1/stats',
    {
      schema: {
        tags: ['statistics'],
        summary:
          'Documents sent, received, acknowledged, completed and completed on time, per month (Viet Nam time)',
        querystring: Type.Object({ from: Type.Optional(Month), to: Type.Optional(Month) }),
        response: {
          200: Type.Object({
            agency: Type.String(),
            timezone: Type.Literal('+07:00'),
            items: Type.Array(Row),
          }),
          400: Err,
          401: Err,
          403: Err,
        },
      },
    },
    async (req) => ({
      agency: ctx.self.memberCode,
      timezone: '+07:00' as const,
      items: await monthlyStats(ctx, req.query),
    }),
  );
}
