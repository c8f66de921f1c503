import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUSINESS_KINDS, canTransition, checkTransition } from './status-rules.ts';

const CODES = ['01', '02', '03', '04', '05', '06', '13', '15', '16'];

describe('status transitions', () => {
  it('lets a new document go 01 → 03 → 06, skipping steps, and not back', () => {
    expect(canTransition('new', null, '01')).toBe(true);
    expect(canTransition('new', '01', '03')).toBe(true);
    expect(canTransition('new', '03', '06')).toBe(true);
    expect(canTransition('new', '06', '03')).toBe(false);
    expect(canTransition('new', '03', '03')).toBe(false);
    expect(canTransition('new', null, '03')).toBe(false);
    expect(canTransition('new', '01', '02')).toBe(true);
    expect(canTransition('new', '03', '02')).toBe(false);
    expect(canTransition('new', '02', '03')).toBe(false);
  });

  it('answers revoke, update and replace with 15 or 16 once, after arrival', () => {
    for (const kind of ['revoke', 'update', 'replace'] as const) {
      expect(canTransition(kind, '01', '15')).toBe(true);
      expect(canTransition(kind, '01', '16')).toBe(true);
      expect(canTransition(kind, '15', '16')).toBe(false);
      expect(canTransition(kind, '01', '03')).toBe(false);
    }
    expect(canTransition('new', '01', '15')).toBe(false);
    expect(() => checkTransition('new', '06', '05')).toThrowError(
      expect.objectContaining({ code: 'docex.status_transition', category: 'conflict' }),
    );
  });

  it('never accepts 13 from a recipient, and any accepted path only moves forward', () => {
    const rank = (c: string | null) =>
      c === null ? 0 : (({ '01': 1, '03': 2, '04': 3, '05': 4, '06': 5 } as Record<string, number>)[c] ?? 9);
    fc.assert(
      fc.property(
        fc.constantFrom(...BUSINESS_KINDS),
        fc.array(fc.constantFrom(...CODES), { maxLength: 12 }),
        (kind, steps) => {
          let current: string | null = null;
          const path: string[] = [];
          for (const next of steps) {
            if (!canTransition(kind, current, next)) continue;
            expect(next).not.toBe('13');
            if (!['02', '15', '16'].includes(next)) expect(rank(next)).toBeGreaterThan(rank(current));
            path.push(next);
            current = next;
          }
          // The first accepted status is always 01 (arrival); nothing follows a final one.
          if (path.length) expect(path[0]).toBe('01');
          const finals = path.filter((c) => ['02', '06', '15', '16'].includes(c));
          if (finals.length) expect(path.at(-1)).toBe(finals[0]);
        },
      ),
    );
  });
});
