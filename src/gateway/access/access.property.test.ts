import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GcAccessRight, GcGroup, GcService } from '../../kernel/globalconf/format.ts';
import {
  type AccessConfiguration,
  allowedEndpoints,
  buildAccessIndex,
  isAllowed,
  matchPathPattern,
} from './access.ts';

// Small pools, so that random rights, groups and requests actually meet.
const SUBSYSTEMS = [
  'VN/GOV/000.00.00.G01/a',
  'VN/GOV/000.00.00.G01/b',
  'VN/GOV/000.00.12.H49/c',
  'VN/GOV/000.00.12.H49/d',
  'VN/GOV/000.00.00.G03/e',
];
const OUTSIDER = 'VN/GOV/000.00.00.G99/outsider';
const CODES = ['s1', 's2', 's3'];
/** Ascending in natural order; the reference ranks versions by position here. */
const VERSIONS = ['1', '1.9', '1.10', '2', '10', 'v1', 'v2', 'v10'];
const GROUPS = ['g1', 'g2', 'g3'];
const PATH_SEGMENTS = ['a', 'b', 'c', 'x', '', '%61'];
const PATTERN_SEGMENTS = ['a', 'b', 'c', '{id}', '*'];

const arbPattern = fc
  .tuple(fc.array(fc.constantFrom(...PATTERN_SEGMENTS), { maxLength: 3 }), fc.boolean())
  .map(([segs, rest]) => `/${[...segs, ...(rest ? ['**'] : [])].join('/')}`);
const arbPath = fc
  .array(fc.constantFrom(...PATH_SEGMENTS), { maxLength: 4 })
  .map((segs) => `/${segs.join('/')}`);

const arbService = fc
  .record({
    providerId: fc.constantFrom(...SUBSYSTEMS.slice(0, 3)),
    code: fc.constantFrom(...CODES),
    version: fc.option(fc.constantFrom(...VERSIONS), { nil: null }),
  })
  .map(
    ({ providerId, code, version }): GcService => ({
      id: `${providerId}/${code}${version === null ? '' : `/${version}`}`,
      providerId,
      code,
      version,
      titleVi: code,
      personalData: false,
      endpoints: [],
    }),
  );

const arbConf = fc.uniqueArray(arbService, { selector: (s) => s.id, maxLength: 8 }).chain((services) => {
  const serviceIds = [...services.map((s) => s.id), 'VN/GOV/000.00.00.G01/a/unknown'];
  const right: fc.Arbitrary<GcAccessRight> = fc.record({
    service: fc.constantFrom(...serviceIds),
    endpoint: fc.option(fc.record({ method: fc.constantFrom('GET', 'POST', '*'), path: arbPattern }), {
      nil: null,
    }),
    subject: fc.oneof(
      fc.record({ type: fc.constant('subsystem' as const), id: fc.constantFrom(...SUBSYSTEMS) }),
      fc.record({ type: fc.constant('group' as const), code: fc.constantFrom(...GROUPS, 'g-unknown') }),
    ),
  });
  const group: fc.Arbitrary<GcGroup> = fc.record({
    code: fc.constantFrom(...GROUPS),
    members: fc.subarray(SUBSYSTEMS),
  });
  return fc.record({
    services: fc.constant(services),
    groups: fc.uniqueArray(group, { selector: (g) => g.code, maxLength: 3 }),
    accessRights: fc.array(right, { maxLength: 12 }),
  });
});

const arbRequest = fc.record({
  client: fc.constantFrom(...SUBSYSTEMS, OUTSIDER),
  service: fc.constantFrom(...SUBSYSTEMS.slice(0, 3).flatMap((p) => CODES.map((c) => `${p}/${c}`))),
  method: fc.constantFrom('GET', 'POST', 'PUT'),
  path: arbPath,
});
type Request = typeof arbRequest extends fc.Arbitrary<infer R> ? R : never;

