import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/kernel/db/database.ts';
import { type ModuleMigrations, migrate } from '../../src/kernel/db/migrate.ts';

/** The URL of this run's PostgreSQL test database, or null on PGlite. */
export function testDatabaseUrl(): string | null {
  return inject('testDatabaseUrl');
}

/**
 * A fresh, migrated database for one test: in-memory PGlite, or a new schema in the run's
 * PostgreSQL database when DATABASE_URL is set.
 */
export async function testDatabase<DB = unknown>(
  migrations: ModuleMigrations[] = [],
  component = 'test',
): Promise<Database<DB>> {
  const url = testDatabaseUrl();
  const database = await openDatabase<DB>({
    pgliteTemplate: url ? undefined : pgliteTemplate(),
    component: `${component}_${randomBytes(4).toString('hex')}`,
    url: url ?? undefined,
    ephemeral: true,
    // Every test database of this worker lives in one embedded store, each in its own schema.
    store: 'tests',
    poolSize: 4,
  });
  await migrate(database.db as never, migrations);
  return database;
}

let template: Blob | undefined;
function pgliteTemplate(): Blob | undefined {
  const file = inject('pgliteTemplatePath');
  if (!file) return undefined;
  template ??= new Blob([readFileSync(file)]);
  return template;
}
