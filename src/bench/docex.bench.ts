import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type DocexAgencySpec,
  type DocexFederation,
  startDocexFederation,
} from '../docex/demo/federation.ts';
import { sampleDocument } from '../docex/demo/samples.ts';
import { DOCEX_MIGRATIONS, type DocexTables } from '../docex/index.ts';
import { GATEWAY_MIGRATIONS } from '../gateway/index.ts';
import type { MessageLogTables } from '../gateway/messagelog/index.ts';
import { openDatabase } from '../kernel/db/database.ts';
import { migrate } from '../kernel/db/migrate.ts';
import { type BenchRegistry, createScratchDatabase, startBenchRegistry } from './bench-registry.ts';
import { machineInfo, round } from './report.ts';

/**
 * `lienthong bench docex`: one agency sends documents, each with its own attachment, to ten
 * agencies through the gateways; every recipient's node stores each document and sends the
 * "01 arrived" receipt back. Measures deliveries into inboxes and receipts per second, delivery
 * latency (accepted at the sender → stored in the inbox), and counts anything lost or doubled.
 */
export interface DocexBenchOptions {
  documents: number;
  recipients: number;
  attachmentKb: number;
  /** Sends in flight at once from the sender's document system. */
  concurrency: number;
  databaseUrl?: string | undefined;
  onProgress?: (phase: string, done?: number, total?: number) => void;
}

export interface DocexBenchResult {
  machine: { cpu: string; cores: number; memoryGb: number; node: string };
  database: string;
  documents: number;
  recipients: number;
  attachment_kb: number;
  deliveries: number;
  seconds_to_deliver: number;
  seconds_to_receipts: number;
  docs_per_s: number;
  receipts_per_s: number;
  p50_delivery_ms: number;
  p99_delivery_ms: number;
  lost: number;
  duplicates: number;
  send_errors: number;
}

const SENDER = '000.00.00.H49';

