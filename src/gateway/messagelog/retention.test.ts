import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyInclusion } from './inclusion.ts';
import { fill, KEYS, openTestLog, sampleEntry, type TestLog } from './test-fixtures.ts';
import { verifyLog } from './verify-log.ts';

let t: TestLog | undefined;
afterEach(async () => {
  await t?.database.close();
  t = undefined;
});

const dir = mkdtempSync(path.join(tmpdir(), 'lt-msglog-retention-'));
const verifyDb = (log: TestLog) => verifyLog({ db: log.database.db }, { publicKeyPem: KEYS.publicKeyPem });
const day = 24 * 3600_000;
const KEYS_OPT = { publicKeyPem: KEYS.publicKeyPem };

describe('message log retention', () => {
  it('purges only whole, exported, old-enough batches and the rest still verifies', async () => {
    t = await openTestLog();
    await fill(t, 30, 10); // batches 1..10, 11..20, 21..30, sealed a minute apart
    const later = new Date(t.clock.now().getTime() + day);
    expect(await t.log.purgeBefore(later)).toEqual({ batches: 0, records: 0, throughSeq: 0 });

    // An export of records 15..15 widens to its whole batch.
    const part = await t.log.exportArchive(path.join(dir, 'part.jsonl'), { fromSeq: 15, toSeq: 15 });
    expect(part).toMatchObject({ fromSeq: 11, toSeq: 20, records: 10, seals: 1 });
    const first = path.join(dir, 'first.jsonl');
    expect(await t.log.exportArchive(first, { toSeq: 12 })).toMatchObject({
      fromSeq: 1,
      toSeq: 20,
      seals: 2,
    });
    expect(await verifyLog({ archivePath: path.join(dir, 'part.jsonl') }, KEYS_OPT)).toMatchObject({
      ok: true,
      fromSeq: 11,
      toSeq: 20,
    });

    expect(await t.log.purgeBefore(later)).toEqual({ batches: 2, records: 20, throughSeq: 20 });
    expect(await t.log.status()).toMatchObject({ firstRetainedSeq: 21, lastSeq: 30 });
    expect(await verifyDb(t)).toMatchObject({ ok: true, records: 10, batches: 1, fromSeq: 21, toSeq: 30 });
    expect(await verifyLog({ archivePath: first }, KEYS_OPT)).toMatchObject({
      ok: true,
      records: 20,
      batches: 2,
    });
    await expect(t.log.proveInclusion(5)).rejects.toMatchObject({ code: 'messagelog.purged' });
    await expect(t.log.exportArchive(path.join(dir, 'gone.jsonl'), { fromSeq: 5 })).rejects.toMatchObject({
      code: 'messagelog.purged',
    });
    expect(verifyInclusion(await t.log.proveInclusion(25), KEYS.publicKeyPem)).toMatchObject({ ok: true });

    // The chain goes on from the retained start.
    await t.log.appendMany([sampleEntry(30), sampleEntry(31)]);
    t.clock.advance(60_000);
    await t.log.seal();
    await t.log.exportArchive(path.join(dir, 'rest.jsonl'));
    // Only batches sealed before the date go: 21..30 was, 31..32 was not.
    const sealedLast = new Date(t.clock.now().getTime() - 1);
    expect(await t.log.purgeBefore(sealedLast)).toEqual({ batches: 1, records: 10, throughSeq: 30 });
    expect(await verifyDb(t)).toMatchObject({ ok: true, records: 2, fromSeq: 31, toSeq: 32 });
  });

  it('detects batches dropped behind the retention marker, or a forged marker', async () => {
    t = await openTestLog();
    await fill(t, 30, 10);
    await t.log.exportArchive(path.join(dir, `all-${Date.now()}.jsonl`));
    await t.log.purgeBefore(new Date(t.clock.now().getTime() - 90_000)); // only 1..10 is old enough
    expect(await verifyDb(t)).toMatchObject({ ok: true, fromSeq: 11 });
    const db = t.database.db;
    const run = (text: string) => sql.raw(text).execute(db);

    // Dropping the next batch and moving the unsigned marker columns along.
    await run(`update messagelog_anchor set through_seq = 20,
      record_hash = (select record_hash from messagelog_records where seq = 20),
      seal_root = (select root from messagelog_seals where last_seq = 20)`);
    await run('delete from messagelog_records where seq <= 20');
    await run('delete from messagelog_seals where last_seq <= 20');
    const moved = await verifyDb(t);
    expect(moved).toMatchObject({ ok: false, problem: 'bad_seal', seq: 21 });
    expect(moved.ok || moved.detail).toContain('retention marker');

    // Resetting the marker to "nothing purged" shows the missing start instead.
    await run(`update messagelog_anchor set through_seq = 0, signature = null`);
    expect(await verifyDb(t)).toMatchObject({ ok: false, problem: 'removed', seq: 1 });
  });
});
