import { testDatabase } from '../../../test/support/database.ts';
import { ManualClock } from '../../kernel/clock.ts';
import type { Database } from '../../kernel/db/database.ts';
import { generateKeyPair } from '../../kernel/pki/index.ts';
import { GATEWAY_MESSAGELOG_MIGRATIONS } from './index.ts';
import type { MessageLogTables } from './messagelog.db.ts';
import { createMessageLog, type MessageLog, type MessageLogOptions } from './messagelog.service.ts';
import type { LogEntry } from './record.ts';

/** Shared by the message log tests: a migrated database, a log on it, and sample entries. */
export const KEYS = generateKeyPair();
export const OTHER_KEYS = generateKeyPair();

export const CLIENT = 'VN/GOV/000.00.00.H49/HOSO';
export const SERVICE = 'VN/GOV/000.00.00.G01/DANCU/getPerson/v1';

export function sampleEntry(i: number, overrides: Partial<LogEntry> = {}): LogEntry {
  const kind = i % 2 === 0 ? 'request' : 'response';
  return {
    messageId: `msg-${Math.floor(i / 2)}`,
    direction: 'consumer',
    kind,
    clientId: CLIENT,
    serviceId: SERVICE,
    userId: 'VN001203012345',
    issue: `HS-2026-${i}`,
    method: 'GET',
    path: `/persons/001203012345?i=${i}`,
    status: kind === 'response' ? 200 : null,
    requestHash: 'cmVxdWVzdC1oYXNo',
    signature: `eyJhbGciOiJFUzI1NiJ9..c2lnbmF0dXJl${i}`,
    body: kind === 'response' ? JSON.stringify({ i, name: 'Nguyễn Văn A' }) : null,
    ...overrides,
  };
}

export interface TestLog {
  database: Database<MessageLogTables>;
  clock: ManualClock;
  log: MessageLog;
  /** Another log instance on the same database, as a second gateway node would have. */
  another(options?: Partial<MessageLogOptions>): MessageLog;
}

export async function openTestLog(options: Partial<MessageLogOptions> = {}): Promise<TestLog> {
  const database = await testDatabase<MessageLogTables>([GATEWAY_MESSAGELOG_MIGRATIONS], 'messagelog');
  const clock = new ManualClock('2026-03-01T08:00:00Z');
  const make = (extra: Partial<MessageLogOptions> = {}) =>
    createMessageLog({
      db: database.db,
      clock,
      signingKeyPem: KEYS.privateKeyPem,
      bodyModes: { default: 'full' },
      ...options,
      ...extra,
    });
  return { database, clock, log: make(), another: make };
}

/** Appends `count` sample entries, sealing after every `batch` of them. */
export async function fill(t: TestLog, count: number, batch: number): Promise<void> {
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    await t.log.appendMany(Array.from({ length: n }, (_, k) => sampleEntry(i + k)));
    t.clock.advance(60_000);
    await t.log.seal();
  }
}
