import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { AppError } from '../errors.ts';
import { splitSqlStatements } from './sql-split.ts';

/**
 * Ordered, up-only migrations per module. Each module keeps plain SQL files named
 * `<sequence>-<what-it-does>.sql` (e.g. `0001-members.sql`) in its own folder. Applied
 * migrations are recorded with a checksum; editing an applied file is refused, because the
 * databases already migrated would silently differ from new ones.
 */
export interface ModuleMigrations {
  module: string;
  /** Folder holding the SQL files (a file: URL or a path). */
  dir: URL | string;
}

export interface Migration {
  module: string;
  sequence: number;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: { module: string; name: string }[];
  alreadyApplied: number;
}

const FILE_PATTERN = /^(\d{4})-([a-z0-9-]+)\.sql$/;

export function loadMigrations(source: ModuleMigrations): Migration[] {
  const dir = typeof source.dir === 'string' ? source.dir : fileURLToPath(source.dir);
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const migrations = files.map((file) => {
    const m = FILE_PATTERN.exec(file);
    if (!m) {
      throw new AppError(
        'internal',
        'db.bad_migration_name',
        `Migration file ${dir}/${file} must be named <4-digit sequence>-<lower-case-words>.sql`,
      );
    }
    const text = readFileSync(`${dir}/${file}`, 'utf8');
    return {
      module: source.module,
      sequence: Number(m[1]),
      name: file,
      sql: text,
      checksum: createHash('sha256').update(text).digest('hex'),
    };
  });
  migrations.sort((a, b) => a.sequence - b.sequence);
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i]!.sequence === migrations[i - 1]!.sequence) {
      throw new AppError(
        'internal',
        'db.duplicate_migration',
        `Two migrations of module ${source.module} share sequence ${migrations[i]!.sequence}`,
      );
    }
  }
  return migrations;
}

// Any constant works; it only has to be the same for every process migrating the same database.
const MIGRATION_LOCK_KEY = 7_115_301;

export async function migrate(db: Kysely<unknown>, sources: ModuleMigrations[]): Promise<MigrationResult> {
  const wanted = sources.flatMap(loadMigrations);
  return db.connection().execute(async (conn) => {
    // Serialise concurrent starters (several gateway nodes on one PostgreSQL).
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`.execute(conn);
    try {
      await sql`create table if not exists schema_migrations (
        module text not null,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now(),
        primary key (module, name)
      )`.execute(conn);
      const done = await sql<{ module: string; name: string; checksum: string }>`
        select module, name, checksum from schema_migrations`.execute(conn);
      const applied = new Map(done.rows.map((r) => [`${r.module}/${r.name}`, r.checksum]));
      const result: MigrationResult = { applied: [], alreadyApplied: 0 };
      for (const m of wanted) {
        const key = `${m.module}/${m.name}`;
        const checksum = applied.get(key);
        if (checksum !== undefined) {
          if (checksum !== m.checksum) {
            throw new AppError(
              'internal',
              'db.migration_changed',
              `Migration ${key} was changed after it was applied. Add a new migration instead of editing an applied one.`,
            );
          }
          result.alreadyApplied++;
          continue;
        }
        await conn.transaction().execute(async (tx) => {
          for (const statement of splitSqlStatements(m.sql)) await sql.raw(statement).execute(tx);
          await sql`insert into schema_migrations (module, name, checksum)
            values (${m.module}, ${m.name}, ${m.checksum})`.execute(tx);
        });
        result.applied.push({ module: m.module, name: m.name });
      }
      return result;
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.execute(conn);
    }
  });
}
