import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { badInput } from '../../kernel/errors.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_VERSION,
  type ArchiveHeader,
  type ArchiveSealLine,
  archiveHeaderPayload,
} from './archive-format.ts';
import { type MessageLogDb, recordFromRow, sealFromRow } from './messagelog.db.ts';
import { GENESIS_HASH, type LogRecord } from './record.ts';
import { ANCHOR_TYPE, type Anchor, ARCHIVE_TYPE, anchorPayload, type Seal } from './signature.ts';

/**
 * What the verifier reads, from the database or from an archive file, in stored order:
 * the verifier itself trusts none of it and knows nothing of where it came from.
 */
export interface SourceStart {
  /** Where the log should start; authenticated by `signed` unless it is the genesis. */
  anchor: Anchor;
  signed: { jws: string; typ: string; payload: object; what: string } | null;
  /** What the source claims about its end (database heads, or the signed archive header). */
  end: { lastSeq: number; lastRecordHash: string; sealedThrough: number; lastSealRoot: string };
  /** 'the log head' or 'the archive header', for messages. */
  endName: string;
}

export type SourceItem =
  | { record: LogRecord; body: Buffer | null }
  | { unreadable: string; seqGuess: number | null };

export interface LogSourceReader {
  start(): Promise<SourceStart>;
  seals(): Promise<Seal[]>;
  records(): AsyncIterator<SourceItem>;
}

const PAGE = 2000;

/** Reads the tables; call inside one repeatable-read transaction so heads and rows agree. */
export function databaseReader(db: MessageLogDb): LogSourceReader {
  return {
    async start() {
      const a = await db.selectFrom('messagelog_anchor').selectAll().executeTakeFirstOrThrow();
      const heads = await db.selectFrom('messagelog_heads').select(['name', 'seq', 'hash']).execute();
      const head = (name: string) => heads.find((h) => h.name === name) ?? { seq: 0, hash: GENESIS_HASH };
      const through = Number(a.through_seq);
      const anchor =
        through === 0
          ? { seq: 0, recordHash: GENESIS_HASH, sealRoot: GENESIS_HASH }
          : { seq: through, recordHash: a.record_hash, sealRoot: a.seal_root };
      const purgedAt = a.purged_at ? new Date(a.purged_at).toISOString() : '';
      return {
        anchor,
        signed:
          through === 0
            ? null
            : {
                jws: a.signature ?? '',
                typ: ANCHOR_TYPE,
                payload: anchorPayload(anchor, purgedAt),
                what: 'the retention marker (messagelog_anchor)',
              },
        end: {
          lastSeq: Number(head('records').seq),
          lastRecordHash: head('records').hash,
          sealedThrough: Number(head('seals').seq),
          lastSealRoot: head('seals').hash,
        },
        endName: 'the log head (messagelog_heads)',
      };
    },
    async seals() {
      const rows = await db.selectFrom('messagelog_seals').selectAll().orderBy('first_seq').execute();
      return rows.map(sealFromRow);
    },
    records: () => databaseRecords(db),
  };
}

