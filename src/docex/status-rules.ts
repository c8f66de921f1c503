import { AppError } from '../kernel/errors.ts';

/**
 * Which status a recipient may report next on a document it received. Statuses only move
 * forward: 01 arrived → 03 registered → 04 assigned → 05 in progress → 06 completed (steps may
 * be skipped), or 01 → 02 refused. Answers to a revoke, update or replace are 15 (accepted) or
 * 16 (refused), once. 13 is the sender's own withdrawal and is never reported by a recipient.
 */
const PROGRESS: Record<string, number> = { '01': 1, '03': 2, '04': 3, '05': 4, '06': 5 };
const FINAL = new Set(['02', '06', '15', '16']);

export type ReceivedKind = 'new' | 'revoke' | 'update' | 'replace';

export function checkTransition(kind: ReceivedKind, current: string | null, next: string): void {
  const refuse = (why: string) => {
    throw new AppError(
      'conflict',
      'docex.status_transition',
      `Không thể chuyển trạng thái ${current ?? '(chưa có)'} → ${next}: ${why}`,
      { details: { from: current, to: next, kind } },
    );
  };
  if (current !== null && FINAL.has(current)) refuse('văn bản đã ở trạng thái cuối.');
  if (next === '13') refuse('mã 13 chỉ do bên gửi dùng khi thu hồi văn bản.');
  if (next === '15' || next === '16') {
    if (kind === 'new') refuse('mã 15/16 chỉ dùng để trả lời yêu cầu thu hồi, cập nhật hoặc thay thế.');
    if (current !== '01') refuse('cần có trạng thái 01 (đã đến) trước.');
    return;
  }
  if (kind !== 'new' && next !== '01') refuse('yêu cầu thu hồi/cập nhật/thay thế chỉ nhận 15 hoặc 16.');
  if (next === '02') {
    if (current !== '01') refuse('chỉ từ chối được văn bản vừa đến (01).');
    return;
  }
  const rank = PROGRESS[next];
  if (rank === undefined) refuse('mã trạng thái không hợp lệ.');
  if (current === null) {
    if (next !== '01') refuse('trạng thái đầu tiên phải là 01 (đã đến).');
    return;
  }
  const have = PROGRESS[current] ?? 0;
  if (rank! <= have) refuse('trạng thái chỉ được tiến lên, không lùi hay lặp lại.');
}

/** True when `next` would be accepted after `current` (the same rules, as a predicate). */
export function canTransition(kind: ReceivedKind, current: string | null, next: string): boolean {
  try {
    checkTransition(kind, current, next);
    return true;
  } catch {
    return false;
  }
}

export const BUSINESS_KINDS: ReceivedKind[] = ['new', 'revoke', 'update', 'replace'];
