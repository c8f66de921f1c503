import type { Kysely } from 'kysely';
import { merkleRoot } from './merkle.ts';
import { asLogDb, type MessageLogTables } from './messagelog.db.ts';
import { type LogRecord, recordHashMatches, sha256Hex } from './record.ts';
import {
  checkDetached,
  loadVerifyingKeys,
  SEAL_TYPE,
  type Seal,
  sealPayload,
  type VerifyingKeys,
} from './signature.ts';
import { type ChainState, classify, type LogProblem } from './verify-classify.ts';
import { archiveReader, databaseReader, type LogSourceReader, type SourceStart } from './verify-sources.ts';

/**
 * The offline verifier: recomputes every record hash and chain link, every batch's Merkle
 * root, every seal signature and the seal chain, over the database or an archive file, and
 * names the first problem. It walks in stored order; at the first record that does not fit it
 * stops and works out what happened from the records around it (verify-classify.ts).
 */
export type { LogProblem, LogProblemKind } from './verify-classify.ts';

export type VerifyLogResult =
  | {
      ok: true;
      records: number;
      batches: number;
      /** First and last seq verified (fromSeq > toSeq for an empty log). */
      fromSeq: number;
      toSeq: number;
      /** Not failures: records not sealed yet (`unsealed_tail`). */
      warnings: LogProblem[];
    }
  | ({ ok: false; records: number; batches: number } & LogProblem);

export type VerifySource<DB extends MessageLogTables = MessageLogTables> =
  | { db: Kysely<DB> }
  | { archivePath: string };

export interface VerifyLogOptions {
  /** The gateway's signing public key(s), SPKI PEM; several when the key was rotated. */
  publicKeyPem: string | readonly string[];
}

export async function verifyLog<DB extends MessageLogTables>(
  source: VerifySource<DB>,
  options: VerifyLogOptions,
): Promise<VerifyLogResult> {
  const keys = loadVerifyingKeys(options.publicKeyPem);
  if ('archivePath' in source) return walk(archiveReader(source.archivePath), keys);
  // One snapshot: otherwise an append committed mid-walk would look like a record past the head.
  return asLogDb(source.db)
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((tx) => walk(databaseReader(tx), keys));
}

async function walk(reader: LogSourceReader, keys: VerifyingKeys): Promise<VerifyLogResult> {
  const start = await reader.start();
  const { anchor, end } = start;
  let records = 0;
  let batches = 0;
  const fail = (p: LogProblem): VerifyLogResult => ({ ok: false, records, batches, ...p });
  if (start.signed) {
    const why = checkDetached(start.signed.jws, start.signed.typ, start.signed.payload, keys);
    if (why)
      return fail({ problem: 'bad_seal', seq: anchor.seq + 1, detail: `${start.signed.what}: ${why}.` });
  }
  const seals = await reader.seals();
  const sealing = new SealTracker(seals, anchor.sealRoot, anchor.seq, keys);
  const chain: ChainState = { anchor, lastSeq: anchor.seq, lastHash: anchor.recordHash, recent: new Map() };
  const recentOrder: string[] = [];
  const it = reader.records();
  try {
    for (let next = await it.next(); !next.done; next = await it.next()) {
      const item = next.value;
      if ('unreadable' in item) {
        return fail({
          problem: 'altered',
          seq: item.seqGuess ?? chain.lastSeq + 1,
          detail: `${item.unreadable}.`,
        });
      }
      const { record: r, body } = item;
      const fits =
        r.seq === chain.lastSeq + 1 &&
        r.prevHash === chain.lastHash &&
        recordHashMatches(r) &&
        bodyProblem(r, body) === null;
      if (!fits) return fail(await classify(r, bodyProblem(r, body), chain, it, start.anchor));
      if (r.seq > end.lastSeq) {
        return fail({
          problem: 'inserted',
          seq: r.seq,
          detail: `Record ${r.seq} lies past the last record ${end.lastSeq} that ${start.endName} records.`,
        });
      }
      const sealProblem = sealing.add(r);
      if (sealProblem) return fail(sealProblem);
      chain.lastSeq = r.seq;
      chain.lastHash = r.recordHash;
      chain.recent.set(r.recordHash, r.seq);
      recentOrder.push(r.recordHash);
      if (recentOrder.length > RECENT) chain.recent.delete(recentOrder.shift()!);
      records++;
      batches = sealing.closed;
    }
  } finally {
    await it.return?.();
  }
  const endProblem = checkEnd(chain, sealing, start);
  if (endProblem) return fail(endProblem);
  const warnings: LogProblem[] =
    sealing.firstUnsealed === null
      ? []
      : [
          {
            problem: 'unsealed_tail',
            seq: sealing.firstUnsealed,
            detail: `Records ${sealing.firstUnsealed}..${chain.lastSeq} are not sealed yet: only the hash chain protects them until the next seal.`,
          },
        ];
  return { ok: true, records, batches, fromSeq: anchor.seq + 1, toSeq: chain.lastSeq, warnings };
}

/** How far back a record's prev_hash is looked up to recognise inserted records. */
const RECENT = 4096;

