import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/support/database.ts';
import { startTestDocex, type TestDocex } from '../../test/support/docex.ts';
import type { Database } from '../kernel/db/database.ts';
import { createHttpServer, type HttpServer } from '../kernel/http/server.ts';
import { silentLogger } from '../kernel/log.ts';
import { sampleDocument } from './demo/samples.ts';
import type { DocexTables } from './docex.db.ts';
import { toEdxmlDate } from './edxml/index.ts';
import { DOCEX_MIGRATIONS } from './index.ts';
import { type MonthlyStatsRow, monthlyStats, registerStatsRoutes } from './stats.ts';

const H49 = '000.00.00.H49';
const G01 = '000.00.00.G01';
const self = { instance: 'VN', memberClass: 'GOV', memberCode: H49 };
const zero = { sent: 0, received: 0, acknowledged: 0, completed: 0, completedOnTime: 0 };
const month = (m: string, counts: Partial<typeof zero> = {}): MonthlyStatsRow => ({
  agency: H49,
  month: m,
  ...zero,
  ...counts,
});

describe('monthly statistics, on the docex tables', () => {
  let database: Database<DocexTables>;
  const ctx = () => ({ db: database.db, self });
  beforeAll(async () => {
    database = await testDatabase<DocexTables>([DOCEX_MIGRATIONS], 'docex_stats');
  });
  afterAll(async () => {
    await database?.close();
  });
  beforeEach(async () => {
    for (const table of ['docex_statuses', 'docex_inbox', 'docex_deliveries', 'docex_documents'] as const) {
      await database.db.deleteFrom(table).execute();
    }
  });

  const sent = (at: string, businessType = 0) =>
    database.db
      .insertInto('docex_documents')
      .values({
        id: randomUUID(),
        idempotency_key: randomUUID(),
        request_sha256: 'x',
        edxml_document_id: `${H49},2026/01/01,1/UBND-VP`,
        business_type: businessType,
        refers_to: null,
        subject: 'V/v thử',
        due_date: null,
        envelope: '<e/>',
        message: '{}',
        created_by: 'test',
        created_at: at,
      })
      .execute();
  const received = async (
    at: string,
    o: { due?: string; acked?: boolean; completedAt?: string; businessType?: number } = {},
  ) => {
    const id = randomUUID();
    await database.db
      .insertInto('docex_inbox')
      .values({
        id,
        sender: G01,
        sender_document_id: randomUUID(),
        edxml_document_id: `${G01},2026/01/01,1/BCA-VP`,
        business_type: o.businessType ?? 0,
        subject: 'V/v thử',
        due_date: o.due ?? null,
        envelope: '<e/>',
        message: '{}',
        received_at: at,
        acked_at: o.acked ? at : null,
        status_code: o.completedAt ? '06' : '01',
        status_at: o.completedAt ?? at,
      })
      .execute();
    if (o.completedAt) {
      await database.db
        .insertInto('docex_statuses')
        .values({
          direction: 'out',
          document_ref: id,
          counterpart: G01,
          code: '06',
          occurred_at: o.completedAt,
          envelope: '<s/>',
          state: 'pending',
          next_attempt_at: o.completedAt,
          give_up_at: o.completedAt,
        })
        .execute();
    }
  };

  it('counts in Viet Nam calendar months, new documents only', async () => {
    await sent('2026-01-31T16:59:59Z'); // 23:59:59 on 31 January in Viet Nam
    await sent('2026-01-31T17:00:00Z'); // already 1 February there
    await sent('2026-01-10T00:00:00Z', 1); // a revoke: not a document
    await received('2026-01-31T16:59:59Z');
    await received('2026-01-31T17:00:00Z');
    await received('2026-01-31T17:00:00Z', { businessType: 2 }); // an update
    expect(await monthlyStats(ctx())).toEqual([
      month('2026-01', { sent: 1, received: 1 }),
      month('2026-02', { sent: 1, received: 1 }),
    ]);
  });

  it('counts acknowledged, completed and completed by the due date, in the month received', async () => {
    const march = '2026-03-02T03:00:00Z';
    await received(march, { due: '2026/03/10', completedAt: '2026-03-10T16:59:00Z' }); // 23:59 on the day: on time
    await received(march, { due: '2026/03/10', completedAt: '2026-03-10T17:00:00Z' }); // 00:00 next day: late
    await received(march, { completedAt: '2026-03-05T00:00:00Z' }); // no due date: never on time
    await received(march, { due: '2026/12/31', acked: true }); // not completed yet
    await received(march, { due: '10/03/2026', completedAt: '2026-03-03T00:00:00Z' }); // malformed due date
    await received(march, { due: '2026/03/31', acked: true, completedAt: '2026-03-05T00:00:00Z' });
    // Received on 31 March (Viet Nam), completed in April before its due date: counted in March.
    await received('2026-03-31T10:00:00Z', { due: '2026/04/05', completedAt: '2026-04-02T02:00:00Z' });
    expect(await monthlyStats(ctx())).toEqual([
      month('2026-03', { received: 7, acknowledged: 2, completed: 6, completedOnTime: 3 }),
    ]);
  });

  it('gives every month of a range a row, zeros included, and only that range', async () => {
    expect(await monthlyStats(ctx())).toEqual([]);
    await sent('2026-01-15T00:00:00Z');
    await received('2026-03-15T00:00:00Z', { acked: true });
    expect(await monthlyStats(ctx())).toEqual([
      month('2026-01', { sent: 1 }),
      month('2026-02'),
      month('2026-03', { received: 1, acknowledged: 1 }),
    ]);
    expect(await monthlyStats(ctx(), { from: '2025-12', to: '2026-04' })).toEqual([
      month('2025-12'),
      month('2026-01', { sent: 1 }),
      month('2026-02'),
      month('2026-03', { received: 1, acknowledged: 1 }),
      month('2026-04'),
    ]);
    expect(await monthlyStats(ctx(), { from: '2026-02', to: '2026-02' })).toEqual([month('2026-02')]);
    expect(await monthlyStats(ctx(), { from: '2026-03' })).toEqual([
      month('2026-03', { received: 1, acknowledged: 1 }),
    ]);
    expect(await monthlyStats(ctx(), { to: '2026-01' })).toEqual([month('2026-01', { sent: 1 })]);
  });

  it('refuses malformed months and ranges with stable codes', async () => {
    for (const [range, code] of [
      [{ from: '2026-13' }, 'docex.stats.bad_month'],
      [{ to: '2026-1' }, 'docex.stats.bad_month'],
      [{ from: '2026-05', to: '2026-04' }, 'docex.stats.bad_range'],
      [{ from: '2000-01', to: '2026-01' }, 'docex.stats.range_too_large'],
    ] as const) {
      await expect(monthlyStats(ctx(), range)).rejects.toMatchObject({ code, status: 400 });
    }
  });

  it('puts each document in the month of its Viet Nam calendar day (property)', async () => {
    const instant = fc.date({
      min: new Date('2025-11-01T00:00:00Z'),
      max: new Date('2026-03-01T00:00:00Z'),
      noInvalidDate: true,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(instant, { minLength: 1, maxLength: 15 }), async (dates) => {
        await database.db.deleteFrom('docex_inbox').execute();
        for (const d of dates) await received(d.toISOString());
        const expected = new Map<string, number>();
        for (const d of dates) {
          const m = toEdxmlDate(d).slice(0, 7).replace('/', '-');
          expected.set(m, (expected.get(m) ?? 0) + 1);
        }
        const rows = await monthlyStats(ctx());
        expect(rows.filter((r) => r.received > 0).map((r) => [r.month, r.received])).toEqual(
          [...expected.entries()].sort(([a], [b]) => a.localeCompare(b)),
        );
      }),
      { numRuns: 25 },
    );
  });
});

