import type { Clock } from '../../kernel/clock.ts';
import type { MessageLogDb } from './messagelog.db.ts';
import type { SigningKey } from './signature.ts';

/** What the message log's operations share. */
export interface LogContext {
  db: MessageLogDb;
  clock: Clock;
  key: SigningKey;
  certificatePem: string | undefined;
}
