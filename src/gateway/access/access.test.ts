import { describe, expect, it } from 'vitest';
import type { GcService } from '../../kernel/globalconf/format.ts';
import {
  type AccessConfiguration,
  allowedEndpoints,
  buildAccessIndex,
  compareNatural,
  findService,
  isAllowed,
  matchPathPattern,
} from './access.ts';

const POPULATION = 'VN/GOV/000.00.00.G01/population';
const DOSSIER_QN = 'VN/GOV/000.00.12.H49/dossier';
const DOSSIER_HN = 'VN/GOV/000.00.01.H26/dossier';
const CIVIL = 'VN/GOV/000.00.00.G03/civil-status';
const INSURANCE = 'VN/GOV/000.00.00.G18/insurance';

const service = (
  providerId: string,
  code: string,
  version: string | null,
  endpoints: string[] = [],
): GcService => ({
  id: `${providerId}/${code}${version ? `/${version}` : ''}`,
  providerId,
  code,
  version,
  titleVi: code,
  personalData: true,
  endpoints: endpoints.map((e) => {
    const [method, path] = e.split(' ') as [string, string];
    return { method, path };
  }),
});

const conf: AccessConfiguration = {
  services: [
    service(POPULATION, 'citizens', null, ['GET /citizens/{personalId}', 'POST /citizens']),
    service(POPULATION, 'households', 'v2'),
    service(POPULATION, 'households', 'v10'),
    service(POPULATION, 'households', 'v9'),
    service(POPULATION, 'residence', 'v1'),
    service(POPULATION, 'residence', null),
    service(CIVIL, 'births', null, ['POST /births', 'GET /births/**']),
  ],
  groups: [{ code: 'provincial-dossier', members: [DOSSIER_QN, DOSSIER_HN] }],
  accessRights: [
    {
      service: `${POPULATION}/citizens`,
      endpoint: { method: 'GET', path: '/citizens/{personalId}' },
      subject: { type: 'group', code: 'provincial-dossier' },
    },
    { service: `${POPULATION}/citizens`, endpoint: null, subject: { type: 'subsystem', id: CIVIL } },
    {
      service: `${POPULATION}/households/v2`,
      endpoint: null,
      subject: { type: 'subsystem', id: DOSSIER_QN },
    },
    {
      service: `${POPULATION}/households/v10`,
      endpoint: null,
      subject: { type: 'subsystem', id: INSURANCE },
    },
    {
      service: `${CIVIL}/births`,
      endpoint: { method: '*', path: '/births/**' },
      subject: { type: 'subsystem', id: DOSSIER_QN },
    },
    {
      service: `${CIVIL}/births`,
      endpoint: { method: 'post', path: '/births' },
      subject: { type: 'subsystem', id: DOSSIER_QN },
    },
    { service: `${CIVIL}/nope`, endpoint: null, subject: { type: 'subsystem', id: DOSSIER_QN } },
  ],
};
const index = buildAccessIndex(conf);

describe('findService', () => {
  it('prefers the version-less service, else the highest version in natural order', () => {
    expect(findService(index, `${POPULATION}/citizens`)?.id).toBe(`${POPULATION}/citizens`);
    expect(findService(index, `${POPULATION}/households`)?.id).toBe(`${POPULATION}/households/v10`);
    expect(findService(index, `${POPULATION}/residence`)?.id).toBe(`${POPULATION}/residence`);
    expect(findService(index, `${POPULATION}/unknown`)).toBeUndefined();
    expect(findService(index, `${POPULATION}/households/v2`)).toBeUndefined();
  });

  it('orders versions naturally', () => {
    const sorted = ['v10', '1.10', 'v2', '1.9', '10', '2', 'v1', '1', 'b', 'a10', 'a9'].sort(compareNatural);
    expect(sorted).toEqual(['1', '1.9', '1.10', '2', '10', 'a9', 'a10', 'b', 'v1', 'v2', 'v10']);
  });
});