export async function runDocexBench(options: DocexBenchOptions): Promise<DocexBenchResult> {
  const progress = options.onProgress ?? (() => {});
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lt-bench-docex-'));
  const scratch = options.databaseUrl ? await createScratchDatabase(options.databaseUrl) : null;
  const url = scratch?.url;
  let registry: BenchRegistry | null = null;
  let fed: DocexFederation | null = null;
  try {
    progress('starting the registry');
    registry = await startBenchRegistry(url, dataDir);
    const recipients = Array.from({ length: options.recipients }, (_, i) => ({
      memberCode: `000.00.00.H${String(10 + i).padStart(2, '0')}`,
      nameVi: `Ủy ban nhân dân tỉnh thử nghiệm ${i + 1}`,
      kind: 'province',
    }));
    const agencies: DocexAgencySpec[] = [
      { memberCode: SENDER, nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh', kind: 'province' },
      ...recipients,
    ];
    progress(`starting ${agencies.length} gateways and docex nodes`);
    const open = async <DB>(component: string, migrations: Parameters<typeof migrate>[1]) => {
      const db = await openDatabase<DB>({
        component,
        url,
        dataDir: path.join(dataDir, 'store'),
        store: 'bench',
      });
      await migrate(db.db as never, migrations);
      return db;
    };
    fed = await startDocexFederation({
      registry,
      agencies,
      openGatewayDatabase: (c) => open<MessageLogTables>(c, GATEWAY_MIGRATIONS),
      openDocexDatabase: (c) => open<DocexTables>(c, [DOCEX_MIGRATIONS]),
      dataDir: path.join(dataDir, 'files'),
      pollMs: 200,
      limits: { concurrency: 64, retryBaseMs: 200, retryMaxMs: 2000 },
    });
    const sender = fed.agencies.get(SENDER)!;
    const api = async (p: string, init: RequestInit = {}) => {
      const res = await fetch(`${sender.docex.apiUrl}${p}`, {
        ...init,
        headers: { authorization: `Bearer ${sender.apiKey}`, ...init.headers },
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    progress('sending', 0, options.documents);
    const started = performance.now();
    const accepted: string[] = [];
    let sendErrors = 0;
    let next = 0;
    const sendOne = async (n: number) => {
      // Each document its own attachment: nothing is shared, every delivery carries its bytes.
      const upload = await api('/api/v1/blobs', {
        method: 'PUT',
        headers: { 'content-type': 'application/octet-stream' },
        body: randomBytes(options.attachmentKb * 1024),
      }).catch(() => null);
      if (upload?.status !== 201) {
        sendErrors++;
        return;
      }
      const sha256 = upload.body['sha256'] as string;
      const body = JSON.stringify({
        messageHeader: sampleDocument(n),
        recipients: recipients.map((r) => r.memberCode),
        attachments: [{ sha256, name: `${100 + n}-UBND-VP.pdf`, contentType: 'application/pdf' }],
      });
      const key = randomUUID();
      for (let attempt = 0; attempt < 5; attempt++) {
        const r = await api('/api/v1/documents', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body,
        }).catch(() => null);
        if (r && (r.status === 202 || r.status === 200)) {
          accepted.push(r.body['id'] as string);
          return;
        }
      }
      sendErrors++;
    };
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < options.documents) {
          const n = next++;
          await sendOne(n);
          progress('sending', accepted.length + sendErrors, options.documents);
        }
      }),
    );
    const expected = accepted.length * options.recipients;
    const db = sender.docexDatabase.db;
    const count = async (kind: 'delivered' | 'receipts') => {
      const r =
        kind === 'delivered'
          ? await db
              .selectFrom('docex_deliveries')
              .where('state', '=', 'delivered')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          : await db
              .selectFrom('docex_statuses')
              .where('direction', '=', 'in')
              .where('code', '=', '01')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
      return Number(r.n);
    };
    let deliveredAt = 0;
    let receiptsAt = 0;
    const deadline = Date.now() + 30 * 60_000;
    for (;;) {
      const delivered = await count('delivered');
      const receipts = await count('receipts');
      if (!deliveredAt && delivered >= expected) deliveredAt = performance.now();
      progress('delivering and receipts', Math.min(delivered, receipts), expected);
      if (receipts >= expected && delivered >= expected) {
        receiptsAt = performance.now();
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`gave up: ${delivered}/${expected} delivered, ${receipts} receipts`);
      await new Promise((r) => setTimeout(r, 100));
    }

    progress('counting');
    const createdAt = new Map<string, number>();
    for (const row of await sender.docexDatabase.db
      .selectFrom('docex_documents')
      .select(['id', 'created_at'])
      .execute()) {
      createdAt.set(row.id, new Date(row.created_at).getTime());
    }
    const latencies: number[] = [];
    let lost = 0;
    let duplicates = 0;
    for (const r of recipients) {
      const rows = await fed.agencies
        .get(r.memberCode)!
        .docexDatabase.db.selectFrom('docex_inbox')
        .select(['sender_document_id', 'received_at'])
        .where('sender', '=', SENDER)
        .execute();
      const seen = new Set<string>();
      for (const row of rows) {
        if (seen.has(row.sender_document_id)) duplicates++;
        seen.add(row.sender_document_id);
        const t0 = createdAt.get(row.sender_document_id);
        if (t0 !== undefined) latencies.push(new Date(row.received_at).getTime() - t0);
      }
      lost += accepted.filter((id) => !seen.has(id)).length;
    }
    latencies.sort((a, b) => a - b);
    const q = (p: number) =>
      latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]! : 0;
    const secondsDeliver = (deliveredAt - started) / 1000;
    const secondsReceipts = (receiptsAt - started) / 1000;
    return {
      machine: machineInfo(),
      database: options.databaseUrl ? 'postgres' : 'pglite (on disk)',
      documents: accepted.length,
      recipients: options.recipients,
      attachment_kb: options.attachmentKb,
      deliveries: expected,
      seconds_to_deliver: round(secondsDeliver, 2),
      seconds_to_receipts: round(secondsReceipts, 2),
      docs_per_s: round(expected / secondsDeliver),
      receipts_per_s: round(expected / secondsReceipts),
      p50_delivery_ms: round(q(0.5)),
      p99_delivery_ms: round(q(0.99)),
      lost,
      duplicates,
      send_errors: sendErrors,
    };
  } finally {
    progress('stopping');
    await fed?.close();
    await registry?.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
