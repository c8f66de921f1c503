import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { open, rm } from 'node:fs/promises';
import { AppError, badInput, conflict } from '../../kernel/errors.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveHeader,
  archiveHeaderPayload,
  recordLine,
  sealLine,
} from './archive-format.ts';
import type { LogContext } from './context.ts';
import { type MessageLogDb, recordFromRow, sealFromRow } from './messagelog.db.ts';
import { GENESIS_HASH } from './record.ts';
import { ARCHIVE_TYPE, signDetached } from './signature.ts';

export interface ExportRange {
  /** Widened to the start of the batch holding it; default the first retained record. */
  fromSeq?: number | undefined;
  /** Widened to the end of the batch holding it; default the last sealed (or logged) record. */
  toSeq?: number | undefined;
  /** Also export records not sealed yet (they are covered by the signed header only). */
  includeUnsealed?: boolean | undefined;
}

export interface ArchiveSummary {
  fromSeq: number;
  toSeq: number;
  sealedToSeq: number;
  records: number;
  seals: number;
  /** SHA-256 of the archive bytes, hex; recorded for retention. */
  sha256: string;
}

const PAGE = 1000;

/**
 * Writes the archive to a new file (never over an existing one: it may be evidence) or to a
 * stream, which is left open. The export is recorded once every line is written (and the
 * file synced), and only recorded exports let `purgeBefore` drop batches.
 */
export async function exportArchive(
  ctx: LogContext,
  to: string | NodeJS.WritableStream,
  range: ExportRange = {},
): Promise<ArchiveSummary> {
  const plan = await planExport(ctx.db, range);
  const exportedAt = ctx.clock.now().toISOString();
  const unsigned: Omit<ArchiveHeader, 'signature'> = {
    type: 'header',
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    exportedAt,
    keyId: ctx.key.keyId,
    publicKeyPem: ctx.key.publicKeyPem,
    certificatePem: ctx.certificatePem ?? null,
    ...plan,
  };
  const header: ArchiveHeader = {
    ...unsigned,
    signature: signDetached(ctx.key, ARCHIVE_TYPE, archiveHeaderPayload(unsigned)),
  };
  const out = await openSink(to);
  const hash = createHash('sha256');
  const write = async (line: string) => {
    const text = `${line}\n`;
    hash.update(text);
    await out.write(text);
  };
  let records = 0;
  try {
    await write(JSON.stringify(header));
    for (let after = plan.fromSeq - 1; ; ) {
      const rows = await ctx.db
        .selectFrom('messagelog_records')
        .selectAll()
        .where('seq', '>', after)
        .where('seq', '<=', plan.toSeq)
        .orderBy('seq')
        .limit(PAGE)
        .execute();
      // Written as stored, even if damaged: the archive is what an auditor verifies.
      for (const row of rows) {
        const { body, ...record } = recordFromRow(row);
        await write(recordLine(record, body));
        records++;
      }
      if (rows.length < PAGE) break;
      after = Number(rows[rows.length - 1]!.seq);
    }
    for (const seal of plan.sealList) await write(sealLine(seal));
    await out.finish();
  } catch (err) {
    await out.abort();
    throw err;
  }
  const sha256 = hash.digest('hex');
  await ctx.db
    .insertInto('messagelog_exports')
    .values({
      from_seq: plan.fromSeq,
      sealed_to_seq: plan.sealedToSeq,
      records,
      archive_sha256: sha256,
      exported_at: exportedAt,
    })
    .execute();
  return {
    fromSeq: plan.fromSeq,
    toSeq: plan.toSeq,
    sealedToSeq: plan.sealedToSeq,
    records,
    seals: plan.seals,
    sha256,
  };
}

