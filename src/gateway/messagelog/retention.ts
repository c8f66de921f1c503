import { AppError, badInput } from '../../kernel/errors.ts';
import type { LogContext } from './context.ts';
import { ANCHOR_TYPE, type Anchor, anchorPayload, signDetached } from './signature.ts';

/**
 * Retention. Only whole sealed batches go, only from the start of the retained log, only when
 * sealed before `date`, and only when a recorded export (exportArchive) covered them — the
 * archive then holds the evidence. What was dropped is summed up in the anchor row: the seq,
 * record hash and seal root the retained log continues from, signed with the gateway key so
 * that deleting more batches and moving the marker forward shows up in verification.
 * Unexported or unsealed records are never purged, whatever the date.
 */
export interface PurgeResult {
  batches: number;
  records: number;
  /** Last purged seq (the retained log starts after it); unchanged when nothing was purged. */
  throughSeq: number;
}

export async function purgeBefore(ctx: LogContext, date: Date): Promise<PurgeResult> {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw badInput(
      'messagelog.invalid_date',
      'purgeBefore needs a valid Date: batches sealed before it are purged.',
    );
  }
  return ctx.db.transaction().execute(async (tx) => {
    // The 'seals' head lock keeps seal() and other purges out while the start moves.
    await tx.selectFrom('messagelog_heads').select('seq').where('name', '=', 'seals').forUpdate().execute();
    const anchor = await tx.selectFrom('messagelog_anchor').selectAll().forUpdate().executeTakeFirstOrThrow();
    const exports = await tx.selectFrom('messagelog_exports').select(['from_seq', 'sealed_to_seq']).execute();
    const candidates = await tx
      .selectFrom('messagelog_seals')
      .select(['first_seq', 'last_seq', 'root'])
      .where('first_seq', '>', anchor.through_seq)
      .where('sealed_at', '<', date)
      .orderBy('first_seq')
      .execute();
    let through = Number(anchor.through_seq);
    let sealRoot = anchor.seal_root;
    let batches = 0;
    for (const s of candidates) {
      const first = Number(s.first_seq);
      const last = Number(s.last_seq);
      if (first !== through + 1) break;
      if (!exports.some((e) => Number(e.from_seq) <= first && Number(e.sealed_to_seq) >= last)) break;
      through = last;
      sealRoot = s.root;
      batches++;
    }
    if (batches === 0) return { batches: 0, records: 0, throughSeq: Number(anchor.through_seq) };
    const last = await tx
      .selectFrom('messagelog_records')
      .select('record_hash')
      .where('seq', '=', through)
      .executeTakeFirst();
    if (!last) {
      throw new AppError(
        'internal',
        'messagelog.chain_broken',
        `Cannot purge: record ${through}, the last of a sealed batch, is missing. Run the log verifier (verifyLog) before purging.`,
        { details: { seq: through } },
      );
    }
    const next: Anchor = { seq: through, recordHash: last.record_hash, sealRoot };
    const purgedAt = ctx.clock.now().toISOString();
    const deleted = await tx.deleteFrom('messagelog_records').where('seq', '<=', through).executeTakeFirst();
    await tx.deleteFrom('messagelog_seals').where('last_seq', '<=', through).execute();
    await tx
      .updateTable('messagelog_anchor')
      .set({
        through_seq: next.seq,
        record_hash: next.recordHash,
        seal_root: next.sealRoot,
        purged_at: purgedAt,
        signature: signDetached(ctx.key, ANCHOR_TYPE, anchorPayload(next, purgedAt)),
      })
      .where('id', '=', 1)
      .execute();
    return { batches, records: Number(deleted.numDeletedRows), throughSeq: through };
  });
}