/** Why the body does not match the record's digest and mode, or null. */
export function bodyProblem(r: LogRecord, body: Buffer | null): string | null {
  if (body === null) return r.bodyMode === 'full' ? 'its body, kept in "full" mode, is missing' : null;
  if (r.bodyMode === 'off' || r.bodySha256 === null) return 'it carries a body although its mode keeps none';
  if (body.length !== r.bodySize || sha256Hex(body) !== r.bodySha256) {
    return 'its stored body does not match its body_sha256 and body_size';
  }
  return null;
}

function checkEnd(chain: ChainState, sealing: SealTracker, start: SourceStart): LogProblem | null {
  const { end, endName } = start;
  const open = sealing.open;
  if (open) {
    return {
      problem: 'removed',
      seq: chain.lastSeq + 1,
      detail: `Records ${chain.lastSeq + 1}..${open.lastSeq} are missing: the seal of batch ${open.firstSeq}..${open.lastSeq} covers them.`,
    };
  }
  const pending = sealing.pending();
  if (pending) {
    return {
      problem: 'removed',
      seq: chain.lastSeq + 1,
      detail: `Records ${pending.firstSeq}..${pending.lastSeq} are missing, yet a seal covers them.`,
    };
  }
  if (chain.lastSeq < end.lastSeq) {
    return {
      problem: 'removed',
      seq: chain.lastSeq + 1,
      detail: `The log ends at record ${chain.lastSeq}, but ${endName} says it runs to ${end.lastSeq}: the records after ${chain.lastSeq} were removed.`,
    };
  }
  if (chain.lastHash !== end.lastRecordHash) {
    return {
      problem: 'altered',
      seq: chain.lastSeq,
      detail: `Record ${chain.lastSeq} has hash ${chain.lastHash}, but ${endName} recorded ${end.lastRecordHash}: the tail of the chain was rewritten.`,
    };
  }
  if (sealing.sealedThrough !== end.sealedThrough || sealing.prevRoot !== end.lastSealRoot) {
    const seq = Math.min(sealing.sealedThrough, end.sealedThrough) + 1;
    return {
      problem: 'bad_seal',
      seq,
      detail: `The seals end at record ${sealing.sealedThrough} (root ${sealing.prevRoot}), but ${endName} says records through ${end.sealedThrough} were sealed (root ${end.lastSealRoot}): a seal was removed or added.`,
    };
  }
  return null;
}

/** Follows the seals alongside the records: continuity, chaining, signature, Merkle root. */
class SealTracker {
  private next = 0;
  private leaves: string[] = [];
  open: Seal | null = null;
  closed = 0;
  firstUnsealed: number | null = null;

  constructor(
    private readonly seals: readonly Seal[],
    public prevRoot: string,
    public sealedThrough: number,
    private readonly keys: VerifyingKeys,
  ) {}

  /** A seal not reached by the records, if any. */
  pending(): Seal | undefined {
    return this.seals[this.next];
  }

  add(r: LogRecord): LogProblem | null {
    if (!this.open) {
      const seal = this.seals[this.next];
      if (!seal) {
        this.firstUnsealed ??= r.seq;
        return null;
      }
      const problem = this.openSeal(seal, r.seq);
      if (problem) return { problem: 'bad_seal', seq: r.seq, detail: problem };
      this.open = seal;
      this.leaves = [];
    }
    const seal = this.open;
    this.leaves.push(r.recordHash);
    if (r.seq < seal.lastSeq) return null;
    const root = merkleRoot(this.leaves);
    if (root !== seal.root) {
      return {
        problem: 'bad_seal',
        seq: seal.firstSeq,
        detail: `Records ${seal.firstSeq}..${seal.lastSeq} chain correctly, but their Merkle root ${root} is not the signed root ${seal.root}: a record of this batch was changed, added or removed and the chain re-hashed after sealing.`,
      };
    }
    this.prevRoot = seal.root;
    this.sealedThrough = seal.lastSeq;
    this.open = null;
    this.next++;
    this.closed++;
    return null;
  }

  private openSeal(seal: Seal, seq: number): string | null {
    const span = `Seal ${seal.firstSeq}..${seal.lastSeq}`;
    if (seal.firstSeq > seq) {
      return `Records ${seq}..${seal.firstSeq - 1} are covered by no seal although later records are: their seal was removed.`;
    }
    if (seal.firstSeq < seq) {
      return `${span} starts before record ${seq}, the first one not yet sealed: seals were inserted, duplicated or reordered.`;
    }
    if (!Number.isSafeInteger(seal.lastSeq) || seal.lastSeq < seal.firstSeq) {
      return `${span} has an impossible range.`;
    }
    if (seal.prevRoot !== this.prevRoot) {
      return `${span} names ${seal.prevRoot} as the previous root, but the previous seal's root is ${this.prevRoot}: the seal chain is broken.`;
    }
    const why = checkDetached(seal.signature, SEAL_TYPE, sealPayload(seal), this.keys);
    return why ? `${span}: ${why}.` : null;
  }
}
