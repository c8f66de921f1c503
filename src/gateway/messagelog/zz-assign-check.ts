import type { Kysely } from 'kysely';
import type { MessageLogTables } from './messagelog.db.ts';
import { createMessageLog } from './messagelog.service.ts';
import { verifyLog } from './verify-log.ts';
import { systemClock } from '../../kernel/clock.ts';
interface Other { other_table: { id: number } }
declare const db: Kysely<MessageLogTables & Other>;
createMessageLog({ db, clock: systemClock, signingKeyPem: '' });
void verifyLog({ db }, { publicKeyPem: '' });
