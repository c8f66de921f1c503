import { CompiledQuery } from 'kysely';
import { type MessageLogDb, type RecordRow, rowFromRecord } from './messagelog.db.ts';
import { computeRecordHash, type PreparedRecord } from './record.ts';

/**
 * Writing records to the chain. Each record's prev_hash is the record hash before it, so the
 * writer must know the head (last seq and hash) and nobody may move it meanwhile.
 *
 * Fast path: the writer remembers the head it last wrote and sends ONE statement that moves
 * the head row only if it is still there (compare-and-set) and inserts the records only if it
 * moved. One round trip and one commit per group of records. If another writer (a second
 * gateway node) got there first, nothing is written and the slow path runs.
 * Slow path: a transaction that locks the head row (SELECT … FOR UPDATE), inserts, moves the
 * head and commits; concurrent writers queue on the lock, so seqs stay gap-free and ordered.
 */
export interface Appended {
  seq: number;
  recordHash: string;
}

export interface Head {
  seq: number;
  hash: string;
}

/** Rows per statement: 21 parameters each, well below PostgreSQL's 65 535. */
const CHUNK = 1000;

const COLUMNS: readonly (readonly [keyof RecordRow, string])[] = [
  ['seq', 'bigint'],
  ['message_id', 'text'],
  ['direction', 'text'],
  ['kind', 'text'],
  ['client_id', 'text'],
  ['service_id', 'text'],
  ['user_id', 'text'],
  ['issue', 'text'],
  ['method', 'text'],
  ['path', 'text'],
  ['status', 'integer'],
  ['request_hash', 'text'],
  ['signature', 'text'],
  ['occurred_at', 'timestamptz'],
  ['logged_at', 'timestamptz'],
  ['body_mode', 'text'],
  ['body_sha256', 'text'],
  ['body_size', 'bigint'],
  ['body', 'bytea'],
  ['prev_hash', 'text'],
  ['record_hash', 'text'],
];

type Row = ReturnType<typeof rowFromRecord>;

function chain(records: readonly PreparedRecord[], head: Head): { rows: Row[]; out: Appended[]; head: Head } {
  let seq = head.seq;
  let prev = head.hash;
  const rows: Row[] = [];
  const out: Appended[] = [];
  for (const r of records) {
    seq++;
    const recordHash = computeRecordHash({ ...r, seq }, prev);
    rows.push(rowFromRecord(r, seq, prev, recordHash));
    out.push({ seq, recordHash });
    prev = recordHash;
  }
  return { rows, out, head: { seq, hash: prev } };
}

/**
 * Writes the records after `known` if the head is still there; returns null (nothing written)
 * when it moved. Only for groups of up to CHUNK records, which fit one statement.
 */
export async function tryAppendAt(
  db: MessageLogDb,
  known: Head,
  records: readonly PreparedRecord[],
): Promise<{ out: Appended[]; head: Head } | null> {
  if (records.length === 0 || records.length > CHUNK) return null;
  const { rows, out, head } = chain(records, known);
  // Written out by hand: composing thousands of sql`` fragments costs more than the query.
  const params: unknown[] = [head.seq, head.hash, known.seq, known.hash];
  const tuples = rows.map((row) => {
    const cells = COLUMNS.map(([column, type]) => {
      params.push(row[column]);
      return `$${params.length}::${type}`;
    });
    return `(${cells.join(',')})`;
  });
  const columns = COLUMNS.map(([column]) => column).join(', ');
  const result = await db.executeQuery(
    CompiledQuery.raw(
      `with moved as (
        update messagelog_heads set seq = $1, hash = $2
        where name = 'records' and seq = $3 and hash = $4
        returning 1
      )
      insert into messagelog_records (${columns})
      select * from (values ${tuples.join(',')}) as v (${columns})
      where exists (select 1 from moved)`,
      params,
    ),
  );
  return Number(result.numAffectedRows ?? 0) === rows.length ? { out, head } : null;
}

/** Writes the records under the head row lock, in one transaction. */
export async function appendLocked(
  db: MessageLogDb,
  records: readonly PreparedRecord[],
): Promise<{ out: Appended[]; head: Head }> {
  return db.transaction().execute(async (tx) => {
    const current = await tx
      .selectFrom('messagelog_heads')
      .select(['seq', 'hash'])
      .where('name', '=', 'records')
      .forUpdate()
      .executeTakeFirstOrThrow();
    const { rows, out, head } = chain(records, { seq: Number(current.seq), hash: current.hash });
    for (let i = 0; i < rows.length; i += CHUNK) {
      await tx
        .insertInto('messagelog_records')
        .values(rows.slice(i, i + CHUNK))
        .execute();
    }
    await tx.updateTable('messagelog_heads').set(head).where('name', '=', 'records').execute();
    return { out, head };
  });
}
