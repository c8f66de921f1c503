import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../errors.ts';
import { SharedPGliteDialect } from './pglite-dialect.ts';

/**
 * The database layer. One Kysely handle per component (registry, each gateway, …):
 * - embedded (default): PGlite, a data directory per component, or in memory when ephemeral;
 * - server: PostgreSQL at `url`, each component in its own schema so one database can hold
 *   a whole federation (`search_path` is set per connection).
 */
export interface DatabaseOptions {
  /** Component name; becomes the PostgreSQL schema and the PGlite sub-directory. */
  component: string;
  /** postgres://… — use a PostgreSQL server instead of the embedded database. */
  url?: string | undefined;
  /** Root data directory for embedded databases. */
  dataDir?: string | undefined;
  /** Keep the embedded database in memory only. */
  ephemeral?: boolean | undefined;
  /** Pool size for PostgreSQL. */
  poolSize?: number | undefined;
  /**
   * An embedded data directory dump (from `dumpDataDir`) to start from instead of running
   * initdb, which takes seconds; tests use it to get a fresh database in under one.
   */
  pgliteTemplate?: Blob | undefined;
  /**
   * Embedded only: the store (one PGlite database, one data directory) this component lives
   * in, in its own schema. Defaults to the component itself; the demo puts all its gateways
   * in one store, since each embedded database costs seconds to start and ~150 MB of memory.
   */
  store?: string | undefined;
}

export interface Database<DB = unknown> {
  db: Kysely<DB>;
  kind: 'pglite' | 'postgres';
  /** The schema this component lives in ('public' on PGlite). */
  schema: string;
  /** Where the data is, for humans (a directory, 'memory', or the URL without password). */
  location: string;
  close(): Promise<void>;
}

// int8 (bigserial ids, counters) as JS numbers: every value we store stays below 2^53.
const INT8_OID = 20;
pg.types.setTypeParser(INT8_OID, (v) => Number.parseInt(v, 10));

export function schemaNameFor(component: string): string {
  const name = component.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new AppError('bad_input', 'config.invalid_component', `Invalid component name "${component}".`);
  }
  return name;
}

export async function openDatabase<DB = unknown>(options: DatabaseOptions): Promise<Database<DB>> {
  const schema = schemaNameFor(options.component);
  if (options.url) return openPostgres<DB>(options.url, schema, options.poolSize ?? 10);
  return openPglite<DB>(options, schema);
}

async function openPostgres<DB>(url: string, schema: string, max: number): Promise<Database<DB>> {
  const safeUrl = redactUrl(url);
  // Create the schema first on a plain connection; every pooled connection then pins search_path.
  const setup = new pg.Client({ connectionString: url });
  try {
    await setup.connect();
    await setup.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (err) {
    throw new AppError(
      'unavailable',
      'db.unreachable',
      `Cannot connect to PostgreSQL at ${safeUrl}: ${(err as Error).message}. Check DATABASE_URL / --database-url, or leave it unset to use the embedded database.`,
      { cause: err },
    );
  } finally {
    await setup.end().catch(() => {});
  }
  const pool = new pg.Pool({ connectionString: url, max, options: `-c search_path=${schema}` });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    schema,
    location: `${safeUrl} (schema ${schema})`,
    close: () => db.destroy(),
  };
}

interface Store {
  client: PGlite;
  users: number;
  location: string;
}

// Embedded databases open in this process, by data directory (or memory name), shared by the
// components that name the same store.
const stores = new Map<string, Promise<Store>>();

async function openStore(
  options: DatabaseOptions,
  storeName: string,
): Promise<{ key: string; store: Store }> {
  let dir: string | undefined;
  if (!options.ephemeral) {
    dir = path.resolve(options.dataDir ?? '.data', storeName, 'pgdata');
    mkdirSync(dir, { recursive: true });
  }
  const key = dir ?? `memory:${storeName}`;
  let pending = stores.get(key);
  if (!pending) {
    if (dir) lockDirectory(dir);
    pending = (async () => {
      const client = new PGlite({
        ...(dir ? { dataDir: dir } : {}),
        ...(options.pgliteTemplate ? { loadDataDir: options.pgliteTemplate } : {}),
      });
      try {
        await client.waitReady;
      } catch (err) {
        stores.delete(key);
        if (dir) unlockDirectory(dir);
        throw new AppError(
          'unavailable',
          'db.open_failed',
          `Cannot open the embedded database at ${dir ?? 'memory'}: ${(err as Error).message}. Is another lienthong process using it?`,
          { cause: err },
        );
      }
      return { client, users: 0, location: dir ?? 'memory' };
    })();
    stores.set(key, pending);
  }
  const store = await pending;
  store.users++;
  return { key, store };
}

async function openPglite<DB>(options: DatabaseOptions, schema: string): Promise<Database<DB>> {
  const { key, store } = await openStore(options, options.store ? schemaNameFor(options.store) : schema);
  await store.client.query(`create schema if not exists "${schema}"`);
  const db = new Kysely<DB>({ dialect: new SharedPGliteDialect(store.client, schema) });
  let closed = false;
  return {
    db,
    kind: 'pglite',
    schema,
    location: `${store.location} (schema ${schema})`,
    close: async () => {
      if (closed) return;
      closed = true;
      await db.destroy();
      if (--store.users === 0) {
        stores.delete(key);
        await store.client.close();
        if (store.location !== 'memory') unlockDirectory(store.location);
      }
    },
  };
}

/**
 * One process per embedded data directory: a second one (say `lienthong migrate` while
 * `lienthong up` runs) would corrupt it. A lock file names the owning process; a lock left by a
 * process that no longer exists is taken over.
 */
function lockDirectory(dir: string): void {
  const file = path.join(dir, '..', 'lienthong.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new AppError(
          'conflict',
          'db.locked',
          `The embedded database at ${dir} is in use by process ${owner}. Stop that process first, or use another --data-dir.`,
        );
      }
      rmSync(file, { force: true });
    }
  }
}

function unlockDirectory(dir: string): void {
  const file = path.join(dir, '..', 'lienthong.lock');
  try {
    if (Number(readFileSync(file, 'utf8')) === process.pid) rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