describe('isAllowed', () => {
  it('lets a group member call the granted endpoint only', () => {
    for (const client of [DOSSIER_QN, DOSSIER_HN]) {
      expect(isAllowed(index, client, `${POPULATION}/citizens`, 'GET', '/citizens/001201012345')).toBe(true);
      expect(isAllowed(index, client, `${POPULATION}/citizens`, 'POST', '/citizens')).toBe(false);
      expect(isAllowed(index, client, `${POPULATION}/citizens`, 'GET', '/citizens')).toBe(false);
      expect(isAllowed(index, client, `${POPULATION}/citizens`, 'GET', '/citizens/001/cards')).toBe(false);
    }
  });

  it('lets a whole-service right through for every method and path', () => {
    for (const [method, path] of [
      ['GET', '/'],
      ['DELETE', '/citizens/001'],
      ['PATCH', '/anything/at/all'],
    ] as const) {
      expect(isAllowed(index, CIVIL, `${POPULATION}/citizens`, method, path)).toBe(true);
    }
  });

  it('denies by default: unknown clients, services and rights on unknown services', () => {
    expect(isAllowed(index, INSURANCE, `${POPULATION}/citizens`, 'GET', '/citizens/001')).toBe(false);
    expect(isAllowed(index, 'VN/GOV/000.00.00.G99/nobody', `${CIVIL}/births`, 'POST', '/births')).toBe(false);
    expect(isAllowed(index, DOSSIER_QN, `${CIVIL}/nope`, 'GET', '/')).toBe(false);
  });

  it('applies rights to the resolved version only', () => {
    // households resolves to v10: DOSSIER_QN's right on v2 does not carry over.
    expect(isAllowed(index, DOSSIER_QN, `${POPULATION}/households`, 'GET', '/')).toBe(false);
    expect(isAllowed(index, INSURANCE, `${POPULATION}/households`, 'GET', '/')).toBe(true);
  });

  it('matches "*" methods, lower-case configured methods and "**" rests', () => {
    expect(isAllowed(index, DOSSIER_QN, `${CIVIL}/births`, 'DELETE', '/births/2024/001')).toBe(true);
    expect(isAllowed(index, DOSSIER_QN, `${CIVIL}/births`, 'GET', '/births')).toBe(true);
    expect(isAllowed(index, DOSSIER_QN, `${CIVIL}/births`, 'POST', '/births')).toBe(true);
    expect(isAllowed(index, DOSSIER_QN, `${CIVIL}/births`, 'GET', '/deaths')).toBe(false);
  });

  it('compares decoded segments and never lets dot segments or encoded slashes through', () => {
    const citizens = `${POPULATION}/citizens`;
    expect(isAllowed(index, DOSSIER_QN, citizens, 'GET', '/citizens/%30%30%31')).toBe(true);
    expect(isAllowed(index, DOSSIER_QN, citizens, 'GET', '/%63itizens/001')).toBe(true);
    expect(isAllowed(index, DOSSIER_QN, citizens, 'GET', '/citizens/..')).toBe(false);
    expect(isAllowed(index, DOSSIER_QN, citizens, 'GET', '/citizens/%2e%2e')).toBe(false);
    expect(isAllowed(index, DOSSIER_QN, citizens, 'GET', '/citizens/a%2Fb')).toBe(false);
    expect(isAllowed(index, DOSSIER_QN, `${CIVIL}/births`, 'GET', '/births/../../admin')).toBe(false);
    expect(isAllowed(index, DOSSIER_QN, citizens, 'GET', '/citizens/%ZZ')).toBe(false);
  });
});

