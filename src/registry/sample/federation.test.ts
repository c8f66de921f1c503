import { describe, expect, it } from 'vitest';
import { SAMPLE_FEDERATION, type SampleAccessRight, type SampleService } from './federation.ts';

const { agencies, subsystems, gateways, services, groups, accessRights } = SAMPLE_FEDERATION;

// The only codes known for sure (REFERENCE.md §1); everything else must be labelled illustrative.
const REAL_CODES = new Map([
  ['000.00.00.G01', 'Bộ Công an'],
  ['000.00.00.G09', 'Bộ Nội vụ'],
  ['000.00.00.G12', 'Bộ Tài chính'],
  ['000.00.00.G18', 'Bộ Y tế'],
  ['000.00.00.G22', 'Văn phòng Chính phủ'],
  ['000.00.00.H49', 'Ủy ban nhân dân tỉnh Quảng Ninh'],
]);

// Local on purpose: the shared QCVN 102 parser is written in parallel and must not be trusted here.
const QCVN_102 = /^\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$/;
const IDENTIFIER = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const TOP_LEVEL_KINDS = ['ministry', 'government_body', 'province'];

/** `V.Z.Y.X` → the level-1 part (`G01`), then the levels 2..4 that are set (zeros mean unused). */
function levelsOf(code: string): { group: string; set: string[] } {
  const [v, z, y, x] = code.split('.') as [string, string, string, string];
  const set: string[] = [];
  for (const part of [y, z, v]) {
    if (Number(part) === 0) break;
    set.push(part);
  }
  return { group: x, set };
}

/** True when every level below the first unused one is unused too (no gaps). */
function hasNoGaps(code: string): boolean {
  const [v, z, y] = code.split('.').map(Number) as [number, number, number];
  return !((z !== 0 && y === 0) || (v !== 0 && z === 0));
}

function isBelow(child: string, ancestor: string): boolean {
  const c = levelsOf(child);
  const a = levelsOf(ancestor);
  return c.group === a.group && c.set.length > a.set.length && a.set.every((part, i) => c.set[i] === part);
}

function expectCleanText(value: string, what: string): void {
  expect(value, what).not.toBe('');
  expect(value, `${what} is trimmed`).toBe(value.trim());
  expect(value, `${what} is NFC`).toBe(value.normalize('NFC'));
}

const subsystemKey = (memberCode: string, subsystemCode: string) => `${memberCode}/${subsystemCode}`;
const subsystemKeys = new Set(subsystems.map((s) => subsystemKey(s.memberCode, s.code)));
const findService = (p: SampleAccessRight['provider']): SampleService | undefined =>
  services.find(
    (s) => s.memberCode === p.memberCode && s.subsystemCode === p.subsystemCode && s.code === p.serviceCode,
  );

/** Access decision as the gateway will make it: deny unless a right names the caller or its group. */
function allows(
  client: string,
  provider: SampleAccessRight['provider'],
  method: string,
  path: string,
): boolean {
  return accessRights.some((r) => {
    const sameService =
      r.provider.memberCode === provider.memberCode &&
      r.provider.subsystemCode === provider.subsystemCode &&
      r.provider.serviceCode === provider.serviceCode;
    const endpointOk = r.endpoint === null || (r.endpoint.method === method && r.endpoint.path === path);
    const subjectOk =
      r.subject.type === 'subsystem'
        ? subsystemKey(r.subject.memberCode, r.subject.subsystemCode) === client
        : (groups
            .find((g) => g.code === (r.subject as { code: string }).code)
            ?.members.some((m) => subsystemKey(m.memberCode, m.subsystemCode) === client) ?? false);
    return sameService && endpointOk && subjectOk;
  });
}

