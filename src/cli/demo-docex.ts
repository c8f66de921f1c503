import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sampleDocument } from '../docex/demo/samples.ts';
import {
  DOCEX_MIGRATIONS,
  DOCEX_SERVICE,
  DOCEX_SUBSYSTEM,
  type DocexTables,
  type RunningDocex,
  startDocex,
} from '../docex/index.ts';
import type { RunningGateway } from '../gateway/index.ts';
import { systemClock } from '../kernel/clock.ts';
import { type Database, openDatabase } from '../kernel/db/database.ts';
import { migrate } from '../kernel/db/migrate.ts';
import type { ConfigurationAnchor } from '../kernel/globalconf/index.ts';
import type { Logger } from '../kernel/log.ts';
import { freePort } from '../kernel/net.ts';
import { systemRandom } from '../kernel/random.ts';
import { DOCEX_SAMPLE_AGENCIES } from '../registry/sample/docex.ts';
import type { PlatformConfig } from './platform-config.ts';

/**
 * The demo's document axis: a docex node next to the gateway of each sample agency on the axis,
 * and a few documents exchanged at start so a newcomer sees inboxes and receipts at once.
 */
export interface DocexPlan {
  /** Service id → backend URL, for the demo gateways to route the docex service. */
  backends: Map<string, Record<string, string>>;
  transportPorts: Map<string, number>;
}

export async function planDemoDocex(): Promise<DocexPlan> {
  const backends = new Map<string, Record<string, string>>();
  const transportPorts = new Map<string, number>();
  for (const a of DOCEX_SAMPLE_AGENCIES) {
    const port = await freePort();
    transportPorts.set(a.code, port);
    backends.set(a.code, {
      [`VN/GOV/${a.code}/${DOCEX_SUBSYSTEM}/${DOCEX_SERVICE}/v1`]: `http://127.0.0.1:${port}`,
    });
  }
  return { backends, transportPorts };
}

export interface DemoDocexNode {
  memberCode: string;
  nameVi: string;
  node: RunningDocex;
  apiKey: string;
}

export interface DemoDocex {
  nodes: DemoDocexNode[];
  exampleCurl: string;
  close(): Promise<void>;
}

export async function startDemoDocex(
  config: PlatformConfig,
  plan: DocexPlan,
  gateways: RunningGateway[],
  signingKeys: Map<string, { certificatePem: string; privateKeyPem: string }>,
  anchor: ConfigurationAnchor,
  logger: Logger,
): Promise<DemoDocex> {
  const nodes: DemoDocexNode[] = [];
  const databases: Database<DocexTables>[] = [];
  const base = config.gateways.basePort;
  try {
    for (const [i, a] of DOCEX_SAMPLE_AGENCIES.entries()) {
      const gateway = gateways.find((g) => g.identity.memberCode === a.code);
      const signing = signingKeys.get(a.code);
      if (!gateway || !signing) continue;
      const database = await openDatabase<DocexTables>({
        component: `docex_${a.code.replaceAll('.', '_')}`,
        store: 'registry',
        url: config.database.url,
        dataDir: config.dataDir,
        ephemeral: config.ephemeral,
      });
      databases.push(database);
      await migrate(database.db as never, [DOCEX_MIGRATIONS]);
      const apiKey = demoApiKey(config, a.code);
      const node = await startDocex({
        identity: { instance: 'VN', memberClass: 'GOV', memberCode: a.code },
        database,
        clock: systemClock,
        random: systemRandom,
        logger: logger.child({ component: 'docex' }),
        signing,
        globalconf: {
          anchor,
          cacheFile: config.ephemeral
            ? undefined
            : path.resolve(config.dataDir, 'docex', a.code, 'globalconf.json'),
        },
        gateway: { consumerUrl: gateway.consumerUrl },
        dataDir: path.resolve(config.dataDir, 'docex', a.code),
        api: { host: '127.0.0.1', port: base ? base + 100 + i : 0 },
        transport: { host: '127.0.0.1', port: plan.transportPorts.get(a.code)! },
        clients: [
          {
            name: `Hệ thống quản lý văn bản — ${a.nameVi}`,
            apiKeySha256: createHash('sha256').update(apiKey).digest('hex'),
            role: 'operator',
          },
        ],
      });
      nodes.push({ memberCode: a.code, nameVi: a.nameVi, node, apiKey });
    }
    await seedDocuments(nodes, logger);
  } catch (err) {
    for (const n of nodes) await n.node.close().catch(() => {});
    for (const d of databases) await d.close().catch(() => {});
    throw err;
  }
  const receiver = nodes.find((n) => n.memberCode === '000.00.00.G22') ?? nodes[0];
  const exampleCurl = receiver
    ? `curl -s ${receiver.node.apiUrl}/api/v1/inbox -H 'Authorization: Bearer ${receiver.apiKey}'`
    : '';
  return {
    nodes,
    exampleCurl,
    close: async () => {
      for (const n of nodes) await n.node.close().catch(() => {});
      for (const d of databases) await d.close().catch(() => {});
    },
  };
}