/** Reference pattern matching: a regular expression over the decoded path. */
function referenceMatch(pattern: string, path: string): boolean {
  const segments = pattern === '/' ? [] : pattern.slice(1).split('/');
  const regex = segments.length
    ? segments
        .map((s, i) =>
          s === '**' && i === segments.length - 1
            ? '(?:/.*)?'
            : s === '*' || s.startsWith('{')
              ? '/[^/]+'
              : `/${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        )
        .join('')
    : '/';
  const decoded = path.split('/').map(decodeURIComponent).join('/');
  return new RegExp(`^${regex}$`).test(decoded);
}

/** Reference decision: scan everything, the obvious way. */
function referenceAllowed(conf: AccessConfiguration, r: Request): boolean {
  const candidates = conf.services.filter((s) => `${s.providerId}/${s.code}` === r.service);
  if (candidates.length === 0) return false;
  const chosen =
    candidates.find((s) => s.version === null) ??
    candidates.reduce((a, b) => (VERSIONS.indexOf(b.version!) > VERSIONS.indexOf(a.version!) ? b : a));
  const groups = conf.groups.filter((g) => g.members.includes(r.client)).map((g) => g.code);
  return conf.accessRights.some(
    (right) =>
      right.service === chosen.id &&
      (right.subject.type === 'subsystem'
        ? right.subject.id === r.client
        : groups.includes(right.subject.code)) &&
      (right.endpoint === null ||
        ((right.endpoint.method === '*' || right.endpoint.method === r.method) &&
          referenceMatch(right.endpoint.path, r.path))),
  );
}

const allowed = (conf: AccessConfiguration, r: Request) =>
  isAllowed(buildAccessIndex(conf), r.client, r.service, r.method, r.path);

describe('access matrix properties', () => {
  it('agrees with a naive reference implementation', () => {
    fc.assert(
      fc.property(arbConf, fc.array(arbRequest, { minLength: 1, maxLength: 20 }), (conf, requests) => {
        const index = buildAccessIndex(conf);
        for (const r of requests) {
          expect(isAllowed(index, r.client, r.service, r.method, r.path)).toBe(referenceAllowed(conf, r));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('never allows more when a right is removed', () => {
    fc.assert(
      fc.property(arbConf, arbRequest, fc.nat(), (conf, r, pick) => {
        fc.pre(conf.accessRights.length > 0);
        const i = pick % conf.accessRights.length;
        const fewer = { ...conf, accessRights: conf.accessRights.filter((_, j) => j !== i) };
        if (allowed(fewer, r)) expect(allowed(conf, r)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('always denies a client absent from every right and group', () => {
    fc.assert(
      fc.property(arbConf, arbRequest, (conf, r) => {
        expect(allowed(conf, { ...r, client: OUTSIDER })).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('lists in allowedEndpoints exactly what isAllowed lets through', () => {
    fc.assert(
      fc.property(arbConf, arbRequest, (conf, r) => {
        const index = buildAccessIndex(conf);
        const provider = r.service.split('/').slice(0, 4).join('/');
        const resolved = conf.services.filter((s) => `${s.providerId}/${s.code}` === r.service);
        const listed = allowedEndpoints(index, r.client, provider);
        const decision = isAllowed(index, r.client, r.service, r.method, r.path);
        const entry = listed.find((a) => resolved.length > 0 && a.service.id === referenceChoice(resolved));
        const covered =
          entry !== undefined &&
          (entry.endpoints === 'all' ||
            entry.endpoints.some(
              (e) => (e.method === '*' || e.method === r.method) && matchPathPattern(e.path, r.path),
            ));
        expect(covered).toBe(decision);
      }),
      { numRuns: 300 },
    );
  });
});

function referenceChoice(candidates: GcService[]): string {
  const chosen =
    candidates.find((s) => s.version === null) ??
    candidates.reduce((a, b) => (VERSIONS.indexOf(b.version!) > VERSIONS.indexOf(a.version!) ? b : a));
  return chosen.id;
}

const literalSegment = fc.stringMatching(/^[A-Za-z0-9_~-]{1,8}$/);
const anySegment = fc.string({ maxLength: 6 }).filter((s) => s !== '.' && s !== '..' && !s.includes('/'));
const literalPath = fc.array(literalSegment, { maxLength: 4 }).map((s) => `/${s.join('/')}`);

describe('path pattern properties', () => {
  it('a literal pattern matches itself, in any percent-encoding of it', () => {
    fc.assert(
      fc.property(literalPath, (p) => {
        expect(matchPathPattern(p, p)).toBe(true);
        const encoded = p.replace(/[A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
        expect(matchPathPattern(p, encoded)).toBe(true);
      }),
    );
  });

  it('{x} and * never match across a slash, encoded or not', () => {
    fc.assert(
      fc.property(
        literalPath,
        literalSegment,
        literalSegment,
        fc.constantFrom('{x}', '*'),
        (prefix, a, b, wild) => {
          const base = prefix === '/' ? '' : prefix;
          expect(matchPathPattern(`${base}/${wild}`, `${base}/${a}/${b}`)).toBe(false);
          expect(matchPathPattern(`${base}/${wild}`, `${base}/${a}%2F${b}`)).toBe(false);
          expect(matchPathPattern(`${base}/${wild}`, `${base}/${a}`)).toBe(true);
        },
      ),
    );
  });

  it('** matches any suffix, including none', () => {
    fc.assert(
      fc.property(literalPath, fc.array(anySegment, { maxLength: 4 }), (prefix, suffix) => {
        const base = prefix === '/' ? '' : prefix;
        const path = `${base}${suffix.map((s) => `/${encodeURIComponent(s)}`).join('')}` || '/';
        expect(matchPathPattern(`${base}/**`, path)).toBe(true);
      }),
    );
  });
});
