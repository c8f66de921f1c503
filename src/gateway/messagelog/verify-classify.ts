import { computeRecordHash, type LogRecord, recordHashMatches } from './record.ts';
import type { Anchor } from './signature.ts';
import type { SourceItem } from './verify-sources.ts';

/**
 * Naming what went wrong at the first record that does not fit the chain. Everything before
 * it verified, so the evidence is: its seq, its own hash, where its prev_hash points (a record
 * just behind, one further on, or nothing), and whether the record after it skips it.
 *
 * - removed:   a seq gap whose missing seq appears nowhere later; or, when later records were
 *              renumbered to close the gap, a record that hashes correctly under a higher seq;
 * - reordered: a seq gap whose missing seq appears later; or a record chained to one stored
 *              after it (two seqs swapped);
 * - inserted:  a seq already used; a record the next one chains past, or followed by a genuine
 *              record of the same seq; or a record chained to one a few places back, so the
 *              ones in between were slipped in;
 * - altered:   a record whose link is intact but whose fields or body no longer hash right; or a
 *              self-consistent record chained to a hash nobody has, i.e. its predecessor was
 *              changed and re-hashed.
 * An attacker who rewrites the chain after a change leaves the seal as the only witness;
 * that case is reported by the seal check as `bad_seal` on the batch.
 */
export type LogProblemKind = 'altered' | 'removed' | 'inserted' | 'reordered' | 'bad_seal' | 'unsealed_tail';

export interface LogProblem {
  problem: LogProblemKind;
  /** The first record concerned (for seal problems, the first record of the batch). */
  seq: number;
  detail: string;
}

export interface ChainState {
  anchor: Anchor;
  lastSeq: number;
  lastHash: string;
  /** Record hash → seq of the last few thousand verified records. */
  recent: Map<string, number>;
}

/** How many renumbering steps are tried when telling a removal from an alteration. */
const MAX_RENUMBER = 1024;

export async function classify(
  r: LogRecord,
  bodyIssue: string | null,
  chain: ChainState,
  rest: AsyncIterator<SourceItem>,
  anchor: Anchor,
): Promise<LogProblem> {
  const { lastSeq, lastHash } = chain;
  const e = lastSeq + 1;
  if (r.seq <= lastSeq) {
    return {
      problem: 'inserted',
      seq: r.seq,
      detail:
        r.seq <= anchor.seq
          ? `Record ${r.seq} lies before the start of the log (${anchor.seq + 1}).`
          : `A second record claims seq ${r.seq}, after the record ${lastSeq} that the chain already reached.`,
    };
  }
  const ahead = await scanAhead(rest, e, r.prevHash);
  if (r.seq > e) {
    if (ahead.seqFound) {
      return {
        problem: 'reordered',
        seq: e,
        detail: `Record ${e} is stored after record ${r.seq}, out of order.`,
      };
    }
    return {
      problem: 'removed',
      seq: e,
      detail: `${span(e, r.seq - 1, 'R')} removed: record ${r.seq} follows record ${lastSeq}.`,
    };
  }
  const { prevHash, recordHash, ...fields } = r;
  const selfConsistent = recordHashMatches(r);
  if (prevHash === lastHash) {
    const twin = ahead.next;
    if (twin && twin.seq === e && twin.prevHash === lastHash && recordHashMatches(twin)) {
      return {
        problem: 'inserted',
        seq: e,
        detail: `A forged record ${e} was inserted before the genuine record ${e}, which follows it.`,
      };
    }
    return {
      problem: 'altered',
      seq: e,
      detail: selfConsistent
        ? `Record ${e} was altered: ${bodyIssue ?? 'it no longer matches its hash'}.`
        : `Record ${e} was altered: its fields no longer hash to its record_hash, though the chain link to it is intact.`,
    };
  }
  const back = chain.recent.get(prevHash);
  if (back !== undefined) {
    return {
      problem: 'inserted',
      seq: back + 1,
      detail: `Record ${e} is chained to record ${back}, so ${span(back + 1, lastSeq)} inserted before it.`,
    };
  }
  if (ahead.hashOwner !== null) {
    return {
      problem: 'reordered',
      seq: e,
      detail: `The record stored as ${e} is chained to record ${ahead.hashOwner}, which is stored after it: records were reordered (seqs swapped).`,
    };
  }
  if (ahead.next && ahead.next.prevHash === lastHash) {
    return {
      problem: 'inserted',
      seq: e,
      detail: `Record ${e} is not part of the chain: the record after it is chained directly to record ${lastSeq}.`,
    };
  }
  if (!selfConsistent) {
    for (let d = 1; d <= MAX_RENUMBER; d++) {
      if (computeRecordHash({ ...fields, seq: r.seq + d }, prevHash) === recordHash) {
        return {
          problem: 'removed',
          seq: e,
          detail: `The record stored as ${e} was logged as ${e + d}: ${span(e, e + d - 1)} removed and the later ones renumbered.`,
        };
      }
    }
    return {
      problem: 'altered',
      seq: e,
      detail: `Record ${e} was altered: both its fields and its link to record ${lastSeq} were changed.`,
    };
  }
  if (lastSeq === anchor.seq) {
    return {
      problem: 'altered',
      seq: e,
      detail: `Record ${e} does not chain to where the log starts (${anchor.recordHash}).`,
    };
  }
  return {
    problem: 'altered',
    seq: lastSeq,
    detail: `Record ${lastSeq} is not the record that record ${e} was chained to: it was altered and re-hashed (or records after it removed and the rest renumbered and re-hashed).`,
  };
}

/** "record 5 was" or "records 5..7 were". */
function span(first: number, last: number, r: 'r' | 'R' = 'r'): string {
  return first === last ? `${r}ecord ${first} was` : `${r}ecords ${first}..${last} were`;
}

/** Reads the rest of the source once, looking for a seq and a record hash. */
async function scanAhead(
  rest: AsyncIterator<SourceItem>,
  seq: number,
  hash: string,
): Promise<{ next: LogRecord | null; seqFound: boolean; hashOwner: number | null }> {
  let next: LogRecord | null | undefined;
  let seqFound = false;
  let hashOwner: number | null = null;
  for (let item = await rest.next(); !item.done; item = await rest.next()) {
    const record = 'record' in item.value ? item.value.record : null;
    if (next === undefined) next = record;
    if (!record) continue;
    if (record.seq === seq) seqFound = true;
    if (hashOwner === null && record.recordHash === hash) hashOwner = record.seq;
    if (seqFound && hashOwner !== null) break;
  }
  return { next: next ?? null, seqFound, hashOwner };
}
