import { createHash } from 'node:crypto';
import { badInput } from '../../kernel/errors.ts';

/**
 * What one message-log record holds, how it is checked on the way in, and how it is hashed.
 * The canonical form is versioned: changing it means a new prefix, never an edit of this one,
 * because archives written years ago must still verify.
 */

/**
 * How much of a message body a subsystem's log keeps:
 * - `full`: the body, its SHA-256 and size;
 * - `metadata`: SHA-256 and size, no body (whoever holds the body can prove it was this one);
 * - `off`: size only — X-Road's "message body logging disabled". The record itself is still
 *   written with all message metadata: the chain must not have holes, and Decree 13 requires
 *   a trace of every processing. The digest is dropped too because a hash of a short body
 *   (`{"eligible":true}`) can be guessed, so it would leak what `off` is meant to keep out.
 */
export type BodyMode = 'full' | 'metadata' | 'off';
export const BODY_MODES: readonly BodyMode[] = ['full', 'metadata', 'off'];

/** What the gateway proxy hands to `append`. */
export interface LogEntry {
  /** X-Road-Id of the exchange; request and response share it. */
  messageId: string;
  /** Which side this gateway served: the client's (`consumer`) or the service's (`provider`). */
  direction: 'consumer' | 'provider';
  kind: 'request' | 'response';
  /** `INSTANCE/CLASS/CODE/SUBSYSTEM` of the client. */
  clientId: string;
  /** `INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE[/VERSION]`. */
  serviceId: string;
  /** X-Road-UserId, the end user (e.g. `VN001203012345`). */
  userId?: string | null | undefined;
  /** X-Road-Issue, the purpose or case reference. */
  issue?: string | null | undefined;
  method: string;
  /** Path and query as forwarded. */
  path: string;
  /** HTTP status of a response. */
  status?: number | null | undefined;
  /** X-Road-Request-Hash (base64). */
  requestHash?: string | null | undefined;
  /** The signed evidence the message travelled with (a JWS), kept as proof of who sent what. */
  signature?: string | null | undefined;
  /** When the message passed the gateway; defaults to the time of logging. */
  occurredAt?: Date | undefined;
  /**
   * The body; or `bodyDigest` when it was streamed and not held, in which case even a `full`
   * mode subsystem gets a `metadata` record for it.
   */
  body?: Uint8Array | string | null | undefined;
  bodyDigest?: { sha256: string; size: number } | undefined;
}

/** A stored record as the verifier, proofs and archives see it (the body travels separately). */
export interface LogRecord {
  seq: number;
  messageId: string;
  direction: 'consumer' | 'provider';
  kind: 'request' | 'response';
  clientId: string;
  serviceId: string;
  userId: string | null;
  issue: string | null;
  method: string;
  path: string;
  status: number | null;
  requestHash: string | null;
  signature: string | null;
  /** ISO 8601 with milliseconds, UTC. */
  occurredAt: string;
  loggedAt: string;
  bodyMode: BodyMode;
  bodySha256: string | null;
  bodySize: number;
  prevHash: string;
  recordHash: string;
}

/** A record before its place in the chain is known. */
export type PreparedRecord = Omit<LogRecord, 'seq' | 'prevHash' | 'recordHash'> & { body: Buffer | null };

/** Per-subsystem body modes: the gateway's own subsystem in the exchange picks the mode. */
export interface BodyModePolicy {
  default: BodyMode;
  subsystems?: Record<string, BodyMode> | undefined;
}

export const GENESIS_HASH = '0'.repeat(64);
const RECORD_PREFIX = 'lienthong-messagelog-record/1';
const HEX64 = /^[0-9a-f]{64}$/;
const MAX_ID = 1024;
const MAX_PATH = 8192;
const MAX_SIGNATURE = 16384;

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The subsystem whose policy applies: the client's on the consumer side, the service's otherwise. */
export function localSubsystemOf(entry: Pick<LogEntry, 'direction' | 'clientId' | 'serviceId'>): string {
  return entry.direction === 'consumer' ? entry.clientId : entry.serviceId.split('/').slice(0, 4).join('/');
}

export function bodyModeFor(policy: BodyModePolicy, entry: LogEntry): BodyMode {
  return policy.subsystems?.[localSubsystemOf(entry)] ?? policy.default;
}

