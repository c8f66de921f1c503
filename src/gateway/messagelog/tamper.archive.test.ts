import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeRecordHash } from './record.ts';
import { fill, KEYS, OTHER_KEYS, openTestLog, sampleEntry } from './test-fixtures.ts';
import { type VerifyLogResult, verifyLog } from './verify-log.ts';

/**
 * Tampering with an exported archive file: records 1..30 sealed in batches of ten and
 * 31..35 unsealed. Line 0 is the header, lines 1..35 the records (line n = seq n), then seals.
 */
const dir = mkdtempSync(path.join(tmpdir(), 'lt-msglog-archive-'));
let lines: string[];
let close: () => Promise<void>;

beforeAll(async () => {
  const t = await openTestLog();
  close = () => t.database.close();
  await fill(t, 30, 10);
  await t.log.appendMany(Array.from({ length: 5 }, (_, i) => sampleEntry(30 + i)));
  const file = path.join(dir, 'pristine.jsonl');
  await t.log.exportArchive(file, { includeUnsealed: true });
  lines = readFileSync(file, 'utf8').trimEnd().split('\n');
});
afterAll(async () => {
  await close();
});

let n = 0;
async function verifyLines(changed: string[], publicKeyPem = KEYS.publicKeyPem): Promise<VerifyLogResult> {
  const file = path.join(dir, `case-${n++}.jsonl`);
  writeFileSync(file, `${changed.join('\n')}\n`);
  return verifyLog({ archivePath: file }, { publicKeyPem });
}

const edit = (index: number, change: (o: Record<string, unknown>) => void): string[] => {
  const copy = [...lines];
  const o = JSON.parse(copy[index]!);
  change(o);
  copy[index] = JSON.stringify(o);
  return copy;
};

describe('archive verification after tampering with the file', () => {
  it('passes the untouched archive, with its unsealed tail as a warning', async () => {
    expect(lines).toHaveLength(1 + 35 + 3);
    expect(await verifyLines(lines)).toMatchObject({
      ok: true,
      records: 35,
      batches: 3,
      warnings: [{ seq: 31 }],
    });
  });

  it('names an edited field and an edited body', async () => {
    expect(await verifyLines(edit(12, (o) => (o['userId'] = 'VN079000000001')))).toMatchObject({
      ok: false,
      problem: 'altered',
      seq: 12,
    });
    const body = Buffer.from('{"forged":true}').toString('base64');
    expect(await verifyLines(edit(14, (o) => (o['body'] = body)))).toMatchObject({
      problem: 'altered',
      seq: 14,
    });
  });

  it('names an unreadable line', async () => {
    const copy = [...lines];
    copy[20] = copy[20]!.slice(0, 40);
    expect(await verifyLines(copy)).toMatchObject({ ok: false, problem: 'altered', seq: 20 });
  });

  it('names a deleted line', async () => {
    expect(await verifyLines(lines.filter((_, i) => i !== 15))).toMatchObject({
      ok: false,
      problem: 'removed',
      seq: 15,
    });
  });

  it('names a duplicated line and a forged line put before the genuine one', async () => {
    const duplicated = [...lines.slice(0, 16), lines[15]!, ...lines.slice(16)];
    expect(await verifyLines(duplicated)).toMatchObject({ ok: false, problem: 'inserted', seq: 15 });
    const forged = JSON.parse(lines[15]!);
    forged.path = '/persons/079000000001';
    expect(
      await verifyLines([...lines.slice(0, 15), JSON.stringify(forged), ...lines.slice(15)]),
    ).toMatchObject({
      problem: 'inserted',
      seq: 15,
    });
    // A careful forger gives the forged line a correct hash; the genuine line then repeats its seq.
    const { type: _t, body: _b, prevHash, recordHash: _r, ...fields } = forged;
    forged.recordHash = computeRecordHash(fields, prevHash);
    expect(
      await verifyLines([...lines.slice(0, 15), JSON.stringify(forged), ...lines.slice(15)]),
    ).toMatchObject({
      problem: 'inserted',
      seq: 15,
    });
  });

  it('names swapped lines as reordered', async () => {
    const copy = [...lines];
    [copy[5], copy[8]] = [copy[8]!, copy[5]!];
    expect(await verifyLines(copy)).toMatchObject({ ok: false, problem: 'reordered', seq: 5 });
  });

  it('names records cut off the end, and records added to it', async () => {
    expect(await verifyLines([...lines.slice(0, 33), ...lines.slice(36)])).toMatchObject({
      ok: false,
      problem: 'removed',
      seq: 33,
    });
    const extra = JSON.parse(lines[35]!);
    const prevHash = extra.recordHash;
    const { type: _t, body: _b, prevHash: _p, recordHash: _r, ...fields } = { ...extra, seq: 36 };
    const added = { ...extra, seq: 36, prevHash, recordHash: computeRecordHash(fields, prevHash) };
    expect(
      await verifyLines([...lines.slice(0, 36), JSON.stringify(added), ...lines.slice(36)]),
    ).toMatchObject({
      problem: 'inserted',
      seq: 36,
    });
  });

  it('names bad seals: a changed signature, a removed seal line, a changed header, a wrong key', async () => {
    expect(
      await verifyLines(
        edit(37, (o) => {
          const s = String(o['signature']);
          o['signature'] = s.slice(0, 30) + (s[30] === 'A' ? 'B' : 'A') + s.slice(31);
        }),
      ),
    ).toMatchObject({ ok: false, problem: 'bad_seal', seq: 11 });
    expect(await verifyLines(lines.filter((_, i) => i !== 37))).toMatchObject({
      problem: 'bad_seal',
      seq: 11,
    });
    expect(await verifyLines(lines.slice(0, 38))).toMatchObject({ problem: 'bad_seal', seq: 21 });
    expect(await verifyLines(edit(0, (o) => (o['toSeq'] = 33)))).toMatchObject({
      problem: 'bad_seal',
      seq: 1,
    });
    const wrongKey = await verifyLines(lines, OTHER_KEYS.publicKeyPem);
    expect(wrongKey).toMatchObject({ ok: false, problem: 'bad_seal', seq: 1 });
    expect(wrongKey.ok || wrongKey.detail).toContain('not among the given public keys');
  });

  it('refuses a file that is not an archive', async () => {
    await expect(verifyLines(lines.slice(1))).rejects.toMatchObject({ code: 'messagelog.not_an_archive' });
  });
});
