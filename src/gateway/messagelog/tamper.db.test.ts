import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MessageLogDb, recordFromRow, rowFromRecord } from './messagelog.db.ts';
import { computeRecordHash, type LogRecord } from './record.ts';
import { fill, KEYS, openTestLog, sampleEntry, type TestLog } from './test-fixtures.ts';
import { verifyLog } from './verify-log.ts';

/**
 * Tampering done with SQL straight on the tables, as someone with database access would.
 * One log is built (records 1..30 sealed in batches of ten, 31..35 unsealed) and restored
 * from a snapshot before each case.
 */
let t: TestLog;
let db: MessageLogDb;
const TABLES = ['messagelog_records', 'messagelog_seals', 'messagelog_heads'];

beforeAll(async () => {
  t = await openTestLog();
  db = t.database.db;
  await fill(t, 30, 10);
  await t.log.appendMany(Array.from({ length: 5 }, (_, i) => sampleEntry(30 + i)));
  for (const table of TABLES)
    await sql.raw(`create table snap_${table} as select * from ${table}`).execute(db);
});
afterAll(async () => {
  await t.database.close();
});
beforeEach(async () => {
  for (const table of TABLES) {
    await sql.raw(`delete from ${table}`).execute(db);
    await sql.raw(`insert into ${table} select * from snap_${table}`).execute(db);
  }
});

const verify = () => verifyLog({ db }, { publicKeyPem: KEYS.publicKeyPem });
const run = (text: string) => sql.raw(text).execute(db);

async function stored(seq: number): Promise<LogRecord> {
  const row = await db
    .selectFrom('messagelog_records')
    .selectAll()
    .where('seq', '=', seq)
    .executeTakeFirstOrThrow();
  const { body: _body, ...record } = recordFromRow(row);
  return record;
}

/** Recomputes the record hashes (and links) from `seq` on, as a careful forger would. */
async function rechain(fromSeq: number, only = false): Promise<void> {
  let prev = (await stored(fromSeq - 1)).recordHash;
  const rows = await db
    .selectFrom('messagelog_records')
    .select('seq')
    .where('seq', '>=', fromSeq)
    .orderBy('seq')
    .execute();
  for (const { seq } of only ? [{ seq: fromSeq }] : rows) {
    const { prevHash: _p, recordHash: _r, ...fields } = await stored(seq);
    const hash = computeRecordHash(fields, prev);
    await db
      .updateTable('messagelog_records')
      .set({ prev_hash: prev, record_hash: hash })
      .where('seq', '=', seq)
      .execute();
    prev = hash;
  }
  if (!only)
    await db.updateTable('messagelog_heads').set({ hash: prev }).where('name', '=', 'records').execute();
}

/** Moves records with seq ≥ from by `delta`, in two steps so the primary key never collides. */
async function renumber(from: number, delta: number): Promise<void> {
  await run(`update messagelog_records set seq = -(seq + ${delta}) where seq >= ${from}`);
  await run('update messagelog_records set seq = -seq where seq < 0');
}

async function swap(a: number, b: number): Promise<void> {
  await run(`update messagelog_records set seq = -1 where seq = ${a}`);
  await run(`update messagelog_records set seq = ${a} where seq = ${b}`);
  await run(`update messagelog_records set seq = ${b} where seq = -1`);
}

async function forge(seq: number, chained: boolean): Promise<void> {
  const previous = await stored(seq - 1);
  const prevHash = chained ? previous.recordHash : randomBytes(32).toString('hex');
  const {
    prevHash: _p,
    recordHash: _r,
    ...fields
  } = {
    ...previous,
    userId: 'VN079000000001',
    seq,
    bodyMode: 'metadata' as const,
  };
  const row = rowFromRecord({ ...fields, body: null }, seq, prevHash, computeRecordHash(fields, prevHash));
  await db.insertInto('messagelog_records').values(row).execute();
}

