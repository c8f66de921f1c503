import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveAndPurge } from './archiver.ts';
import { verifyLog } from './messagelog/index.ts';
import { fill, KEYS, openTestLog, type TestLog } from './messagelog/test-fixtures.ts';

describe('message log retention', () => {
  let t: TestLog | undefined;
  afterEach(async () => {
    await t?.database.close();
  });

  it('exports sealed records to verifiable archives and purges only what an archive holds and retention allows', async () => {
    t = await openTestLog();
    const dir = mkdtempSync(path.join(tmpdir(), 'lt-archive-'));
    await fill(t, 40, 10);
    const policy = { dir, keepDays: 30 };

    const first = await archiveAndPurge(t.log, t.database.db, t.clock, policy);
    expect(first.archive).toMatchObject({ fromSeq: 1, sealedToSeq: 40, records: 40 });
    expect(first.purged.records).toBe(0); // nothing is 30 days old yet
    expect(
      await verifyLog({ archivePath: first.archive!.file }, { publicKeyPem: KEYS.publicKeyPem }),
    ).toMatchObject({ ok: true });

    // Nothing new sealed: no new archive.
    expect((await archiveAndPurge(t.log, t.database.db, t.clock, policy)).archive).toBeNull();

    // Later records, then the first ones age out.
    t.clock.advance(31 * 86_400_000);
    await fill(t, 20, 10);
    const later = await archiveAndPurge(t.log, t.database.db, t.clock, policy);
    expect(later.archive).toMatchObject({ fromSeq: 41, sealedToSeq: 60 });
    expect(later.purged.records).toBe(40);
    expect(readdirSync(dir)).toHaveLength(2);
    // What stays in the database still verifies on its own.
    expect(await verifyLog({ db: t.database.db }, { publicKeyPem: KEYS.publicKeyPem })).toMatchObject({
      ok: true,
    });
    expect((await t.log.status()).firstRetainedSeq).toBe(41);
  });
});
