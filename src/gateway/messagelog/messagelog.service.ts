import type { Kysely } from 'kysely';
import type { Clock } from '../../kernel/clock.ts';
import { AppError, badInput } from '../../kernel/errors.ts';
import { type Appended, appendLocked, type Head, tryAppendAt } from './append.ts';
import { type ArchiveSummary, type ExportRange, exportArchive } from './archive-export.ts';
import type { LogContext } from './context.ts';
import { type InclusionProof, proveInclusion } from './inclusion.ts';
import { merkleRoot } from './merkle.ts';
import { asLogDb, type MessageLogDb, type MessageLogTables } from './messagelog.db.ts';
import {
  BODY_MODES,
  type BodyMode,
  type BodyModePolicy,
  bodyModeFor,
  type LogEntry,
  type PreparedRecord,
  prepareRecord,
} from './record.ts';
import { type PurgeResult, purgeBefore } from './retention.ts';
import { loadSigningKey, SEAL_TYPE, type Seal, sealPayload, signDetached } from './signature.ts';

export interface MessageLogOptions<DB extends MessageLogTables = MessageLogTables> {
  /** The gateway's database (migrated with GATEWAY_MESSAGELOG_MIGRATIONS); it may hold other tables. */
  db: Kysely<DB>;
  clock: Clock;
  /** The gateway's P-256 signing key, unencrypted PKCS#8 PEM. */
  signingKeyPem: string;
  /** The certificate of that key, copied into archive headers for auditors. */
  certificatePem?: string | undefined;
  /** Body logging per subsystem; default `metadata` for all. */
  bodyModes?: BodyModePolicy | undefined;
  /** Most records under one seal (default 100 000); `seal()` makes several batches beyond it. */
  maxBatchSize?: number | undefined;
}

export type { Appended } from './append.ts';

export interface LogStatus {
  /** Last record appended (0 when none). */
  lastSeq: number;
  /** Last record under a seal. */
  sealedThrough: number;
  unsealed: number;
  /** First record still in the database (earlier ones were purged after export). */
  firstRetainedSeq: number;
}

export interface MessageLog {
  /** Logs one message; resolves once the record is committed. */
  append(entry: LogEntry): Promise<Appended>;
  /** Logs several messages in one transaction, in order. */
  appendMany(entries: readonly LogEntry[]): Promise<Appended[]>;
  /** Seals every record not yet sealed; returns the seals made (none when nothing was pending). */
  seal(): Promise<Seal[]>;
  proveInclusion(seq: number): Promise<InclusionProof>;
  exportArchive(to: string | NodeJS.WritableStream, range?: ExportRange): Promise<ArchiveSummary>;
  purgeBefore(date: Date): Promise<PurgeResult>;
  /** Where the log stands (for metrics such as the unsealed backlog). */
  status(): Promise<LogStatus>;
  /** The key id and public key seals are signed with. */
  readonly keyId: string;
  readonly publicKeyPem: string;
}

/** Records one group commit gathers (a single appendMany may be larger). */
const GROUP_LIMIT = 1000;

export function createMessageLog<DB extends MessageLogTables>(options: MessageLogOptions<DB>): MessageLog {
  const key = loadSigningKey(options.signingKeyPem);
  const ctx: LogContext = {
    db: asLogDb(options.db),
    clock: options.clock,
    key,
    certificatePem: options.certificatePem,
  };
  const policy = options.bodyModes ?? { default: 'metadata' };
  for (const [where, mode] of [['default', policy.default], ...Object.entries(policy.subsystems ?? {})]) {
    if (!BODY_MODES.includes(mode as BodyMode)) {
      throw badInput(
        'messagelog.invalid_option',
        `Body mode for ${where} is "${String(mode)}"; use one of ${BODY_MODES.join(', ')}.`,
      );
    }
  }
  const maxBatch = options.maxBatchSize ?? 100_000;
  if (!Number.isInteger(maxBatch) || maxBatch < 1) {
    throw badInput('messagelog.invalid_option', 'maxBatchSize must be a positive integer.');
  }

  // The head this instance wrote last: the next group goes in one statement after it (append.ts).
  let head: Head | null = null;
  const write = async (records: PreparedRecord[]): Promise<Appended[]> => {
    const known = head;
    head = null;
    const done =
      (known && (await tryAppendAt(ctx.db, known, records))) || (await appendLocked(ctx.db, records));
    head = done.head;
    return done.out;
  };
  // Group commit: appends that arrive while a write is running are written together in the
  // next one. Each caller still waits for the commit holding its records, so durability is
  // unchanged, but concurrent appends cost one round trip and fsync per group, not each.
  type Job = { records: PreparedRecord[]; resolve(a: Appended[]): void; reject(e: unknown): void };
  const queue: Job[] = [];
  let writing = false;
  const drain = async (): Promise<void> => {
    writing = true;
    try {
      while (queue.length > 0) {
        const group: Job[] = [];
        let size = 0;
        while (queue.length > 0 && (group.length === 0 || size + queue[0]!.records.length <= GROUP_LIMIT)) {
          const job = queue.shift()!;
          group.push(job);
          size += job.records.length;
        }
        try {
          const written = await write(group.flatMap((j) => j.records));
          let at = 0;
          for (const job of group) {
            job.resolve(written.slice(at, at + job.records.length));
            at += job.records.length;
          }
        } catch (err) {
          for (const job of group) job.reject(err);
        }
      }
    } finally {
      writing = false;
    }
  };
  const enqueue = (entries: readonly LogEntry[]): Promise<Appended[]> => {
    // Prepared (and so validated) before queueing: one caller's bad entry must not fail a group.
    const loggedAt = ctx.clock.now();
    const records = entries.map((e) => prepareRecord(e, bodyModeFor(policy, e), loggedAt));
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      queue.push({ records, resolve, reject });
      if (!writing) void drain();
    });
  };

  return {
    keyId: key.keyId,
    publicKeyPem: key.publicKeyPem,
    append: async (entry) => (await enqueue([entry]))[0]!,
    appendMany: async (entries) => enqueue(entries),
    seal: () => sealPending(ctx, maxBatch),
    proveInclusion: (seq) => proveInclusion(ctx.db, seq),
    exportArchive: (to, range) => exportArchive(ctx, to, range),
    purgeBefore: (date) => purgeBefore(ctx, date),
    status: () => logStatus(ctx.db),
  };
}