describe('allowedEndpoints', () => {
  it("lists the provider's services the client may call, whole or by endpoint", () => {
    expect(allowedEndpoints(index, DOSSIER_QN, POPULATION).map((a) => [a.service.id, a.endpoints])).toEqual([
      [`${POPULATION}/citizens`, [{ method: 'GET', path: '/citizens/{personalId}' }]],
      [`${POPULATION}/households/v2`, 'all'],
    ]);
    expect(allowedEndpoints(index, DOSSIER_QN, CIVIL).map((a) => [a.service.id, a.endpoints])).toEqual([
      [
        `${CIVIL}/births`,
        [
          { method: '*', path: '/births/**' },
          { method: 'POST', path: '/births' },
        ],
      ],
    ]);
    expect(allowedEndpoints(index, CIVIL, POPULATION).map((a) => [a.service.id, a.endpoints])).toEqual([
      [`${POPULATION}/citizens`, 'all'],
    ]);
    expect(allowedEndpoints(index, INSURANCE, CIVIL)).toEqual([]);
    expect(allowedEndpoints(index, DOSSIER_QN, 'VN/GOV/000.00.00.G99/nobody')).toEqual([]);
  });
});

describe('matchPathPattern', () => {
  it('matches literal, parameter, single and rest segments', () => {
    const table: [string, string, boolean][] = [
      ['/', '/', true],
      ['/', '', true],
      ['/', '/a', false],
      ['/citizens', '/citizens', true],
      ['/citizens', '/citizens/', false],
      ['/citizens', '/Citizens', false],
      ['/citizens/{personalId}', '/citizens/001', true],
      ['/citizens/{personalId}', '/citizens/', false],
      ['/citizens/{personalId}', '/citizens/001/x', false],
      ['/citizens/*/cards', '/citizens/001/cards', true],
      ['/citizens/*/cards', '/citizens//cards', false],
      ['/citizens/**', '/citizens', true],
      ['/citizens/**', '/citizens/', true],
      ['/citizens/**', '/citizens/a/b/c', true],
      ['/citizens/**', '/citizensx', false],
      ['/**', '/', true],
      ['/**', '/anything/else', true],
      ['/a/**/b', '/a/**/b', true],
      ['/a/**/b', '/a/x/b', false],
      ['/h%E1%BB%93-s%C6%A1', '/hồ-sơ', true],
      ['/hồ-sơ', '/h%E1%BB%93-s%C6%A1', true],
    ];
    for (const [pattern, path, expected] of table) {
      expect([pattern, path, matchPathPattern(pattern, path)]).toEqual([pattern, path, expected]);
    }
  });
});

describe('scale', () => {
  it('indexes 50,000 services with rights by subsystem and by group', () => {
    const services: GcService[] = [];
    const accessRights: AccessConfiguration['accessRights'] = [];
    const providerOf = (i: number) => `VN/GOV/000.00.${String(i % 100).padStart(2, '0')}.G01/p${i % 500}`;
    for (let i = 0; i < 50_000; i++) {
      services.push(service(providerOf(i), `s${i}`, null, ['GET /items/{id}']));
      accessRights.push({
        service: `${providerOf(i)}/s${i}`,
        endpoint: { method: 'GET', path: '/items/{id}' },
        subject: i % 2 ? { type: 'group', code: `g${i % 50}` } : { type: 'subsystem', id: DOSSIER_QN },
      });
    }
    const groups = Array.from({ length: 50 }, (_, g) => ({ code: `g${g}`, members: [DOSSIER_HN] }));
    const big = buildAccessIndex({ services, groups, accessRights });
    let viaGroup = 0;
    let direct = 0;
    for (let i = 0; i < 50_000; i++) {
      if (isAllowed(big, DOSSIER_HN, `${providerOf(i)}/s${i}`, 'GET', `/items/${i}`)) viaGroup++;
      if (isAllowed(big, DOSSIER_QN, `${providerOf(i)}/s${i}`, 'GET', `/items/${i}`)) direct++;
    }
    expect([viaGroup, direct]).toEqual([25_000, 25_000]);
    // providerOf(1) offers the 100 services with i ≡ 1 (mod 500): all odd, so all granted to groups.
    expect(allowedEndpoints(big, DOSSIER_HN, providerOf(1))).toHaveLength(100);
    expect(allowedEndpoints(big, DOSSIER_QN, providerOf(1))).toEqual([]);
  });
});
