import type { ModuleMigrations } from '../../kernel/db/migrate.ts';

/**
 * The gateway's tamper-evident message log (the X-Road security server's messagelog):
 * every request and response as a hash-chained record, sealed in batches under signed
 * Merkle roots, with inclusion proofs, archives, retention and an offline verifier.
 *
 *   const log = createMessageLog({ db, clock, signingKeyPem, bodyModes });
 *   await log.append(entry);            // durable when it resolves
 *   await log.seal();                   // on a timer (X-Road: every 60 s)
 *   await log.exportArchive(path);      // then purgeBefore(date)
 *   await verifyLog({ archivePath: path }, { publicKeyPem });
 */
export const GATEWAY_MESSAGELOG_MIGRATIONS: ModuleMigrations = {
  module: 'gateway',
  dir: new URL('../migrations/', import.meta.url),
};

export type { ArchiveSummary, ExportRange } from './archive-export.ts';
export { ARCHIVE_FORMAT, ARCHIVE_VERSION, type ArchiveHeader } from './archive-format.ts';
export { type InclusionCheck, type InclusionProof, verifyInclusion } from './inclusion.ts';
export { merklePath, merkleRoot, verifyMerklePath } from './merkle.ts';
export type { MessageLogTables } from './messagelog.db.ts';
export {
  type Appended,
  createMessageLog,
  type LogStatus,
  type MessageLog,
  type MessageLogOptions,
} from './messagelog.service.ts';
export {
  type BodyMode,
  type BodyModePolicy,
  computeRecordHash,
  GENESIS_HASH,
  type LogEntry,
  type LogRecord,
  localSubsystemOf,
} from './record.ts';
export type { PurgeResult } from './retention.ts';
export { keyIdOf, type Seal } from './signature.ts';
export {
  type LogProblem,
  type LogProblemKind,
  type VerifyLogOptions,
  type VerifyLogResult,
  type VerifySource,
  verifyLog,
} from './verify-log.ts';