describe('message log verification after SQL tampering', () => {
  it('passes the untouched log, warning about the unsealed tail', async () => {
    expect(await verify()).toMatchObject({ ok: true, records: 35, batches: 3, warnings: [{ seq: 31 }] });
  });

  it('names an altered body hash', async () => {
    await run(`update messagelog_records set body_sha256 = '${'ab'.repeat(32)}' where seq = 12`);
    expect(await verify()).toMatchObject({ ok: false, problem: 'altered', seq: 12, records: 11 });
  });

  it('names an altered body', async () => {
    await run(`update messagelog_records set body = convert_to('{"forged":true}', 'UTF8') where seq = 14`);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, problem: 'altered', seq: 14 });
    expect(result.ok || result.detail).toContain('body');
  });

  it('names a record altered and re-hashed, through the next record', async () => {
    await run(`update messagelog_records set user_id = 'VN079000000001' where seq = 3`);
    await rechain(3, true);
    expect(await verify()).toMatchObject({ ok: false, problem: 'altered', seq: 3 });
  });

  it('names a deleted record', async () => {
    await run('delete from messagelog_records where seq = 15');
    expect(await verify()).toMatchObject({ ok: false, problem: 'removed', seq: 15, records: 14 });
  });

  it('names a deleted record when the later ones were renumbered to close the gap', async () => {
    await run('delete from messagelog_records where seq = 15');
    await renumber(16, -1);
    expect(await verify()).toMatchObject({ ok: false, problem: 'removed', seq: 15 });
  });

  it('names a deleted batch with its seal', async () => {
    await run('delete from messagelog_records where seq between 11 and 20');
    await run('delete from messagelog_seals where first_seq = 11');
    expect(await verify()).toMatchObject({ ok: false, problem: 'removed', seq: 11 });
  });

  it('names an inserted record, chained or not, when the later ones were renumbered', async () => {
    await renumber(15, 1);
    await forge(15, true);
    expect(await verify()).toMatchObject({ ok: false, problem: 'inserted', seq: 15 });
    await run('delete from messagelog_records where seq = 15');
    await forge(15, false);
    expect(await verify()).toMatchObject({ ok: false, problem: 'inserted', seq: 15 });
  });

  it('names a record forged past the head of the log', async () => {
    await forge(36, true);
    expect(await verify()).toMatchObject({ ok: false, problem: 'inserted', seq: 36 });
  });

  it('names swapped seqs as reordered, adjacent or not', async () => {
    await swap(5, 8);
    expect(await verify()).toMatchObject({ ok: false, problem: 'reordered', seq: 5 });
    await swap(5, 8);
    await swap(25, 26);
    expect(await verify()).toMatchObject({ ok: false, problem: 'reordered', seq: 25 });
  });

  it('names a cut-off tail', async () => {
    await run('delete from messagelog_records where seq > 32');
    expect(await verify()).toMatchObject({ ok: false, problem: 'removed', seq: 33 });
  });

  it('catches a chain rewritten after a change through the batch seal', async () => {
    await run(`update messagelog_records set user_id = 'VN079000000001' where seq = 12`);
    await rechain(12);
    expect(await verify()).toMatchObject({ ok: false, problem: 'bad_seal', seq: 11, records: 19 });
  });

  it('catches a forged seal root, a flipped signature byte and a deleted seal', async () => {
    await run(`update messagelog_seals set root = '${'cd'.repeat(32)}' where first_seq = 11`);
    expect(await verify()).toMatchObject({ ok: false, problem: 'bad_seal', seq: 11 });
    await run('delete from messagelog_seals where first_seq = 11');
    await run('insert into messagelog_seals select * from snap_messagelog_seals where first_seq = 11');
    const { signature } = await db
      .selectFrom('messagelog_seals')
      .select('signature')
      .where('first_seq', '=', 21)
      .executeTakeFirstOrThrow();
    const at = signature.length - 20;
    const flipped = signature.slice(0, at) + (signature[at] === 'A' ? 'B' : 'A') + signature.slice(at + 1);
    await db
      .updateTable('messagelog_seals')
      .set({ signature: flipped })
      .where('first_seq', '=', 21)
      .execute();
    expect(await verify()).toMatchObject({ ok: false, problem: 'bad_seal', seq: 21 });
    await run('delete from messagelog_seals where first_seq = 21');
    expect(await verify()).toMatchObject({ ok: false, problem: 'bad_seal', seq: 21 });
  });
});
