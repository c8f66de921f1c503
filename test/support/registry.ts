import { ManualClock } from '../../src/kernel/clock.ts';
import { silentLogger } from '../../src/kernel/log.ts';
import { systemRandom } from '../../src/kernel/random.ts';
import { createApiKey } from '../../src/registry/auth.ts';
import { SYSTEM_ACTOR } from '../../src/registry/context.ts';
import { REGISTRY_MIGRATIONS, type RunningRegistry, startRegistry } from '../../src/registry/index.ts';
import type { RegistryTables } from '../../src/registry/registry.db.ts';
import { testDatabase } from './database.ts';

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests inspect JSON answers of many shapes
  body: any;
  headers: Headers;
}

export interface TestRegistry {
  registry: RunningRegistry;
  clock: ManualClock;
  operatorKey: string;
  /** Calls the registry API, with the operator's key unless another (or none: null) is given. */
  call(method: string, path: string, body?: unknown, key?: string | null): Promise<ApiResponse>;
  close(): Promise<void>;
}

export const TEST_PASSPHRASE = 'correct horse battery staple';

/** A real registry on an ephemeral port over a fresh test database. */
export async function startTestRegistry(options: { clock?: ManualClock } = {}): Promise<TestRegistry> {
  const database = await testDatabase<RegistryTables>([REGISTRY_MIGRATIONS], 'registry');
  const clock = options.clock ?? new ManualClock(new Date());
  const registry = await startRegistry({
    database,
    clock,
    random: systemRandom,
    logger: silentLogger,
    instance: 'VN',
    host: '127.0.0.1',
    port: 0,
    ca: { passphrase: TEST_PASSPHRASE },
    refreshSeconds: 3600,
    validitySeconds: 600,
  });
  const operator = await createApiKey(registry.ctx, SYSTEM_ACTOR, {
    name: 'test operator',
    role: 'operator',
  });
  const call: TestRegistry['call'] = async (method, path, body, key) => {
    const k = key === undefined ? operator.key : key;
    const res = await fetch(`${registry.url}${path}`, {
      method,
      headers: {
        ...(k ? { authorization: `Bearer ${k}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    registry,
    clock,
    operatorKey: operator.key,
    call,
    close: async () => {
      await registry.close();
      await database.close();
    },
  };
}