describe('sample federation: agencies', () => {
  it('has a realistic size and unique codes in QCVN 102:2016 form without gaps', () => {
    expect(agencies.length).toBeGreaterThanOrEqual(40);
    expect(agencies.length).toBeLessThanOrEqual(60);
    expect(new Set(agencies.map((a) => a.code)).size).toBe(agencies.length);
    for (const a of agencies) {
      expect(a.code, a.code).toMatch(QCVN_102);
      expect(hasNoGaps(a.code), `${a.code} sets a level below an unused one`).toBe(true);
    }
  });

  it('lists parents first, and each parent is a structural ancestor of its child', () => {
    const seen = new Set<string>();
    for (const a of agencies) {
      if (a.parentCode !== null) {
        expect(seen.has(a.parentCode), `${a.code}: parent ${a.parentCode} must come earlier`).toBe(true);
        expect(isBelow(a.code, a.parentCode), `${a.code} is not below ${a.parentCode}`).toBe(true);
      }
      seen.add(a.code);
    }
  });

  it('puts ministries, government bodies and provinces at level 1 with no parent, all others below', () => {
    for (const a of agencies) {
      const topLevel = TOP_LEVEL_KINDS.includes(a.kind);
      expect(a.parentCode === null, `${a.code} (${a.kind})`).toBe(topLevel);
      expect(levelsOf(a.code).set.length === 0, `${a.code} (${a.kind})`).toBe(topLevel);
      if (a.kind === 'province') expect(levelsOf(a.code).group[0]).toBe('H');
      if (a.kind === 'ministry' || a.kind === 'government_body') expect(levelsOf(a.code).group[0]).toBe('G');
    }
    const districts = agencies.filter((a) => a.kind === 'district');
    expect(districts.length).toBeGreaterThanOrEqual(2);
    for (const d of districts) {
      expect(
        agencies.filter((a) => a.parentCode === d.code && a.kind === 'commune').length,
      ).toBeGreaterThanOrEqual(2);
    }
  });

  it('has clean names: NFC Vietnamese, printable ASCII English', () => {
    for (const a of agencies) {
      expectCleanText(a.nameVi, `${a.code} nameVi`);
      expectCleanText(a.nameEn, `${a.code} nameEn`);
      expect(a.nameEn, `${a.code} nameEn`).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('labels exactly the known codes as real, with their official names', () => {
    for (const a of agencies) {
      expect(a.codeStatus, a.code).toBe(REAL_CODES.has(a.code) ? 'real' : 'illustrative');
    }
    for (const [code, nameVi] of REAL_CODES) {
      expect(agencies.find((a) => a.code === code)?.nameVi, code).toBe(nameVi);
    }
  });
});

describe('sample federation: subsystems and gateways', () => {
  it('gives every subsystem a valid code, a known member with a gateway, and clean names', () => {
    expect(subsystemKeys.size).toBe(subsystems.length);
    const gatewayMembers = new Set(gateways.map((g) => g.memberCode));
    for (const s of subsystems) {
      const key = subsystemKey(s.memberCode, s.code);
      expect(s.code, key).toMatch(IDENTIFIER);
      expect(gatewayMembers.has(s.memberCode), `${key}: its member has no gateway`).toBe(true);
      expectCleanText(s.nameVi, `${key} nameVi`);
      expectCleanText(s.nameEn, `${key} nameEn`);
    }
  });

  it('gives every province a dossier and a documents subsystem', () => {
    for (const p of agencies.filter((a) => a.kind === 'province')) {
      expect(subsystemKeys.has(subsystemKey(p.code, 'dossier')), p.code).toBe(true);
      expect(subsystemKeys.has(subsystemKey(p.code, 'documents')), p.code).toBe(true);
    }
  });

  it('has exactly one gateway per ministry, government body and province', () => {
    const expected = agencies.filter((a) => TOP_LEVEL_KINDS.includes(a.kind)).map((a) => a.code);
    expect(gateways.map((g) => g.memberCode).sort()).toEqual([...expected].sort());
    for (const g of gateways) expect(g.code).toMatch(IDENTIFIER);
  });
});

describe('sample federation: services', () => {
  it('puts every service on a known subsystem, with unique codes and endpoints', () => {
    const keys = services.map((s) => `${subsystemKey(s.memberCode, s.subsystemCode)}/${s.code}`);
    expect(new Set(keys).size).toBe(services.length);
    for (const s of services) {
      expect(subsystemKeys.has(subsystemKey(s.memberCode, s.subsystemCode)), s.code).toBe(true);
      expect(s.code).toMatch(IDENTIFIER);
      if (s.version !== null) expect(s.version).toMatch(/^v\d+$/);
      expectCleanText(s.titleVi, `${s.code} titleVi`);
      expectCleanText(s.titleEn, `${s.code} titleEn`);
      expect(s.endpoints.length, s.code).toBeGreaterThan(0);
      const endpoints = s.endpoints.map((e) => `${e.method} ${e.path}`);
      expect(new Set(endpoints).size, s.code).toBe(endpoints.length);
      for (const e of s.endpoints) expect(e.path, s.code).toMatch(/^(\/([a-z0-9-]+|\{[A-Za-z]+\}))+$/);
    }
  });

  it('marks every service keyed by a personal identification number as personal data', () => {
    for (const s of services) {
      if (s.endpoints.some((e) => e.path.includes('{personalId}'))) expect(s.personalData, s.code).toBe(true);
    }
    expect(services.some((s) => !s.personalData)).toBe(true);
  });

  it('describes exactly its endpoints in an OpenAPI 3.1 document', () => {
    for (const s of services) {
      const doc = s.openapi as {
        openapi: string;
        info: { title: string; version: string };
        paths: Record<string, Record<string, Record<string, unknown>>>;
      };
      expect(doc.openapi, s.code).toBe('3.1.0');
      expect(doc.info.title, s.code).toBe(s.titleVi);
      expect(doc.info.version, s.code).not.toBe('');
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      );
      expect(documented.sort(), s.code).toEqual(s.endpoints.map((e) => `${e.method} ${e.path}`).sort());

      for (const e of s.endpoints) {
        const op = doc.paths[e.path]?.[e.method.toLowerCase()] as {
          parameters?: { name: string; in: string; required: boolean }[];
          responses: Record<string, { content: Record<string, { schema: unknown }> }>;
        };
        const where = `${s.code} ${e.method} ${e.path}`;
        expect(op.responses['200']?.content['application/json']?.schema, where).toBeTypeOf('object');
        const templated = [...e.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        const declared = (op.parameters ?? [])
          .filter((p) => p.in === 'path' && p.required)
          .map((p) => p.name);
        expect(declared, where).toEqual(templated);
      }
    }
  });
});

describe('sample federation: groups and access rights', () => {
  it('resolves every group member, and provincial-committees holds every province dossier', () => {
    expect(new Set(groups.map((g) => g.code)).size).toBe(groups.length);
    for (const g of groups) {
      expect(g.code).toMatch(IDENTIFIER);
      expectCleanText(g.descriptionVi, `${g.code} descriptionVi`);
      expectCleanText(g.descriptionEn, `${g.code} descriptionEn`);
      for (const m of g.members) {
        expect(subsystemKeys.has(subsystemKey(m.memberCode, m.subsystemCode)), g.code).toBe(true);
      }
    }
    const provinces = agencies
      .filter((a) => a.kind === 'province')
      .map((a) => subsystemKey(a.code, 'dossier'));
    const members = groups.find((g) => g.code === 'provincial-committees')?.members ?? [];
    expect(members.map((m) => subsystemKey(m.memberCode, m.subsystemCode)).sort()).toEqual(provinces.sort());
  });

  it('resolves every right to a service, one of its endpoints, and a known subject', () => {
    for (const r of accessRights) {
      const service = findService(r.provider);
      expect(service, JSON.stringify(r.provider)).toBeDefined();
      if (r.endpoint !== null) {
        const { method, path } = r.endpoint;
        expect(
          service?.endpoints.some((e) => e.method === method && e.path === path),
          `${method} ${path}`,
        ).toBe(true);
      }
      if (r.subject.type === 'group') {
        const code = r.subject.code;
        expect(
          groups.some((g) => g.code === code),
          code,
        ).toBe(true);
      } else {
        expect(subsystemKeys.has(subsystemKey(r.subject.memberCode, r.subject.subsystemCode))).toBe(true);
      }
    }
    expect(accessRights.some((r) => r.endpoint === null)).toBe(true);
    expect(accessRights.some((r) => r.endpoint !== null)).toBe(true);
    const keys = accessRights.map((r) => JSON.stringify(r));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('wires the linked birth procedure and denies what no right grants', () => {
    const citizens = { memberCode: '000.00.00.G01', subsystemCode: 'population', serviceCode: 'citizens' };
    const births = { memberCode: '000.00.00.G15', subsystemCode: 'civil-status', serviceCode: 'births' };
    const cards = { memberCode: '000.00.00.G23', subsystemCode: 'health-insurance', serviceCode: 'cards' };
    const residence = {
      memberCode: '000.00.00.G01',
      subsystemCode: 'residence',
      serviceCode: 'residence-registrations',
    };
    const civilStatus = subsystemKey('000.00.00.G15', 'civil-status');
    for (const p of agencies.filter((a) => a.kind === 'province')) {
      const dossier = subsystemKey(p.code, 'dossier');
      expect(allows(dossier, citizens, 'GET', '/citizens/{personalId}'), dossier).toBe(true);
      expect(allows(dossier, births, 'POST', '/births'), dossier).toBe(true);
      expect(allows(dossier, cards, 'POST', '/cards'), dossier).toBe(false);
      expect(allows(subsystemKey(p.code, 'documents'), citizens, 'GET', '/citizens/{personalId}')).toBe(
        false,
      );
    }
    expect(allows(civilStatus, residence, 'POST', '/residence-registrations')).toBe(true);
    expect(allows(civilStatus, cards, 'POST', '/cards')).toBe(true);
    expect(allows(civilStatus, cards, 'GET', '/cards/{personalId}')).toBe(false);
  });
});
