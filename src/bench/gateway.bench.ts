import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CLIENT, SERVICE_PATH, startGatewayPair } from '../gateway/demo/gateway-pair.ts';
import { GATEWAY_MIGRATIONS } from '../gateway/index.ts';
import type { MessageLogTables } from '../gateway/messagelog/index.ts';
import { systemClock } from '../kernel/clock.ts';
import { openDatabase } from '../kernel/db/database.ts';
import { migrate } from '../kernel/db/migrate.ts';
import { silentLogger } from '../kernel/log.ts';
import { systemRandom } from '../kernel/random.ts';
import { createApiKey } from '../registry/auth.ts';
import { SYSTEM_ACTOR } from '../registry/context.ts';
import { REGISTRY_MIGRATIONS, startRegistry } from '../registry/index.ts';
import type { RegistryTables } from '../registry/registry.db.ts';
import type { LoadResult, LoadSpec } from './load.ts';

/**
 * `lienthong bench gateway`: the same load, once straight at a backend and once through two
 * gateways (mutual TLS, signing and verification both ways, four durable message-log records
 * per exchange), in one run on one machine.
 */
export interface GatewayBenchOptions {
  concurrency: number;
  durationMs: number;
  databaseUrl?: string | undefined;
  onProgress?: (phase: string) => void;
}

export interface GatewayBenchResult {
  machine: { cpu: string; cores: number; memoryGb: number; node: string };
  database: string;
  concurrency: number;
  seconds_per_phase: number;
  body_bytes: number;
  direct_rps: number;
  gateway_rps: number;
  ratio: number;
  direct_p50_ms: number;
  direct_p99_ms: number;
  gateway_p50_ms: number;
  gateway_p99_ms: number;
  added_p50_ms: number;
  errors: number;
  first_error: string | null;
  log_records: number;
}

const BODY = JSON.stringify({
  hoSo: 'HS-2026-000123',
  loai: 'khai-sinh',
  ghiChu: 'Liên thông khai sinh – thường trú – BHYT',
});

export async function runGatewayBench(options: GatewayBenchOptions): Promise<GatewayBenchResult> {
  const progress = options.onProgress ?? (() => {});
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lt-bench-gw-'));
  const suffix = Math.random().toString(36).slice(2, 8);
  progress('starting the registry and two gateways');
  // Durable: PostgreSQL when given, else embedded databases on disk (not in memory).
  const open = <DB>(component: string) =>
    openDatabase<DB>({
      component: `bench_${component}_${suffix}`,
      url: options.databaseUrl,
      dataDir,
      store: 'bench',
    });
  const regDb = await open<RegistryTables>('registry');
  await migrate(regDb.db as never, [REGISTRY_MIGRATIONS]);
  const clock = systemClock;
  const registry = await startRegistry({
    database: regDb,
    clock,
    random: systemRandom,
    logger: silentLogger,
    instance: 'VN',
    host: '127.0.0.1',
    port: 0,
    ca: { passphrase: 'benchmark passphrase' },
    refreshSeconds: 3600,
    validitySeconds: 7200,
  });
  const operator = await createApiKey(registry.ctx, SYSTEM_ACTOR, { name: 'bench', role: 'operator' });
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${registry.url}${p}`, {
      method,
      headers: {
        authorization: `Bearer ${operator.key}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const pair = await startGatewayPair({
    registry: { registry, clock, call, close: async () => {} },
    openDatabase: async (component) => {
      const db = await open<MessageLogTables>(component);
      await migrate(db.db as never, GATEWAY_MIGRATIONS);
      return db;
    },
  });
  try {
    const common = {
      method: 'POST' as const,
      body: BODY,
      concurrency: options.concurrency,
      durationMs: options.durationMs,
      warmupMs: 1500,
    };
    progress(`direct: ${options.concurrency} concurrent callers for ${options.durationMs / 1000} s`);
    const direct = await inWorker({
      ...common,
      url: pair.backend.url,
      path: '/uploads',
      headers: { 'content-type': 'application/json' },
    });
    progress(
      `through two gateways: ${options.concurrency} concurrent callers for ${options.durationMs / 1000} s`,
    );
    const gateway = await inWorker({
      ...common,
      url: pair.consumer.consumerUrl,
      path: `${SERVICE_PATH}/uploads`,
      headers: {
        'content-type': 'application/json',
        'x-road-client': CLIENT,
        'x-road-userid': 'VN001090004567',
        'x-road-issue': 'HS-2026-000123',
      },
    });
    const status = await pair.consumer.log.status();
    return {
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      database: options.databaseUrl ? 'postgres' : 'pglite (on disk)',
      concurrency: options.concurrency,
      seconds_per_phase: options.durationMs / 1000,
      body_bytes: Buffer.byteLength(BODY),
      direct_rps: round(direct.rps),
      gateway_rps: round(gateway.rps),
      ratio: round(gateway.rps / direct.rps, 3),
      direct_p50_ms: round(direct.p50, 2),
      direct_p99_ms: round(direct.p99, 2),
      gateway_p50_ms: round(gateway.p50, 2),
      gateway_p99_ms: round(gateway.p99, 2),
      added_p50_ms: round(gateway.p50 - direct.p50, 2),
      errors: direct.errors + gateway.errors,
      first_error: direct.firstError ?? gateway.firstError,
      log_records: status.lastSeq,
    };
  } finally {
    progress('stopping');
    await pair.consumer.close();
    await pair.provider.close();
    await new Promise((r) => pair.backend.server.close(r));
    for (const d of pair.databases) await d.close();
    await registry.close();
    await regDb.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function inWorker(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./load-worker.mjs', import.meta.url), { workerData: spec });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
  });
}

function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
