import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { testDatabase } from '../../../test/support/database.ts';
import type { Database } from './database.ts';
import { migrate } from './migrate.ts';
import { splitSqlStatements } from './sql-split.ts';

const m1 = { module: 'demo', dir: new URL('./testdata/m1/', import.meta.url) };
const m2 = { module: 'broken', dir: new URL('./testdata/m2/', import.meta.url) };

describe('migrations', () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
  });

  it('applies ordered files once, then nothing the second time', async () => {
    database = await testDatabase();
    const first = await migrate(database.db, [m1]);
    expect(first.applied.map((a) => a.name)).toEqual(['0001-things.sql', '0002-more.sql']);
    const second = await migrate(database.db, [m1]);
    expect(second).toEqual({ applied: [], alreadyApplied: 2 });
    await sql`insert into things (name) values ('x')`.execute(database.db);
    const r = await sql<{ n: number; tags: unknown; note: string }>`
      select thing_count() as n, tags, note from things`.execute(database.db);
    expect(r.rows[0]).toEqual({ n: 1, tags: [], note: 'a; b' });
  });

  it('rolls a failing migration back whole and records nothing of it', async () => {
    database = await testDatabase();
    await expect(migrate(database.db, [m2])).rejects.toThrow();
    const tables = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.tables where table_name = 'other'`.execute(
      database.db,
    );
    expect(tables.rows[0]!.n).toBe(0);
    const rec = await sql<{ n: number }>`select count(*)::int as n from schema_migrations`.execute(
      database.db,
    );
    expect(rec.rows[0]!.n).toBe(0);
  });

  it('refuses an applied migration whose file was edited', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-mig-'));
    cpSync(new URL('./testdata/m1/', import.meta.url), dir, { recursive: true });
    database = await testDatabase();
    await migrate(database.db, [{ module: 'demo', dir }]);
    writeFileSync(path.join(dir, '0002-more.sql'), 'alter table things add column other text;');
    await expect(migrate(database.db, [{ module: 'demo', dir }])).rejects.toMatchObject({
      code: 'db.migration_changed',
    });
  });

  it('refuses badly named migration files', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-mig-'));
    writeFileSync(path.join(dir, '1-Bad Name.sql'), 'select 1;');
    database = await testDatabase();
    await expect(migrate(database.db, [{ module: 'demo', dir }])).rejects.toMatchObject({
      code: 'db.bad_migration_name',
    });
  });
});

describe('splitSqlStatements', () => {
  it('keeps semicolons inside quotes, identifiers, dollar bodies and comments', () => {
    const script = `
      create table "a;b" (x text default 'q;''r');
      -- comment; with semicolon
      /* block; comment */ select $tag$ ; $tag$;
      select 1
    `;
    expect(splitSqlStatements(script)).toEqual([
      `create table "a;b" (x text default 'q;''r')`,
      `-- comment; with semicolon\n      /* block; comment */ select $tag$ ; $tag$`,
      'select 1',
    ]);
  });
});