describe('monthly statistics over the federation', () => {
  let f: TestDocex;
  let server: { app: HttpServer; url: string };
  beforeAll(async () => {
    f = await startTestDocex();
    const app = await createHttpServer({
      logger: silentLogger,
      openapi: { title: 'docex stats (test)', version: '1', description: 'test' },
      authenticate: async (req) =>
        req.headers.authorization === 'Bearer k'
          ? { kind: 'api_key', id: 't', name: 't', role: 'system' }
          : null,
    });
    registerStatsRoutes(app, f.agencies.get(G01)!.docex.ctx);
    await app.listen({ host: '127.0.0.1', port: 0 });
    server = { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
  }, 120_000);
  afterAll(async () => {
    await server?.app.close();
    await f?.close();
  });

  const waitFor = async <T>(what: () => Promise<T | undefined | null | false>, label: string): Promise<T> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const v = await what();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  type Item = { id: string; subject: string; businessType: number };
  const inbox = async () => (await f.api(G01, 'GET', '/api/v1/inbox?after=0')).body['items'] as Item[];

  it('counts documents sent, received, acknowledged, completed and completed on time', async () => {
    const today = toEdxmlDate(f.t.clock.now());
    const thisMonth = today.slice(0, 7).replace('/', '-');
    const dues = ['2020/01/01', '2099/12/31', undefined, today];
    const ids: string[] = [];
    for (const [i, dueDate] of dues.entries()) {
      const r = await f.api(
        H49,
        'POST',
        '/api/v1/documents',
        { messageHeader: sampleDocument(60 + i, dueDate ? { dueDate } : {}), recipients: [G01] },
        { 'idempotency-key': `stats-${i}` },
      );
      expect(r.status).toBe(202);
      ids.push(r.body['id'] as string);
    }
    const revoke = await f.api(
      H49,
      'POST',
      `/api/v1/documents/${ids[2]}/revoke`,
      { reason: 'Thử thống kê' },
      {
        'idempotency-key': 'stats-revoke',
      },
    );
    expect(revoke.status).toBe(202);
    const items = await waitFor(async () => {
      const all = await inbox();
      return all.length === 5 && all.some((i) => i.businessType === 1) && all;
    }, 'four documents and a revoke at G01');
    const bySubject = (n: number) =>
      items.find((i) => i.subject === sampleDocument(n).subject && i.businessType === 0)!;
    for (const n of [60, 61])
      expect((await f.api(G01, 'POST', `/api/v1/inbox/${bySubject(n).id}/ack`)).status).toBe(200);
    for (const n of [60, 61, 62, 63]) {
      const r = await f.api(G01, 'POST', `/api/v1/inbox/${bySubject(n).id}/status`, { code: '06' });
      expect(r.status).toBe(200);
    }

    const atG01 = {
      agency: G01,
      month: thisMonth,
      sent: 0,
      received: 4,
      acknowledged: 2,
      completed: 4,
      completedOnTime: 2,
    };
    expect(await monthlyStats(f.agencies.get(G01)!.docex.ctx)).toEqual([atG01]);
    expect(await monthlyStats(f.agencies.get(H49)!.docex.ctx)).toEqual([
      {
        agency: H49,
        month: thisMonth,
        sent: 4,
        received: 0,
        acknowledged: 0,
        completed: 0,
        completedOnTime: 0,
      },
    ]);

    const get = (q: string, auth = true) =>
      fetch(`${server.url}/api/v1/stats${q}`, { headers: auth ? { authorization: 'Bearer k' } : {} });
    const answer = await get(`?from=${thisMonth}&to=${thisMonth}`);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ agency: G01, timezone: '+07:00', items: [atG01] });
    const bad = await get('?from=2026-1');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('request.invalid');
    const backwards = await get('?from=2026-05&to=2026-04');
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as { code: string }).code).toBe('docex.stats.bad_range');
    expect((await get('', false)).status).toBe(401);
  });
});