async function logStatus(db: MessageLogDb): Promise<LogStatus> {
  const heads = await db.selectFrom('messagelog_heads').select(['name', 'seq']).execute();
  const anchor = await db.selectFrom('messagelog_anchor').select('through_seq').executeTakeFirstOrThrow();
  const seqOf = (name: string) => Number(heads.find((h) => h.name === name)?.seq ?? 0);
  return {
    lastSeq: seqOf('records'),
    sealedThrough: seqOf('seals'),
    unsealed: seqOf('records') - seqOf('seals'),
    firstRetainedSeq: Number(anchor.through_seq) + 1,
  };
}

async function sealPending(ctx: LogContext, maxBatch: number): Promise<Seal[]> {
  const made: Seal[] = [];
  for (;;) {
    const seal = await sealOnce(ctx, maxBatch);
    if (!seal) return made;
    made.push(seal);
  }
}

/**
 * Seals the next batch under the 'seals' head row lock, so two sealers (a timer and a manual
 * call, or two nodes) never seal overlapping ranges. Appends go on meanwhile: they lock the
 * other head row, and the batch ends at the last record committed when it started.
 */
async function sealOnce(ctx: LogContext, maxBatch: number): Promise<Seal | null> {
  return ctx.db.transaction().execute(async (tx) => {
    const sealed = await tx
      .selectFrom('messagelog_heads')
      .select(['seq', 'hash'])
      .where('name', '=', 'seals')
      .forUpdate()
      .executeTakeFirstOrThrow();
    const appended = await tx
      .selectFrom('messagelog_heads')
      .select('seq')
      .where('name', '=', 'records')
      .executeTakeFirstOrThrow();
    const firstSeq = Number(sealed.seq) + 1;
    const lastSeq = Math.min(Number(appended.seq), Number(sealed.seq) + maxBatch);
    if (lastSeq < firstSeq) return null;
    const rows = await tx
      .selectFrom('messagelog_records')
      .select(['seq', 'record_hash'])
      .where('seq', '>=', firstSeq)
      .where('seq', '<=', lastSeq)
      .orderBy('seq')
      .execute();
    rows.forEach((row, i) => {
      if (Number(row.seq) !== firstSeq + i) throw chainBroken(firstSeq + i);
    });
    if (rows.length !== lastSeq - firstSeq + 1) throw chainBroken(firstSeq + rows.length);
    const fields = {
      firstSeq,
      lastSeq,
      root: merkleRoot(rows.map((r) => r.record_hash)),
      prevRoot: sealed.hash,
      sealedAt: ctx.clock.now().toISOString(),
    };
    const seal: Seal = {
      ...fields,
      keyId: ctx.key.keyId,
      signature: signDetached(ctx.key, SEAL_TYPE, sealPayload(fields)),
    };
    await tx
      .insertInto('messagelog_seals')
      .values({
        first_seq: seal.firstSeq,
        last_seq: seal.lastSeq,
        root: seal.root,
        prev_root: seal.prevRoot,
        sealed_at: seal.sealedAt,
        key_id: seal.keyId,
        signature: seal.signature,
      })
      .execute();
    await tx
      .updateTable('messagelog_heads')
      .set({ seq: lastSeq, hash: seal.root })
      .where('name', '=', 'seals')
      .execute();
    return seal;
  });
}

function chainBroken(seq: number): AppError {
  return new AppError(
    'internal',
    'messagelog.chain_broken',
    `Cannot seal: message log record ${seq} is missing from the database although later records exist. Run the log verifier (verifyLog) to find out what was changed.`,
    { details: { seq } },
  );
}
