import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  CLIENT,
  CONSUMER_MEMBER,
  type PairFederation,
  PROVIDER_MEMBER,
  prepareGatewayPair,
  SERVICE_ID,
  SERVICE_PATH,
} from '../gateway/demo/gateway-pair.ts';
import { type BenchRegistry, createScratchDatabase, startBenchRegistry } from './bench-registry.ts';
import { freePort, type GatewayProcess, gatewayEnv, launchGatewayProcess } from './gateway-process.ts';
import type { LoadResult, LoadSpec } from './load.ts';
import { machineInfo, round } from './report.ts';

/**
 * `lienthong bench gateway`: the same load, once straight at a backend and once through two
 * gateways (mutual TLS, signing and verification both ways, four durable message-log records
 * per exchange), in one run on one machine. Each gateway runs in its own process, as deployed.
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
  /** Both gateways' message logs passed `lienthong log verify` after the run. */
  logs_verified: boolean;
}

const BODY = JSON.stringify({
  hoSo: 'HS-2026-000123',
  loai: 'khai-sinh',
  ghiChu: 'Liên thông khai sinh – thường trú – BHYT',
});

export async function runGatewayBench(options: GatewayBenchOptions): Promise<GatewayBenchResult> {
  const progress = options.onProgress ?? (() => {});
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lt-bench-gw-'));
  // A database of its own on the server, dropped at the end; else embedded stores on disk.
  const scratch = options.databaseUrl ? await createScratchDatabase(options.databaseUrl) : null;
  const databaseUrl = scratch?.url;
  const processes: GatewayProcess[] = [];
  progress('starting the registry');
  let registry: BenchRegistry | null = null;
  let backend: PairFederation['backend'] | null = null;
  try {
    registry = await startBenchRegistry(databaseUrl, dataDir);
    const running = registry.registry;
    const fed = await prepareGatewayPair(registry, { keepRequests: false });
    backend = fed.backend;
    const ports = { provider: await freePort(), consumer: await freePort() };
    await fed.setAddress(PROVIDER_MEMBER, `https://127.0.0.1:${ports.provider}`);
    await fed.setAddress(CONSUMER_MEMBER, `https://127.0.0.1:${ports.consumer}`);
    await running.publish();
    progress('starting two gateways, each in its own process (lienthong gateway serve)');
    const [provider, consumer] = await Promise.all([
      launchGatewayProcess({
        dir: path.join(dataDir, 'provider'),
        memberCode: PROVIDER_MEMBER,
        keys: fed.keys.provider,
        anchor: fed.anchor,
        providerPort: ports.provider,
        databaseUrl,
        backends: { [SERVICE_ID]: fed.backend.url },
      }),
      launchGatewayProcess({
        dir: path.join(dataDir, 'consumer'),
        memberCode: CONSUMER_MEMBER,
        keys: fed.keys.consumer,
        anchor: fed.anchor,
        providerPort: ports.consumer,
        databaseUrl,
        clients: [{ id: CLIENT }],
      }),
    ]);
    processes.push(provider, consumer);
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
      url: fed.backend.url,
      path: '/uploads',
      headers: { 'content-type': 'application/json' },
    });
    progress(
      `through two gateways: ${options.concurrency} concurrent callers for ${options.durationMs / 1000} s`,
    );
    const gateway = await inWorker({
      ...common,
      url: consumer.consumerUrl,
      path: `${SERVICE_PATH}/uploads`,
      headers: {
        'content-type': 'application/json',
        'x-road-client': CLIENT,
        'x-road-userid': 'VN001090004567',
        'x-road-issue': 'HS-2026-000123',
      },
    });
    progress('stopping the gateways and verifying both message logs');
    await Promise.all(processes.map((g) => g.stop()));
    const logs = await Promise.all(processes.map((g) => verifyGatewayLog(g.configFile, databaseUrl)));
    return {
      machine: machineInfo(),
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
      log_records: logs[1]!.records,
      logs_verified: logs.every((l) => l.ok),
    };
  } finally {
    progress('stopping');
    await Promise.all(processes.map((g) => g.stop()));
    if (backend) await new Promise((r) => backend?.server.close(r));
    await registry?.close();
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `lienthong log verify` on a stopped gateway's database: every record chained and sealed. */
async function verifyGatewayLog(
  configFile: string,
  databaseUrl: string | undefined,
): Promise<{ ok: boolean; records: number }> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [
        fileURLToPath(new URL('../../bin/lienthong.js', import.meta.url)),
        'log',
        'verify',
        '-c',
        configFile,
        '--json',
      ],
      { maxBuffer: 16 * 1024 * 1024, env: gatewayEnv(databaseUrl) },
      (err, stdout, stderr) => {
        // Exit code 3 means "verified, and it failed": still a JSON answer to report.
        if (err && err.code !== 3) reject(new Error(`log verify failed: ${stderr || err.message}`));
        else resolve(stdout);
      },
    );
  });
  const result = JSON.parse(out) as { ok: boolean; records: number };
  return { ok: result.ok, records: result.records };
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