async function planExport(db: MessageLogDb, range: ExportRange) {
  const anchor = await db.selectFrom('messagelog_anchor').selectAll().executeTakeFirstOrThrow();
  const heads = await db.selectFrom('messagelog_heads').select(['name', 'seq', 'hash']).execute();
  const head = (name: string) => heads.find((h) => h.name === name)!;
  const start = Number(anchor.through_seq) + 1;
  const sealedHead = Number(head('seals').seq);
  const upper = range.includeUnsealed ? Number(head('records').seq) : sealedHead;
  for (const [name, v] of [
    ['fromSeq', range.fromSeq],
    ['toSeq', range.toSeq],
  ] as const) {
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) {
      throw badInput('messagelog.invalid_range', `Export ${name} must be a positive integer, got ${v}.`);
    }
  }
  let fromSeq = range.fromSeq ?? start;
  let toSeq = range.toSeq ?? upper;
  if (fromSeq < start) {
    throw new AppError(
      'gone',
      'messagelog.purged',
      `Records before ${start} were purged; export from ${start} or later.`,
      { details: { firstRetainedSeq: start } },
    );
  }
  if (toSeq > upper) {
    throw conflict(
      'messagelog.not_sealed',
      range.includeUnsealed
        ? `Export toSeq ${toSeq} is past the last logged record ${upper}.`
        : `Records after ${upper} are not sealed yet; call seal() first or set includeUnsealed.`,
      { lastSeq: upper },
    );
  }
  const batchOf = (seq: number) =>
    db
      .selectFrom('messagelog_seals')
      .selectAll()
      .where('first_seq', '<=', seq)
      .where('last_seq', '>=', seq)
      .executeTakeFirst();
  if (fromSeq <= sealedHead) fromSeq = Number((await batchOf(fromSeq))?.first_seq ?? fromSeq);
  if (toSeq <= sealedHead) toSeq = Number((await batchOf(toSeq))?.last_seq ?? toSeq);
  if (fromSeq > toSeq) {
    throw conflict('messagelog.nothing_to_export', `There are no records ${fromSeq}..${toSeq} to export.`);
  }
  const sealList = (
    await db
      .selectFrom('messagelog_seals')
      .selectAll()
      .where('first_seq', '>=', fromSeq)
      .where('last_seq', '<=', toSeq)
      .orderBy('first_seq')
      .execute()
  ).map(sealFromRow);
  const hashAt = async (seq: number) =>
    (
      await db
        .selectFrom('messagelog_records')
        .select('record_hash')
        .where('seq', '=', seq)
        .executeTakeFirst()
    )?.record_hash;
  const sealEndingAt = async (seq: number) =>
    (await db.selectFrom('messagelog_seals').select('root').where('last_seq', '=', seq).executeTakeFirst())
      ?.root;
  const anchorAt =
    fromSeq === start
      ? { seq: fromSeq - 1, recordHash: anchor.record_hash, sealRoot: anchor.seal_root }
      : {
          seq: fromSeq - 1,
          recordHash: (await hashAt(fromSeq - 1)) ?? GENESIS_HASH,
          sealRoot: (await sealEndingAt(fromSeq - 1)) ?? sealList[0]?.prevRoot ?? head('seals').hash,
        };
  const lastSeal = sealList[sealList.length - 1];
  return {
    fromSeq,
    toSeq,
    sealedToSeq: lastSeal?.lastSeq ?? fromSeq - 1,
    anchor: anchorAt,
    lastRecordHash: (await hashAt(toSeq)) ?? GENESIS_HASH,
    seals: sealList.length,
    lastSealRoot: lastSeal?.root ?? anchorAt.sealRoot,
    sealList,
  };
}

interface Sink {
  write(text: string): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
}

async function openSink(to: string | NodeJS.WritableStream): Promise<Sink> {
  if (typeof to !== 'string') {
    return {
      write: async (text) => {
        if (!to.write(text)) await once(to as NodeJS.EventEmitter, 'drain');
      },
      finish: async () => {},
      abort: async () => {},
    };
  }
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(to, 'wx');
  } catch (err) {
    throw conflict(
      'messagelog.archive_exists',
      `Cannot create the archive file ${to}: ${(err as Error).message}. Archives are never overwritten; choose a new file name.`,
    );
  }
  // Lines are gathered into large writes; one write per line would dominate the export time.
  let buffer: string[] = [];
  let size = 0;
  const flush = async () => {
    if (size === 0) return;
    await file.write(buffer.join(''));
    buffer = [];
    size = 0;
  };
  return {
    write: async (text) => {
      buffer.push(text);
      size += text.length;
      if (size >= 1 << 20) await flush();
    },
    finish: async () => {
      await flush();
      await file.sync();
      await file.close();
    },
    abort: async () => {
      // A partial archive would only mislead whoever finds it later.
      await file.close().catch(() => {});
      await rm(to, { force: true });
    },
  };
}