/** The document system's key of one demo agency: made once, kept in the data directory. */
function demoApiKey(config: PlatformConfig, memberCode: string): string {
  const file = path.resolve(config.dataDir, 'docex', memberCode, 'api-key');
  if (!config.ephemeral && existsSync(file)) return readFileSync(file, 'utf8').trim();
  const key = `dx_${randomBytes(24).toString('base64url')}`;
  if (!config.ephemeral) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
  }
  return key;
}

/**
 * Quảng Ninh sends an official letter with an attachment to the Government Office and the
 * Ministry of Public Security; the Government Office registers and completes it (03 → 06), so the
 * sender sees 01 → 03 → 06. Idempotency keys make a restart send nothing twice.
 */
async function seedDocuments(nodes: DemoDocexNode[], logger: Logger): Promise<void> {
  const byCode = new Map(nodes.map((n) => [n.memberCode, n]));
  const sender = byCode.get('000.00.00.H49');
  const office = byCode.get('000.00.00.G22');
  if (!sender || !office || !byCode.has('000.00.00.G01')) return;
  const call = async (
    n: DemoDocexNode,
    method: string,
    p: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await fetch(`${n.node.apiUrl}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${n.apiKey}`,
        ...(body && !(body instanceof Uint8Array) ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  try {
    const file = Buffer.from(
      'CÔNG VĂN số 101/UBND-VP — V/v phối hợp liên thông thủ tục đăng ký khai sinh, thường trú, cấp thẻ BHYT (tệp mẫu)\n',
    );
    const blob = await call(sender, 'PUT', '/api/v1/blobs', file, {
      'content-type': 'application/octet-stream',
    });
    const sent = await call(
      sender,
      'POST',
      '/api/v1/documents',
      {
        messageHeader: sampleDocument(1, { dueDate: '2026/12/31' }),
        recipients: ['000.00.00.G22', '000.00.00.G01'],
        attachments: [
          { sha256: blob.body['sha256'], name: '101-UBND-VP.pdf', contentType: 'application/pdf' },
        ],
      },
      { 'idempotency-key': 'demo-h49-101' },
    );
    await call(
      office,
      'POST',
      '/api/v1/documents',
      {
        messageHeader: {
          ...sampleDocument(2, { place: 'Hà Nội' }),
          subject: 'Thông báo lịch họp trực tuyến về Chính phủ số',
        },
        recipientKinds: ['province'],
      },
      { 'idempotency-key': 'demo-g22-102' },
    );
    // The Government Office registers and completes Quảng Ninh's letter once it arrives.
    const subject = (sent.body['message'] as { messageHeader: { subject: string } } | undefined)
      ?.messageHeader.subject;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const inbox = await call(office, 'GET', '/api/v1/inbox?after=0');
      const item = (inbox.body['items'] as { id: string; subject: string; status: string | null }[]).find(
        (i) => i.subject === subject,
      );
      if (item) {
        if (item.status === '01') {
          await call(office, 'POST', `/api/v1/inbox/${item.id}/status`, { code: '03' });
          await call(office, 'POST', `/api/v1/inbox/${item.id}/status`, {
            code: '06',
            description: 'Đã xử lý xong',
          });
        }
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    logger.warn('demo documents: the sample letter did not arrive within 30 s');
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'demo documents could not be exchanged');
  }
}
