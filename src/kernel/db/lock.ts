import { type Kysely, sql } from 'kysely';

/**
 * Holds a PostgreSQL session advisory lock on a connection of its own until released, so work
 * that must happen once across several nodes starting together (creating the CA) runs once.
 * On the embedded database there is only one process per data directory (see the directory
 * lock), and its single connection must stay free for the work itself, so nothing is taken.
 */
export async function holdAdvisoryLock(
  db: Kysely<unknown>,
  kind: 'pglite' | 'postgres',
  key: number,
): Promise<() => Promise<void>> {
  if (kind !== 'postgres') return async () => {};
  let release!: () => void;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let acquired!: () => void;
  let failed!: (err: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    acquired = resolve;
    failed = reject;
  });
  const done = db
    .connection()
    .execute(async (conn) => {
      await sql`select pg_advisory_lock(${key})`.execute(conn);
      acquired();
      await released;
      await sql`select pg_advisory_unlock(${key})`.execute(conn);
    })
    .catch(failed);
  await ready;
  return async () => {
    release();
    await done;
  };
}
