import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * Kysely over PGlite, where several components may share one embedded database, each in its
 * own schema. PGlite has a single connection: one lock per PGlite instance, shared by every
 * Kysely handle over it, serialises whole transactions, and each handle sets its search_path
 * when it takes the connection.
 */
interface SharedClient {
  client: PGlite;
  lock: Promise<void>;
  currentSchema: string | null;
}

const shared = new WeakMap<PGlite, SharedClient>();

function sharedOf(client: PGlite): SharedClient {
  let s = shared.get(client);
  if (!s) {
    s = { client, lock: Promise.resolve(), currentSchema: null };
    shared.set(client, s);
  }
  return s;
}

export class SharedPGliteDialect implements Dialect {
  constructor(
    private readonly client: PGlite,
    private readonly schema: string,
  ) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new SharedPGliteDriver(sharedOf(this.client), this.schema);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

class SharedPGliteDriver implements Driver {
  private readonly releases = new WeakMap<DatabaseConnection, () => void>();
  constructor(
    private readonly s: SharedClient,
    private readonly schema: string,
  ) {}
  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const previous = this.s.lock;
    this.s.lock = previous.then(() => mine);
    await previous;
    const conn = new PGliteConnection(this.s.client);
    if (this.s.currentSchema !== this.schema) {
      try {
        await this.s.client.query(`set search_path to "${this.schema}"`);
      } catch (err) {
        release();
        throw err;
      }
      this.s.currentSchema = this.schema;
    }
    this.releases.set(conn, release);
    return conn;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await conn.executeQuery(
      CompiledQuery.raw(
        settings.isolationLevel ? `start transaction isolation level ${settings.isolationLevel}` : 'begin',
      ),
    );
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }
  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    this.releases.get(conn)?.();
    this.releases.delete(conn);
  }
  async destroy(): Promise<void> {
    // The PGlite instance belongs to whoever opened it; closing one handle must not close the others'.
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly client: PGlite) {}
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.client.query<R>(compiled.sql, [...compiled.parameters]);
    return result.affectedRows !== undefined
      ? { rows: result.rows, numAffectedRows: BigInt(result.affectedRows) }
      : { rows: result.rows };
  }
  // biome-ignore lint/correctness/useYield: streaming is not supported by PGlite; this makes that explicit.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming queries are not supported on the embedded database.');
  }
}
