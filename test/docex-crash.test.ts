import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type BenchRegistry,
  createScratchDatabase,
  startBenchRegistry,
} from '../src/bench/bench-registry.ts';
import {
  type DocexProcessAgency,
  type ManagedProcess,
  startDocexProcesses,
} from '../src/docex/demo/processes.ts';
import { sampleDocument } from '../src/docex/demo/samples.ts';
import { testDatabaseUrl } from './support/database.ts';

/**
 * The issue's fault test: two agencies, both gateways and both docex nodes in processes of their
 * own. While agency A's document system sends a stream of documents to B, one of the four
 * processes at a time is killed with SIGKILL at a random moment and started again. In the end
 * every acknowledged document is in B's inbox exactly once, A has each exactly once, the 01
 * receipt came back for each, and statuses reported afterwards arrive in order and once.
 */
const A = '000.00.00.H49';
const B = '000.00.00.G01';

const MIN_DOCUMENTS = 40;
const MAX_DOCUMENTS = 250;
const SEED = Number(process.env['LIENTHONG_CRASH_SEED'] ?? Date.now() % 2 ** 31);

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

interface Acknowledged {
  n: number;
  key: string;
  id: string;
  edxmlDocumentId: string;
  subject: string;
  attachmentSha256: string | null;
}

describe(`docex when processes are killed (seed ${SEED})`, () => {
  it('loses no acknowledged document, doubles none, and keeps statuses consistent', async () => {
    const random = mulberry32(SEED);
    const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-docex-crash-'));
    const base = testDatabaseUrl();
    // Embedded databases take seconds to start in each process: fewer rounds there.
    const rounds = base ? 8 : 4;
    const scratch = base ? await createScratchDatabase(base) : null;
    let registry: BenchRegistry | null = null;
    let close = async () => {};
    let reading = true;
    try {
      registry = await startBenchRegistry(scratch?.url, dir);
      const fed = await startDocexProcesses({
        registry,
        agencies: [
          { memberCode: A, nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh', kind: 'province' },
          { memberCode: B, nameVi: 'Bộ Công an', kind: 'ministry' },
        ],
        dir,
        databaseUrl: scratch?.url,
        limits: { retryBaseMs: 100, retryMaxMs: 2000 },
        pollMs: 250,
      });
      close = fed.close;
      const a = fed.agencies.get(A)!;
      const b = fed.agencies.get(B)!;
      const journal: string[] = [];
      const log = (line: string) => journal.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
      const context = () => `seed ${SEED}\n${journal.join('\n')}`;

      const call = async (
        agency: DocexProcessAgency,
        method: string,
        p: string,
        body?: unknown,
        headers: Record<string, string> = {},
      ): Promise<Answer> => {
        const binary = body instanceof Uint8Array;
        const res = await fetch(`${agency.docex.apiUrl}${p}`, {
          method,
          headers: {
            authorization: `Bearer ${agency.apiKey}`,
            ...(body !== undefined
              ? { 'content-type': binary ? 'application/octet-stream' : 'application/json' }
              : {}),
            ...headers,
          },
          body: body === undefined ? undefined : binary ? body : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
      };
      /** As a document system does: retry on a broken connection or a 5xx, with the same request. */
      const persist = async (label: string, attempt: () => Promise<Answer>, done: number[]) => {
        let last = '';
        for (let tries = 1; ; tries++) {
          let r: Answer | null = null;
          let why: string;
          try {
            r = await attempt();
            if (done.includes(r.status)) {
              if (tries > 1) log(`${label}: ${r.status} after ${tries} attempts`);
              return r;
            }
            if (r.status < 500) {
              throw new Error(`${label}: unexpected ${r.status} ${JSON.stringify(r.body)}\n${context()}`);
            }
            why = `${r.status} ${String(r.body['code'] ?? '')}`;
          } catch (err) {
            if (r) throw err;
            const e = err as Error & { cause?: { code?: string } };
            why = e.cause?.code ?? e.message;
          }
          // One line per change of reason, not one per attempt.
          if (why !== last) log(`${label}: ${why}, retrying`);
          last = why;
          if (tries > 1200) throw new Error(`${label}: gave up\n${context()}`);
          await sleep(100);
        }
      };

      // The killer: one process at a time, in turn, at a random moment, then started again.
      const victims: [string, ManagedProcess][] = [
        ['gateway A', a.gateway],
        ['gateway B', b.gateway],
        ['docex A', a.docex],
        ['docex B', b.docex],
      ];
      let killing = true;
      let sending = 0;
      const killer = (async () => {
        try {
          for (let round = 0; round < rounds; round++) {
            await sleep(between(300, 1500));
            const [name, victim] = victims[round % victims.length]!;
            // A's node is killed while a send is in flight: the moment between its commit and
            // its answer is the one a retry with the same key must survive.
            if (victim === a.docex) {
              await until(() => sending > 0, 5000);
              await sleep(between(0, 40));
            }
            log(
              `SIGKILL ${name} (pid ${victim.pid()}${victim === a.docex ? `, ${sending} sends in flight` : ''})`,
            );
            await victim.kill();
            await sleep(between(0, 400));
            const t0 = Date.now();
            await victim.start();
            log(`${name} serves again after ${Date.now() - t0} ms`);
          }
        } finally {
          killing = false;
        }
      })();

      // Agency A's document system: two lanes of sends, some with an attachment, until the
      // killer is done (and at least MIN_DOCUMENTS were acknowledged).
      const acknowledged: Acknowledged[] = [];
      let next = 0;
      let replays = 0;
      const lane = async () => {
        while ((killing || next < MIN_DOCUMENTS) && next < MAX_DOCUMENTS) {
          const n = next++;
          let attachment: { sha256: string; name: string; contentType: string } | null = null;
          if (n % 3 === 0) {
            const bytes = Buffer.concat([
              Buffer.from(`%PDF-1.7 Công văn số ${n} — tệp đính kèm thử nghiệm\n`),
              randomBytes(between(1000, 20_000)),
            ]);
            const up = await persist(`upload ${n}`, () => call(a, 'PUT', '/api/v1/blobs', bytes), [201]);
            expect(up.body['sha256']).toBe(createHash('sha256').update(bytes).digest('hex'));
            attachment = {
              sha256: String(up.body['sha256']),
              name: `${n}-UBND-VP.pdf`,
              contentType: 'application/pdf',
            };
          }
          const key = `crash-${SEED}-${n}`;
          const body = {
            messageHeader: sampleDocument(n),
            recipients: [B],
            ...(attachment ? { attachments: [attachment] } : {}),
          };
          // The same idempotency key on every retry: a send that was stored but not answered
          // before a kill answers 200 with the same document the second time.
          sending++;
          const sent = await persist(
            `send ${n}`,
            () => call(a, 'POST', '/api/v1/documents', body, { 'idempotency-key': key }),
            [200, 202],
          ).finally(() => sending--);
          if (sent.status === 200) replays++;
          acknowledged.push({
            n,
            key,
            id: String(sent.body['id']),
            edxmlDocumentId: String(sent.body['edxmlDocumentId']),
            subject: body.messageHeader.subject,
            attachmentSha256: attachment?.sha256 ?? null,
          });
          await sleep(between(50, 400));
        }
      };
      // Agency B's document system reads its inbox as documented: with the cursor, while
      // documents arrive (and while B's node is killed).
      const seenByCursor = new Map<string, number>();
      let cursor = 0;
      const readByCursor = async () => {
        for (;;) {
          try {
            const page = (await call(b, 'GET', `/api/v1/inbox?after=${cursor}&limit=100`))
              .body as unknown as {
              items: InboxItem[];
              cursor: number;
            };
            for (const i of page.items)
              seenByCursor.set(i.edxmlDocumentId, (seenByCursor.get(i.edxmlDocumentId) ?? 0) + 1);
            cursor = page.cursor;
            if (!reading && page.items.length === 0) return;
          } catch {
            // B's node is down: read again later (unless the test is over)
            if (!reading) return;
          }
          await sleep(between(20, 150));
        }
      };
      const reader = readByCursor();
      // Settled, not raced: the killer never restarts a process after the test stopped them all.
      const outcome = await Promise.allSettled([lane(), lane(), killer]);
      for (const o of outcome) if (o.status === 'rejected') throw o.reason;
      log(`${acknowledged.length} documents acknowledged (${replays} answered by a retry with the same key)`);
      expect(acknowledged.length).toBeGreaterThanOrEqual(MIN_DOCUMENTS);

      // Everything converges: delivered to B, and B's 01 receipt back at A, for every document.
      const sentByA = async () => {
        const r = await persist('list A', () => call(a, 'GET', '/api/v1/documents?limit=500'), [200]);
        return r.body as unknown as SentDocument[];
      };
      await waitFor(
        async () => {
          const docs = await sentByA();
          return (
            docs.length === acknowledged.length &&
            docs.every((d) => d.deliveries.every((x) => x.state === 'delivered' && x.status === '01'))
          );
        },
        180_000,
        async () => `not all delivered with 01:\n${JSON.stringify(await sentByA(), pick, 1)}\n${context()}`,
      );

      // A: each acknowledged document exactly once, nothing else.
      const docs = await sentByA();
      const retried = docs.flatMap((d) => d.deliveries).filter((x) => x.attempts > 1);
      log(`${retried.length} deliveries needed more than one attempt`);
      expect(new Set(docs.map((d) => d.id))).toEqual(new Set(acknowledged.map((x) => x.id)));
      expect(new Set(docs.map((d) => d.idempotencyKey)).size).toBe(docs.length);

      // B: each exactly once, with its attachment intact.
      const inbox = await readInbox((p) => call(b, 'GET', p));
      const counts = new Map<string, number>();
      for (const item of inbox) counts.set(item.edxmlDocumentId, (counts.get(item.edxmlDocumentId) ?? 0) + 1);
      const twice = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
      expect(twice, `documents in B's inbox more than once\n${context()}`).toEqual([]);
      const missing = acknowledged.filter((x) => !counts.has(x.edxmlDocumentId)).map((x) => x.n);
      expect(missing, `acknowledged documents missing at B\n${context()}`).toEqual([]);
      expect(inbox.length).toBe(acknowledged.length);
      const byDocumentId = new Map(inbox.map((i) => [i.edxmlDocumentId, i]));
      for (const x of acknowledged) {
        const item = byDocumentId.get(x.edxmlDocumentId)!;
        expect(item.subject).toBe(x.subject);
        expect(item.status).toBe('01');
        expect(item.attachments.map((f) => f.sha256)).toEqual(x.attachmentSha256 ? [x.attachmentSha256] : []);
      }
      for (const x of acknowledged.filter((d) => d.attachmentSha256).slice(0, 5)) {
        const res = await fetch(`${b.docex.apiUrl}/api/v1/blobs/${x.attachmentSha256}`, {
          headers: { authorization: `Bearer ${b.apiKey}` },
        });
        const bytes = Buffer.from(await res.arrayBuffer());
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(x.attachmentSha256);
      }
      for (const d of docs) expect(d.statuses.map((s) => s.code)).toEqual(['01']);

      // B registers some (03) and A's gateway is killed while those statuses travel.
      const registered = acknowledged.filter((_, i) => i % 5 === 0);
      for (const x of registered) {
        const item = byDocumentId.get(x.edxmlDocumentId)!;
        await persist(
          `status 03 on ${x.n}`,
          () => call(b, 'POST', `/api/v1/inbox/${item.id}/status`, { code: '03' }),
          [200],
        );
      }
      log('SIGKILL gateway A while statuses travel');
      await a.gateway.kill();
      await sleep(between(0, 500));
      await a.gateway.start();
      const want = new Set(registered.map((x) => x.id));
      await waitFor(
        async () =>
          (await sentByA()).every((d) => d.deliveries[0]!.status === (want.has(d.id) ? '03' : '01')),
        120_000,
        async () =>
          `statuses 03 did not all arrive:\n${JSON.stringify(await sentByA(), pick, 1)}\n${context()}`,
      );
      for (const d of await sentByA()) {
        expect(d.statuses.map((s) => s.code)).toEqual(want.has(d.id) ? ['01', '03'] : ['01']);
      }

      reading = false;
      await reader;

      // SIGTERM closes every process cleanly.
      for (const agency of [a, b]) {
        expect(await agency.docex.stop(), agency.docex.output()).toBe(0);
        expect(await agency.gateway.stop(), agency.gateway.output()).toBe(0);
      }

      process.stdout.write(`docex crash test (seed ${SEED}):\n${journal.join('\n')}\n`);

      // What B's document system read with the cursor while documents arrived: each once. A
      // receipt whose transaction commits after a later one's must not fall behind the cursor.
      const skipped = acknowledged.filter((x) => !seenByCursor.has(x.edxmlDocumentId)).map((x) => x.n);
      expect(skipped, `documents never seen through B's inbox cursor\n${context()}`).toEqual([]);
      expect([...seenByCursor].filter(([, c]) => c > 1)).toEqual([]);
    } finally {
      reading = false;
      await close();
      await registry?.close();
      await scratch?.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});

interface SentDocument {
  id: string;
  idempotencyKey: string;
  deliveries: {
    recipient: string;
    state: string;
    status: string | null;
    attempts: number;
    lastError: string | null;
  }[];
  statuses: { code: string }[];
}

interface InboxItem {
  id: string;
  seq: number;
  edxmlDocumentId: string;
  subject: string;
  status: string | null;
  attachments: { sha256: string }[];
}

async function readInbox(get: (p: string) => Promise<Answer>): Promise<InboxItem[]> {
  const items: InboxItem[] = [];
  let after = 0;
  for (;;) {
    const page = (await get(`/api/v1/inbox?after=${after}&limit=1000`)).body as unknown as {
      items: InboxItem[];
      cursor: number;
    };
    items.push(...page.items);
    if (page.items.length === 0) return items;
    after = page.cursor;
  }
}

/** Only what a failure message needs of a sent document. */
function pick(key: string, value: unknown): unknown {
  return key === 'message' || key === 'attachments' ? undefined : value;
}

async function waitFor(ok: () => Promise<boolean>, ms: number, why: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(await why());
    await sleep(250);
  }
}

async function until(ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A small seeded generator, so a failing run can be replayed with LIENTHONG_CRASH_SEED. */
function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
