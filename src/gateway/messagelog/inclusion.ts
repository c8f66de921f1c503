import { AppError, badInput, conflict, notFound } from '../../kernel/errors.ts';
import { merklePath, merkleRoot, verifyMerklePath } from './merkle.ts';
import { type MessageLogDb, recordFromRow, sealFromRow } from './messagelog.db.ts';
import { type LogRecord, recordHashMatches } from './record.ts';
import { checkDetached, loadVerifyingKeys, SEAL_TYPE, type Seal, sealPayload } from './signature.ts';

/**
 * Inclusion proofs: that one record is in a sealed batch, checkable by anyone holding the
 * gateway's public key and nothing else (the citizen data tracker shows them). The proof
 * carries the record without its body.
 */
export interface InclusionProof {
  version: 1;
  record: LogRecord;
  batch: Seal & { size: number };
  /** Position of the record in the batch (seq − firstSeq). */
  index: number;
  /** Sibling hashes from the leaf up to the root, hex. */
  proof: string[];
}

export type InclusionCheck =
  | { ok: true; seq: number; sealedAt: string; keyId: string }
  | {
      ok: false;
      reason: 'malformed' | 'record_altered' | 'wrong_position' | 'not_in_batch' | 'bad_signature';
      detail: string;
    };

export async function proveInclusion(db: MessageLogDb, seq: number): Promise<InclusionProof> {
  if (!Number.isSafeInteger(seq) || seq < 1) {
    throw badInput('messagelog.invalid_seq', `Record seq must be a positive integer, got ${seq}.`);
  }
  const sealRow = await db
    .selectFrom('messagelog_seals')
    .selectAll()
    .where('first_seq', '<=', seq)
    .where('last_seq', '>=', seq)
    .executeTakeFirst();
  const row = await db.selectFrom('messagelog_records').selectAll().where('seq', '=', seq).executeTakeFirst();
  if (!sealRow) {
    if (row) {
      throw conflict(
        'messagelog.not_sealed',
        `Message log record ${seq} is not sealed yet; records are sealed in batches by seal(). Ask again after the next seal.`,
        { seq },
      );
    }
    const anchor = await db.selectFrom('messagelog_anchor').select('through_seq').executeTakeFirst();
    if (seq <= Number(anchor?.through_seq ?? 0)) {
      throw new AppError(
        'gone',
        'messagelog.purged',
        `Message log record ${seq} was purged after export; prove it from the archive that holds it.`,
        { details: { seq } },
      );
    }
    throw notFound('messagelog.unknown_record', `There is no message log record ${seq}.`, { seq });
  }
  const seal = sealFromRow(sealRow);
  const hashes = await db
    .selectFrom('messagelog_records')
    .select(['seq', 'record_hash'])
    .where('seq', '>=', seal.firstSeq)
    .where('seq', '<=', seal.lastSeq)
    .orderBy('seq')
    .execute();
  const leaves = hashes.map((h) => h.record_hash);
  if (!row || merkleRoot(leaves) !== seal.root) {
    throw new AppError(
      'internal',
      'messagelog.integrity',
      `The stored records ${seal.firstSeq}..${seal.lastSeq} no longer match their seal; run the log verifier (verifyLog) to find the changed record.`,
      { details: { firstSeq: seal.firstSeq, lastSeq: seal.lastSeq } },
    );
  }
  const { body: _body, ...record } = recordFromRow(row);
  const index = seq - seal.firstSeq;
  return {
    version: 1,
    record,
    batch: { ...seal, size: seal.lastSeq - seal.firstSeq + 1 },
    index,
    proof: merklePath(leaves, index),
  };
}

/** Checks a proof with nothing but the gateway's public key(s). Never throws on a bad proof. */
export function verifyInclusion(
  proof: InclusionProof,
  publicKeyPem: string | readonly string[],
): InclusionCheck {
  const keys = loadVerifyingKeys(publicKeyPem);
  const { record, batch } = proof ?? ({} as Partial<InclusionProof>);
  if (
    proof?.version !== 1 ||
    typeof record !== 'object' ||
    record === null ||
    typeof batch !== 'object' ||
    batch === null ||
    !Array.isArray(proof.proof) ||
    !proof.proof.every((h) => typeof h === 'string')
  ) {
    return {
      ok: false,
      reason: 'malformed',
      detail: 'The proof must be version 1 with record, batch and proof.',
    };
  }
  if (!recordHashMatches(record)) {
    return {
      ok: false,
      reason: 'record_altered',
      detail: `The fields of record ${record.seq} do not hash to its recordHash: the record was changed after logging.`,
    };
  }
  const size = batch.lastSeq - batch.firstSeq + 1;
  if (proof.index !== record.seq - batch.firstSeq || batch.size !== size) {
    return {
      ok: false,
      reason: 'wrong_position',
      detail: `Record ${record.seq} would be at index ${record.seq - batch.firstSeq} of a ${size}-record batch (${batch.firstSeq}..${batch.lastSeq}); the proof says index ${proof.index} of ${batch.size}.`,
    };
  }
  if (!verifyMerklePath(record.recordHash, proof.index, size, proof.proof, batch.root)) {
    return {
      ok: false,
      reason: 'not_in_batch',
      detail: `The audit path does not lead from record ${record.seq} to the batch root ${batch.root}.`,
    };
  }
  const problem = checkDetached(batch.signature, SEAL_TYPE, sealPayload(batch), keys);
  if (problem) {
    return {
      ok: false,
      reason: 'bad_signature',
      detail: `The seal of batch ${batch.firstSeq}..${batch.lastSeq}: ${problem}.`,
    };
  }
  return { ok: true, seq: record.seq, sealedAt: batch.sealedAt, keyId: batch.keyId };
}
