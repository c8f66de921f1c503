import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

/**
 * When DATABASE_URL is set, the suite runs against that PostgreSQL server in a database of
 * its own, created here and dropped after the run; each test then takes a fresh schema in it.
 * Without DATABASE_URL, tests use in-memory PGlite and this does nothing.
 */
declare module 'vitest' {
  export interface ProvidedContext {
    testDatabaseUrl: string | null;
    pgliteTemplatePath: string | null;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const base = process.env['DATABASE_URL'];
  if (!base) {
    // Running initdb for every embedded test database would cost seconds each: make one
    // freshly initialised data directory and let every test start from a copy of it.
    const dir = mkdtempSync(path.join(tmpdir(), 'lienthong-pglite-'));
    const file = path.join(dir, 'template.tar.gz');
    const template = new PGlite();
    await template.waitReady;
    const dump = await template.dumpDataDir('gzip');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await template.close();
    project.provide('testDatabaseUrl', null);
    project.provide('pgliteTemplatePath', file);
    return async () => rmSync(dir, { recursive: true, force: true });
  }
  project.provide('pgliteTemplatePath', null);
  const name = `lienthong_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  project.provide('testDatabaseUrl', url.toString());
  return async () => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  };
}
