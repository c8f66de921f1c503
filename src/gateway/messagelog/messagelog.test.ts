import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { flattenedVerify, importSPKI } from 'jose';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyInclusion } from './inclusion.ts';
import { sha256Hex } from './record.ts';
import { sealPayload } from './signature.ts';
import { CLIENT, fill, KEYS, OTHER_KEYS, openTestLog, sampleEntry, type TestLog } from './test-fixtures.ts';
import { verifyLog } from './verify-log.ts';

let t: TestLog | undefined;
afterEach(async () => {
  await t?.database.close();
  t = undefined;
});

const tmpFile = (name: string) => path.join(mkdtempSync(path.join(tmpdir(), 'lt-msglog-')), name);

describe('message log', () => {
  it('appends, seals, proves, exports and verifies a log end to end', async () => {
    t = await openTestLog();
    expect(await verifyLog({ db: t.database.db }, { publicKeyPem: KEYS.publicKeyPem })).toEqual({
      ok: true,
      records: 0,
      batches: 0,
      fromSeq: 1,
      toSeq: 0,
      warnings: [],
    });
    const first = await t.log.append(sampleEntry(0));
    expect(first.seq).toBe(1);
    const more = await t.log.appendMany([sampleEntry(1), sampleEntry(2), sampleEntry(3), sampleEntry(4)]);
    expect(more.map((a) => a.seq)).toEqual([2, 3, 4, 5]);
    t.clock.advance(60_000);
    const [seal] = await t.log.seal();
    expect(seal).toMatchObject({ firstSeq: 1, lastSeq: 5, prevRoot: '0'.repeat(64), keyId: t.log.keyId });
    expect(await t.log.seal()).toEqual([]);

    for (let seq = 1; seq <= 5; seq++) {
      const proof = await t.log.proveInclusion(seq);
      expect(proof.record.seq).toBe(seq);
      expect(proof.record).not.toHaveProperty('body');
      expect(verifyInclusion(proof, KEYS.publicKeyPem)).toMatchObject({ ok: true, seq });
    }

    // The seal is a standard detached ES256 JWS: any JOSE library verifies it.
    const [protectedHeader, , signature] = seal!.signature.split('.');
    const payload = Buffer.from(JSON.stringify(sealPayload(seal!))).toString('base64url');
    const checked = await flattenedVerify(
      { protected: protectedHeader!, payload, signature: signature! },
      await importSPKI(KEYS.publicKeyPem, 'ES256'),
    );
    expect(checked.protectedHeader).toMatchObject({ alg: 'ES256', kid: t.log.keyId });

    expect(await verifyLog({ db: t.database.db }, { publicKeyPem: KEYS.publicKeyPem })).toEqual({
      ok: true,
      records: 5,
      batches: 1,
      fromSeq: 1,
      toSeq: 5,
      warnings: [],
    });
    const file = tmpFile('log.jsonl');
    const summary = await t.log.exportArchive(file);
    expect(summary).toMatchObject({ fromSeq: 1, toSeq: 5, sealedToSeq: 5, records: 5, seals: 1 });
    expect(summary.sha256).toBe(sha256Hex(readFileSync(file)));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).type)).toEqual(['header', ...Array(5).fill('record'), 'seal']);
    expect(JSON.parse(lines[0]!)).toMatchObject({ publicKeyPem: KEYS.publicKeyPem, fromSeq: 1, toSeq: 5 });
    expect(await verifyLog({ archivePath: file }, { publicKeyPem: KEYS.publicKeyPem })).toMatchObject({
      ok: true,
      records: 5,
      batches: 1,
    });
    await expect(t.log.exportArchive(file)).rejects.toMatchObject({ code: 'messagelog.archive_exists' });
  });

  it('keeps the body, its digest or neither, per subsystem body mode', async () => {
    const provider = 'VN/GOV/000.00.00.G01/DANCU';
    t = await openTestLog({
      bodyModes: { default: 'metadata', subsystems: { [CLIENT]: 'full', [provider]: 'off' } },
    });
    const body = '{"name":"Trần Thị B"}';
    const size = Buffer.byteLength(body);
    await t.log.appendMany([
      sampleEntry(1, { body }),
      sampleEntry(1, { body, direction: 'provider' }),
      sampleEntry(1, { body, clientId: 'VN/GOV/000.00.00.G09/OTHER' }),
      sampleEntry(1, { body: null, bodyDigest: { sha256: sha256Hex(body), size } }),
    ]);
    const rows = await t.database.db
      .selectFrom('messagelog_records')
      .select(['body_mode', 'body_sha256', 'body_size', 'body'])
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => [r.body_mode, r.body_sha256, Number(r.body_size)])).toEqual([
      ['full', sha256Hex(body), size],
      ['off', null, size],
      ['metadata', sha256Hex(body), size],
      ['metadata', sha256Hex(body), size],
    ]);
    expect(Buffer.from(rows[0]!.body!).toString('utf8')).toBe(body);
    expect(rows.slice(1).every((r) => r.body === null)).toBe(true);
    await t.log.seal();
    expect(await verifyLog({ db: t.database.db }, { publicKeyPem: KEYS.publicKeyPem })).toMatchObject({
      ok: true,
    });
  });

  it('refuses a malformed entry with the field named, without failing the appends around it', async () => {
    t = await openTestLog();
    const results = await Promise.allSettled([
      t.log.append(sampleEntry(0)),
      t.log.append(sampleEntry(1, { status: 42 })),
      t.log.append(sampleEntry(2, { method: 'get' })),
      t.log.append(sampleEntry(3, { userId: 'VN\u0000' })),
      t.log.appendMany([sampleEntry(4, { messageId: '' })]),
      t.log.append(sampleEntry(5, { bodyDigest: { sha256: 'ab', size: 1 }, body: null })),
      t.log.append(sampleEntry(6)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', ...Array(5).fill('rejected'), 'fulfilled']);
    const fields = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r.reason as { details: unknown }).details);
    expect(fields).toEqual([
      { field: 'status' },
      { field: 'method' },
      { field: 'userId' },
      { field: 'messageId' },
      { field: 'bodyDigest.sha256' },
    ]);
    expect(
      [results[0], results[6]].map((r) => (r as PromiseFulfilledResult<{ seq: number }>).value.seq),
    ).toEqual([1, 2]);
  });

  it('keeps the chain gap-free under concurrent appends, from one instance and from several', async () => {
    t = await openTestLog();
    const nodeB = t.another();
    const nodeC = t.another();
    const results = await Promise.all([
      ...Array.from({ length: 200 }, (_, i) => t!.log.append(sampleEntry(i))),
      ...Array.from({ length: 60 }, (_, i) => nodeB.append(sampleEntry(i))),
      ...Array.from({ length: 6 }, (_, i) =>
        nodeC.appendMany(Array.from({ length: 10 }, (_, k) => sampleEntry(i * 10 + k))),
      ),
      t.log.seal(),
      nodeB.seal(),
    ]);
    const seqs = results
      .slice(0, 260)
      .map((a) => (a as { seq: number }).seq)
      .concat(results.slice(260, 266).flatMap((batch) => (batch as { seq: number }[]).map((a) => a.seq)));
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: 320 }, (_, i) => i + 1));
    for (const batch of results.slice(260, 266) as { seq: number }[][]) {
      expect(batch.map((a) => a.seq - batch[0]!.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    }
    // Taking turns: each node's remembered head is stale every time, so each append falls back
    // from the one-statement write to the locked one.
    for (let i = 0; i < 6; i++) {
      expect(await (i % 2 === 0 ? t.log : nodeB).append(sampleEntry(i))).toMatchObject({ seq: 321 + i });
    }
    await t.log.seal();
    const verified = await verifyLog({ db: t.database.db }, { publicKeyPem: KEYS.publicKeyPem });
    expect(verified).toMatchObject({ ok: true, records: 326, toSeq: 326, warnings: [] });
  });

  it('warns about an unsealed tail without failing', async () => {
    t = await openTestLog();
    await fill(t, 6, 3);
    await t.log.appendMany([sampleEntry(6), sampleEntry(7)]);
    expect(await verifyLog({ db: t.database.db }, { publicKeyPem: KEYS.publicKeyPem })).toEqual({
      ok: true,
      records: 8,
      batches: 2,
      fromSeq: 1,
      toSeq: 8,
      warnings: [{ problem: 'unsealed_tail', seq: 7, detail: expect.stringContaining('7..8') }],
    });
    expect(await t.log.status()).toEqual({ lastSeq: 8, sealedThrough: 6, unsealed: 2, firstRetainedSeq: 1 });
    await expect(t.log.proveInclusion(7)).rejects.toMatchObject({ code: 'messagelog.not_sealed' });
    await expect(t.log.proveInclusion(99)).rejects.toMatchObject({ code: 'messagelog.unknown_record' });
  });

  it('detects a bad seal signature and a forged inclusion proof', async () => {
    t = await openTestLog();
    await fill(t, 9, 3);
    const proof = await t.log.proveInclusion(5);
    expect(verifyInclusion(proof, OTHER_KEYS.publicKeyPem)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    const forged = structuredClone(proof);
    forged.record.userId = 'VN079000000001';
    expect(verifyInclusion(forged, KEYS.publicKeyPem)).toMatchObject({ ok: false, reason: 'record_altered' });
    const moved = structuredClone(proof);
    moved.index = 0;
    expect(verifyInclusion(moved, KEYS.publicKeyPem)).toMatchObject({ ok: false, reason: 'wrong_position' });
    const bent = structuredClone(proof);
    bent.proof[0] = '0'.repeat(64);
    expect(verifyInclusion(bent, KEYS.publicKeyPem)).toMatchObject({ ok: false, reason: 'not_in_batch' });
    const truncated = structuredClone(proof);
    truncated.batch.signature = truncated.batch.signature.slice(0, -10);
    expect(verifyInclusion(truncated, KEYS.publicKeyPem)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyInclusion({ version: 1 } as never, KEYS.publicKeyPem)).toMatchObject({
      reason: 'malformed',
    });
    const redated = structuredClone(proof);
    redated.batch.sealedAt = '2020-01-01T00:00:00.000Z';
    expect(verifyInclusion(redated, KEYS.publicKeyPem)).toMatchObject({ ok: false, reason: 'bad_signature' });

    // A signature made by another key over the same fields, swapped in with SQL.
    const other = await openTestLog({ signingKeyPem: OTHER_KEYS.privateKeyPem });
    other.clock.advance(1);
    await fill(other, 6, 3);
    const foreign = await other.database.db
      .selectFrom('messagelog_seals')
      .select('signature')
      .where('first_seq', '=', 4)
      .executeTakeFirstOrThrow();
    await other.database.close();
    await sql`update messagelog_seals set signature = ${foreign.signature} where first_seq = 4`.execute(
      t.database.db,
    );
    const result = await verifyLog({ db: t.database.db }, { publicKeyPem: KEYS.publicKeyPem });
    expect(result).toMatchObject({ ok: false, problem: 'bad_seal', seq: 4, records: 3, batches: 1 });
    expect(result.ok || result.detail).toContain('not among the given public keys');
    // With both keys trusted, the foreign key's signature is still over other fields.
    const both = await verifyLog(
      { db: t.database.db },
      { publicKeyPem: [KEYS.publicKeyPem, OTHER_KEYS.publicKeyPem] },
    );
    expect(both).toMatchObject({ ok: false, problem: 'bad_seal', seq: 4 });
    expect(both.ok || both.detail).toContain('does not match the signed fields');
  });
});