async function* databaseRecords(db: MessageLogDb): AsyncGenerator<SourceItem> {
  for (let after = Number.MIN_SAFE_INTEGER; ; ) {
    const rows = await db
      .selectFrom('messagelog_records')
      .selectAll()
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const row of rows) {
      const { body, ...record } = recordFromRow(row);
      yield { record, body };
    }
    if (rows.length < PAGE) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

const RECORD_KEYS = [
  'seq',
  'messageId',
  'direction',
  'kind',
  'clientId',
  'serviceId',
  'userId',
  'issue',
  'method',
  'path',
  'status',
  'requestHash',
  'signature',
  'occurredAt',
  'loggedAt',
  'bodyMode',
  'bodySha256',
  'bodySize',
  'prevHash',
  'recordHash',
] as const;

/** Reads an archive twice: once for the header and seals (small), once streaming the records. */
export function archiveReader(path: string): LogSourceReader {
  return {
    async start() {
      let first: string | undefined;
      for await (const line of lines(path)) {
        first = line;
        break;
      }
      const h = parseHeader(first, path);
      return {
        anchor: h.anchor,
        signed: {
          jws: h.signature,
          typ: ARCHIVE_TYPE,
          payload: archiveHeaderPayload(h),
          what: 'the archive header',
        },
        end: {
          lastSeq: h.toSeq,
          lastRecordHash: h.lastRecordHash,
          sealedThrough: h.sealedToSeq,
          lastSealRoot: h.lastSealRoot,
        },
        endName: 'the archive header',
      };
    },
    async seals() {
      const seals: Seal[] = [];
      let n = 0;
      for await (const line of lines(path)) {
        if (n++ === 0 || line.startsWith('{"type":"record"')) continue;
        const value = tryParse(line) as Partial<ArchiveSealLine> | undefined;
        if (value?.type !== 'seal') continue;
        const { type: _type, ...seal } = value;
        seals.push(seal as Seal);
      }
      return seals;
    },
    records: () => archiveRecords(path),
  };
}

/** The file's lines; the file is closed when the loop over them ends, early or not. */
async function* lines(path: string): AsyncGenerator<string> {
  const input = createReadStream(path, 'utf8');
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    yield* reader;
  } finally {
    reader.close();
    input.destroy();
  }
}

async function* archiveRecords(path: string): AsyncGenerator<SourceItem> {
  let n = 0;
  let lastSeq: number | null = null;
  for await (const line of lines(path)) {
    n++;
    if (n === 1 || line.startsWith('{"type":"seal"') || line.trim() === '') continue;
    const value = tryParse(line) as Record<string, unknown> | undefined;
    if (value?.['type'] === 'seal' || value?.['type'] === 'header') continue;
    const guess = /"seq":(\d+)/.exec(line);
    const seqGuess = guess ? Number(guess[1]) : lastSeq === null ? null : lastSeq + 1;
    if (value?.['type'] !== 'record' || !Number.isSafeInteger(value['seq'])) {
      yield { unreadable: `line ${n} of the archive is not a readable record`, seqGuess };
      continue;
    }
    const record = Object.fromEntries(RECORD_KEYS.map((k) => [k, value[k] ?? null])) as unknown as LogRecord;
    const body = typeof value['body'] === 'string' ? Buffer.from(value['body'], 'base64') : null;
    lastSeq = record.seq;
    yield { record, body };
  }
}

function parseHeader(line: string | undefined, path: string): ArchiveHeader {
  const h = line === undefined ? undefined : (tryParse(line) as Partial<ArchiveHeader> | undefined);
  if (h?.type !== 'header' || h.format !== ARCHIVE_FORMAT) {
    throw badInput(
      'messagelog.not_an_archive',
      `${path} is not a message log archive: its first line must be the JSON header with format "${ARCHIVE_FORMAT}".`,
    );
  }
  if (h.version !== ARCHIVE_VERSION) {
    throw badInput(
      'messagelog.unsupported_archive',
      `${path} is a version ${String(h.version)} archive; this verifier reads version ${ARCHIVE_VERSION}.`,
    );
  }
  const numbers = [h.fromSeq, h.toSeq, h.sealedToSeq, h.seals, h.anchor?.seq];
  const strings = [h.signature, h.lastRecordHash, h.lastSealRoot, h.anchor?.recordHash, h.anchor?.sealRoot];
  if (!numbers.every((v) => Number.isSafeInteger(v)) || !strings.every((v) => typeof v === 'string')) {
    throw badInput(
      'messagelog.not_an_archive',
      `The header of ${path} is incomplete: fromSeq, toSeq, sealedToSeq, seals, anchor, lastRecordHash, lastSealRoot and signature are all required.`,
    );
  }
  return h as ArchiveHeader;
}

function tryParse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
