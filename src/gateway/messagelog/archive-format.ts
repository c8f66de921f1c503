import type { LogRecord } from './record.ts';
import type { Anchor, Seal } from './signature.ts';

/**
 * The message-log archive: JSON Lines, UTF-8, one object per line, `type` always first.
 *   1. one header (`type: "header"`): format, version, the signing key and certificate, the
 *      range, the chain values just before it (`anchor`) and at its end, signed by the gateway;
 *   2. the records in seq order (`type: "record"`), the body base64 when it was kept;
 *   3. the seals in order (`type: "seal"`).
 * Everything needed to verify it is inside, except trust in the public key, which the
 * verifier is given separately.
 */
export const ARCHIVE_FORMAT = 'lienthong-messagelog-archive';
export const ARCHIVE_VERSION = 1;

export interface ArchiveHeader {
  type: 'header';
  format: typeof ARCHIVE_FORMAT;
  version: typeof ARCHIVE_VERSION;
  exportedAt: string;
  keyId: string;
  publicKeyPem: string;
  certificatePem: string | null;
  fromSeq: number;
  toSeq: number;
  /** Last record covered by a seal in this archive (fromSeq − 1 when none is). */
  sealedToSeq: number;
  anchor: Anchor;
  /** Record hash at toSeq, so a cut-off tail shows even where no seal covers it. */
  lastRecordHash: string;
  seals: number;
  /** Root of the last seal in the archive (the anchor's seal root when there is none). */
  lastSealRoot: string;
  /** Detached JWS over `archiveHeaderPayload`. */
  signature: string;
}

export type ArchiveRecordLine = { type: 'record' } & LogRecord & { body: string | null };
export type ArchiveSealLine = { type: 'seal' } & Seal;

export function archiveHeaderPayload(h: Omit<ArchiveHeader, 'signature'>): object {
  return {
    v: 1,
    format: h.format,
    version: h.version,
    exportedAt: h.exportedAt,
    fromSeq: h.fromSeq,
    toSeq: h.toSeq,
    sealedToSeq: h.sealedToSeq,
    anchor: { seq: h.anchor.seq, recordHash: h.anchor.recordHash, sealRoot: h.anchor.sealRoot },
    lastRecordHash: h.lastRecordHash,
    seals: h.seals,
    lastSealRoot: h.lastSealRoot,
  };
}

export function recordLine(record: LogRecord, body: Buffer | null): string {
  const line: ArchiveRecordLine = { type: 'record', ...record, body: body ? body.toString('base64') : null };
  return JSON.stringify(line);
}

export function sealLine(seal: Seal): string {
  const line: ArchiveSealLine = { type: 'seal', ...seal };
  return JSON.stringify(line);
}
