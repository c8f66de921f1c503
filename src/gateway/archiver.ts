import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Clock } from '../kernel/clock.ts';
import type { Logger } from '../kernel/log.ts';
import type { ArchiveSummary, MessageLog, MessageLogTables, PurgeResult } from './messagelog/index.ts';

/**
 * Retention, as X-Road does it: sealed records are exported to archive files (each verifiable on
 * its own with `lienthong log verify --archive`), and records older than the retention period
 * are removed from the database once an archive holds them.
 */
export interface ArchivePolicy {
  /** Directory the archive files go to. */
  dir: string;
  /** Records stay in the database this many days (X-Road: 30). */
  keepDays: number;
}

export interface ArchiveRun {
  archive: (ArchiveSummary & { file: string }) | null;
  purged: PurgeResult;
}

export async function archiveAndPurge(
  log: MessageLog,
  db: Kysely<MessageLogTables>,
  clock: Clock,
  policy: ArchivePolicy,
): Promise<ArchiveRun> {
  const status = await log.status();
  const last = await db
    .selectFrom('messagelog_exports')
    .select((eb) => eb.fn.max('sealed_to_seq').as('seq'))
    .executeTakeFirst();
  const from = Math.max(Number(last?.seq ?? 0) + 1, status.firstRetainedSeq);
  let archive: ArchiveRun['archive'] = null;
  if (status.sealedThrough >= from) {
    mkdirSync(policy.dir, { recursive: true });
    const stamp = clock.now().toISOString().replace(/[:.]/g, '-');
    const file = path.join(policy.dir, `messagelog-${String(from).padStart(12, '0')}-${stamp}.jsonl`);
    archive = { ...(await log.exportArchive(file, { fromSeq: from, toSeq: status.sealedThrough })), file };
  }
  const purged = await log.purgeBefore(new Date(clock.now().getTime() - policy.keepDays * 86_400_000));
  return { archive, purged };
}

/** Runs archiving now and then every `intervalMs`; failures are logged and retried next time. */
export function scheduleArchiving(
  run: () => Promise<ArchiveRun>,
  logger: Logger,
  intervalMs: number,
): { stop(): void } {
  const tick = () =>
    run().then(
      (r) => {
        if (r.archive || r.purged.records)
          logger.info({ archive: r.archive, purged: r.purged }, 'message log archived');
      },
      (err) => logger.error({ err }, 'archiving the message log failed'),
    );
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