/** Checks an entry and turns it into the fields that will be stored and hashed. */
export function prepareRecord(entry: LogEntry, mode: BodyMode, loggedAt: Date): PreparedRecord {
  const text = (field: string, value: unknown, max: number, required: boolean): string | null => {
    if (value === null || value === undefined || value === '') {
      if (required) throw invalid(field, 'is required');
      return null;
    }
    if (typeof value !== 'string') throw invalid(field, 'must be a string');
    if (value.length > max) throw invalid(field, `must be at most ${max} characters`);
    // PostgreSQL text cannot hold NUL, and a lone surrogate would come back altered, breaking the hash.
    if (value.includes('\u0000') || /\p{Cs}/u.test(value)) {
      throw invalid(field, 'must be well-formed Unicode without NUL characters');
    }
    return value;
  };
  if (entry.direction !== 'consumer' && entry.direction !== 'provider') {
    throw invalid('direction', 'must be "consumer" or "provider"');
  }
  if (entry.kind !== 'request' && entry.kind !== 'response') {
    throw invalid('kind', 'must be "request" or "response"');
  }
  const status = entry.status ?? null;
  if (status !== null && !(Number.isInteger(status) && status >= 100 && status <= 599)) {
    throw invalid('status', 'must be an HTTP status code between 100 and 599');
  }
  const method = text('method', entry.method, 32, true)!;
  if (!/^[A-Z]+$/.test(method)) throw invalid('method', 'must be an upper-case HTTP method such as GET');
  const occurredAt = entry.occurredAt ?? loggedAt;
  if (!(occurredAt instanceof Date) || Number.isNaN(occurredAt.getTime())) {
    throw invalid('occurredAt', 'must be a valid Date');
  }
  const { body, sha256, size } = bodyOf(entry);
  // A body the proxy could not hold (spooled, given as bodyDigest) cannot be kept: the record
  // then says `metadata`, truthfully, rather than the request failing for want of a log entry.
  const kept: BodyMode = mode === 'full' && body === null ? 'metadata' : mode;
  return {
    messageId: text('messageId', entry.messageId, MAX_ID, true)!,
    direction: entry.direction,
    kind: entry.kind,
    clientId: text('clientId', entry.clientId, MAX_ID, true)!,
    serviceId: text('serviceId', entry.serviceId, MAX_ID, true)!,
    userId: text('userId', entry.userId, MAX_ID, false),
    issue: text('issue', entry.issue, MAX_ID, false),
    method,
    path: text('path', entry.path, MAX_PATH, true)!,
    status,
    requestHash: text('requestHash', entry.requestHash, MAX_ID, false),
    signature: text('signature', entry.signature, MAX_SIGNATURE, false),
    occurredAt: occurredAt.toISOString(),
    loggedAt: loggedAt.toISOString(),
    bodyMode: kept,
    bodySha256: kept === 'off' ? null : sha256,
    bodySize: size,
    body: kept === 'full' ? body : null,
  };
}

function bodyOf(entry: LogEntry): { body: Buffer | null; sha256: string; size: number } {
  if (entry.body !== undefined && entry.body !== null) {
    const body = typeof entry.body === 'string' ? Buffer.from(entry.body, 'utf8') : Buffer.from(entry.body);
    return { body, sha256: sha256Hex(body), size: body.length };
  }
  if (entry.bodyDigest) {
    const { sha256, size } = entry.bodyDigest;
    if (!HEX64.test(sha256)) throw invalid('bodyDigest.sha256', 'must be 64 lower-case hex digits');
    if (!Number.isSafeInteger(size) || size < 0)
      throw invalid('bodyDigest.size', 'must be a non-negative integer');
    return { body: null, sha256, size };
  }
  // No body at all (a GET, a 204): the digest of the empty string, so "no body" is recorded too.
  const empty = Buffer.alloc(0);
  return { body: empty, sha256: sha256Hex(empty), size: 0 };
}

function invalid(field: string, rule: string) {
  return badInput('messagelog.invalid_entry', `Message log entry field "${field}" ${rule}.`, { field });
}

/** The bytes hashed for a record: every stored field except the body, the seq included. */
export function canonicalRecord(r: Omit<LogRecord, 'prevHash' | 'recordHash'>): Buffer {
  return Buffer.from(
    JSON.stringify([
      RECORD_PREFIX,
      r.seq,
      r.messageId,
      r.direction,
      r.kind,
      r.clientId,
      r.serviceId,
      r.userId,
      r.issue,
      r.method,
      r.path,
      r.status,
      r.requestHash,
      r.signature,
      r.occurredAt,
      r.loggedAt,
      r.bodyMode,
      r.bodySha256,
      r.bodySize,
    ]),
    'utf8',
  );
}

/** record_hash = SHA-256(canonical(record) ‖ prev_hash), prev_hash as its 32 raw bytes. */
export function computeRecordHash(r: Omit<LogRecord, 'prevHash' | 'recordHash'>, prevHash: string): string {
  // A damaged prev_hash (not a string) must hash to a mismatch, not throw.
  const prev = Buffer.from(typeof prevHash === 'string' ? prevHash : '', 'hex');
  return createHash('sha256').update(canonicalRecord(r)).update(prev).digest('hex');
}

/** Whether a stored record's fields and prev_hash still give its record_hash. */
export function recordHashMatches(r: LogRecord): boolean {
  const { prevHash, recordHash, ...fields } = r;
  return computeRecordHash(fields, prevHash) === recordHash;
}
