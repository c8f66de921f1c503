import type { ColumnType, Generated, Kysely, Selectable } from 'kysely';
import type { BodyMode, LogRecord, PreparedRecord } from './record.ts';
import type { Seal } from './signature.ts';

/** Table types of the message log (migration gateway/0001-message-log.sql). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;

export interface MessageLogTables {
  messagelog_records: {
    seq: number;
    message_id: string;
    direction: 'consumer' | 'provider';
    kind: 'request' | 'response';
    client_id: string;
    service_id: string;
    user_id: string | null;
    issue: string | null;
    method: string;
    path: string;
    status: number | null;
    request_hash: string | null;
    signature: string | null;
    occurred_at: Timestamp;
    logged_at: Timestamp;
    body_mode: BodyMode;
    body_sha256: string | null;
    body_size: number;
    body: Uint8Array | null;
    prev_hash: string;
    record_hash: string;
  };
  messagelog_heads: { name: 'records' | 'seals'; seq: number; hash: string };
  messagelog_seals: {
    first_seq: number;
    last_seq: number;
    root: string;
    prev_root: string;
    sealed_at: Timestamp;
    key_id: string;
    signature: string;
  };
  messagelog_exports: {
    id: Generated<number>;
    from_seq: number;
    sealed_to_seq: number;
    records: number;
    archive_sha256: string;
    exported_at: Timestamp;
  };
  messagelog_anchor: {
    id: number;
    through_seq: number;
    record_hash: string;
    seal_root: string;
    purged_at: Timestamp | null;
    signature: string | null;
  };
}

export type MessageLogDb = Kysely<MessageLogTables>;

/** Kysely's table map is invariant: a gateway database with more tables is narrowed here. */
export function asLogDb<DB extends MessageLogTables>(db: Kysely<DB>): MessageLogDb {
  return db as unknown as MessageLogDb;
}
export type RecordRow = MessageLogTables['messagelog_records'];
type SealRow = MessageLogTables['messagelog_seals'];

/** Reads int8 and bytea the same on PGlite and node-postgres. */
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const iso = (v: unknown): string => (v instanceof Date ? v : new Date(String(v))).toISOString();

export function recordFromRow(
  row: {
    [K in keyof RecordRow]: K extends 'occurred_at' | 'logged_at' ? Date : RecordRow[K];
  },
): LogRecord & { body: Buffer | null } {
  return {
    seq: num(row.seq),
    messageId: row.message_id,
    direction: row.direction,
    kind: row.kind,
    clientId: row.client_id,
    serviceId: row.service_id,
    userId: row.user_id,
    issue: row.issue,
    method: row.method,
    path: row.path,
    status: row.status === null ? null : num(row.status),
    requestHash: row.request_hash,
    signature: row.signature,
    occurredAt: iso(row.occurred_at),
    loggedAt: iso(row.logged_at),
    bodyMode: row.body_mode,
    bodySha256: row.body_sha256,
    bodySize: num(row.body_size),
    body: row.body === null ? null : Buffer.from(row.body),
    prevHash: row.prev_hash,
    recordHash: row.record_hash,
  };
}

export function rowFromRecord(r: PreparedRecord, seq: number, prevHash: string, recordHash: string) {
  return {
    seq,
    message_id: r.messageId,
    direction: r.direction,
    kind: r.kind,
    client_id: r.clientId,
    service_id: r.serviceId,
    user_id: r.userId,
    issue: r.issue,
    method: r.method,
    path: r.path,
    status: r.status,
    request_hash: r.requestHash,
    signature: r.signature,
    occurred_at: r.occurredAt,
    logged_at: r.loggedAt,
    body_mode: r.bodyMode,
    body_sha256: r.bodySha256,
    body_size: r.bodySize,
    body: r.body,
    prev_hash: prevHash,
    record_hash: recordHash,
  };
}

export function sealFromRow(row: Selectable<SealRow>): Seal {
  return {
    firstSeq: num(row.first_seq),
    lastSeq: num(row.last_seq),
    root: row.root,
    prevRoot: row.prev_root,
    sealedAt: iso(row.sealed_at),
    keyId: row.key_id,
    signature: row.signature,
  };
}
