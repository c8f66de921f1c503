import path from 'node:path';
import pg from 'pg';
import type { PairRegistry } from '../gateway/demo/gateway-pair.ts';
import { systemClock } from '../kernel/clock.ts';
import { type Database, openDatabase } from '../kernel/db/database.ts';
import { migrate } from '../kernel/db/migrate.ts';
import { silentLogger } from '../kernel/log.ts';
import { systemRandom } from '../kernel/random.ts';
import { createApiKey } from '../registry/auth.ts';
import { SYSTEM_ACTOR } from '../registry/context.ts';
import { REGISTRY_MIGRATIONS, startRegistry } from '../registry/index.ts';
import type { RegistryTables } from '../registry/registry.db.ts';

/**
 * What the benchmarks share: a scratch PostgreSQL database (created on the given server and
 * dropped afterwards) or embedded stores on disk, and a real registry with an operator key.
 */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createScratchDatabase(url: string): Promise<ScratchDatabase> {
  const name = `lienthong_bench_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const scratch = new URL(url);
  scratch.pathname = `/${name}`;
  return {
    url: scratch.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface BenchRegistry extends PairRegistry {
  database: Database<RegistryTables>;
}

export async function startBenchRegistry(
  databaseUrl: string | undefined,
  dataDir: string,
): Promise<BenchRegistry> {
  const database = await openDatabase<RegistryTables>({
    component: 'registry',
    url: databaseUrl,
    dataDir: path.join(dataDir, 'registry'),
  });
  try {
    await migrate(database.db as never, [REGISTRY_MIGRATIONS]);
    const registry = await startRegistry({
      database,
      clock: systemClock,
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
    return {
      registry,
      clock: systemClock,
      call,
      database,
      close: async () => {
        await registry.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}
