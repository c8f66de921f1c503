import { describe, expect, it } from 'vitest';
import { isXRoadError } from './errors.ts';
import { parseClientHeader, parseMetaServicePath, parseServicePath } from './path.ts';

const SVC = '/r1/VN/GOV/000.00.00.G01/population/citizens';
const PROVIDER = '/r1/VN/GOV/000.00.00.G01/population';

/** The X-Road error a call throws: type, status and the part it names. */
function failure(fn: () => unknown): { type: string; status: number; part: unknown } {
  try {
    fn();
  } catch (err) {
    if (isXRoadError(err)) return { type: err.type, status: err.status, part: err.details?.['part'] };
    throw err;
  }
  throw new Error('expected an XRoadError, nothing was thrown');
}

describe('parseServicePath: valid requests', () => {
  it('splits identifier, service path and query', () => {
    expect(parseServicePath(`${SVC}/citizens/001201012345?fields=fullName,birthDate`)).toEqual({
      service: {
        type: 'service',
        instance: 'VN',
        memberClass: 'GOV',
        memberCode: '000.00.00.G01',
        subsystemCode: 'population',
        serviceCode: 'citizens',
      },
      serviceId: 'VN/GOV/000.00.00.G01/population/citizens',
      servicePath: '/citizens/001201012345',
      query: '?fields=fullName,birthDate',
    });
  });

  it('gives "/" for a service called at its root, with or without a trailing slash', () => {
    for (const target of [SVC, `${SVC}/`]) {
      expect(parseServicePath(target)).toMatchObject({ servicePath: '/', query: '' });
    }
    expect(parseServicePath(`${SVC}?`)).toMatchObject({ servicePath: '/', query: '?' });
  });

  it('decodes identifier parts but keeps the service path and query as received', () => {
    const parsed = parseServicePath(
      '/r1/VN/GOV/000.00.00.G01/civil%28status%29/get%2Ccitizen/a%20b/%E1%BB%85/x%2By?q=Nguy%E1%BB%85n+An&f[name]=x',
    );
    expect(parsed.service).toMatchObject({ subsystemCode: 'civil(status)', serviceCode: 'get,citizen' });
    expect(parsed.serviceId).toBe('VN/GOV/000.00.00.G01/civil(status)/get,citizen');
    expect(parsed.servicePath).toBe('/a%20b/%E1%BB%85/x%2By');
    expect(parsed.query).toBe('?q=Nguy%E1%BB%85n+An&f[name]=x');
  });

  it('takes identifier options for other instances and member classes', () => {
    const parsed = parseServicePath('/r1/VN-TEST/EDU/hust/registry/students', {
      instances: ['VN-TEST'],
      memberClasses: ['EDU'],
      strictMemberCodes: false,
    });
    expect(parsed.serviceId).toBe('VN-TEST/EDU/hust/registry/students');
  });
});

describe('parseServicePath: rejected requests name the part', () => {
  const cases: [string, string, string, unknown][] = [
    ['absolute URL', `https://gw.example${SVC}`, 'Client.BadRequest', 'target'],
    [
      'other protocol version',
      SVC.replace('/r1/', '/r2/'),
      'Client.InvalidProtocolVersion',
      'protocolVersion',
    ],
    ['no protocol prefix', SVC.replace('/r1/', '/v1/'), 'Client.BadRequest', 'protocolVersion'],
    ['root', '/', 'Client.BadRequest', 'protocolVersion'],
    ['only the prefix', '/r1', 'Client.BadRequest', 'serviceId'],
    ['subsystem without service', PROVIDER, 'Client.BadRequest', 'serviceId'],
    ['empty subsystem', '/r1/VN/GOV/000.00.00.G01//citizens', 'Client.BadRequest', 'subsystemCode'],
    ['unknown instance', SVC.replace('/VN/', '/XX/'), 'Client.BadRequest', 'instance'],
    ['unknown member class', SVC.replace('/GOV/', '/ABC/'), 'Client.BadRequest', 'memberClass'],
    [
      'GOV member code not an agency code',
      '/r1/VN/GOV/g01/population/citizens',
      'Client.BadRequest',
      'memberCode',
    ],
    ['encoded dot segment as service code', `${PROVIDER}/%2E%2E`, 'Client.BadRequest', 'serviceCode'],
    [
      'disallowed character once decoded',
      '/r1/VN/GOV/000.00.00.G01/popu%40lation/citizens',
      'Client.BadRequest',
      'subsystemCode',
    ],
    ['bad percent escape', '/r1/VN/GOV/000.00.00.G01/popul%ZZation/citizens', 'Client.BadRequest', 'path'],
    ['truncated percent escape', `${SVC}/a%2`, 'Client.BadRequest', 'path'],
    ['unencoded space', `${SVC}/citi zens`, 'Client.BadRequest', 'path'],
    ['unencoded non-ASCII', `${SVC}/Nguyễn`, 'Client.BadRequest', 'path'],
    ['dot-dot in service path', `${SVC}/citizens/../admin`, 'Client.BadRequest', 'servicePath'],
    ['encoded dot-dot in service path', `${SVC}/citizens/%2e%2E/admin`, 'Client.BadRequest', 'servicePath'],
    ['single dot segment', `${SVC}/./citizens`, 'Client.BadRequest', 'servicePath'],
    ['encoded slash', `${SVC}/citizens/a%2Fb`, 'Client.BadRequest', 'servicePath'],
    ['encoded backslash', `${SVC}/citizens/a%5cb`, 'Client.BadRequest', 'servicePath'],
    ['encoded NUL', `${SVC}/citizens/a%00`, 'Client.BadRequest', 'servicePath'],
    ['invalid UTF-8 escape', `${SVC}/citizens/%C3%28`, 'Client.BadRequest', 'servicePath'],
    ['fragment', `${SVC}?a=1#frag`, 'Client.BadRequest', 'query'],
    ['bad escape in query', `${SVC}?a=%G1`, 'Client.BadRequest', 'query'],
    ['non-ASCII query', `${SVC}?name=Nguyễn`, 'Client.BadRequest', 'query'],
  ];
  for (const [name, target, type, part] of cases) {
    it(name, () => {
      expect(failure(() => parseServicePath(target))).toEqual({ type, status: 400, part });
    });
  }

  it('says what is wrong and what shape is expected', () => {
    expect(() => parseServicePath(PROVIDER)).toThrow(/has 4 identifier part\(s\); a service needs 5/);
    expect(() => parseServicePath('/r1/VN/GOV/g01/population/citizens')).toThrow(/agency electronic code/);
  });
});

describe('parseClientHeader', () => {
  it('reads a subsystem or a member, percent-decoding parts', () => {
    expect(parseClientHeader('VN/GOV/000.00.12.H49/dossier')).toEqual({
      type: 'subsystem',
      instance: 'VN',
      memberClass: 'GOV',
      memberCode: '000.00.12.H49',
      subsystemCode: 'dossier',
    });
    expect(parseClientHeader(' VN/GOV/000.00.12.H49 ')).toMatchObject({ type: 'member' });
    expect(parseClientHeader('VN/GOV/000.00.12.H49/civil%28x%29')).toMatchObject({
      subsystemCode: 'civil(x)',
    });
  });

  it('refuses a missing or malformed header with Client.InvalidClientIdentifier', () => {
    for (const value of [undefined, '', '   ']) {
      expect(() => parseClientHeader(value)).toThrow(/no X-Road-Client header/);
    }
    const bad: [string, unknown][] = [
      ['VN/GOV', undefined],
      ['VN/GOV/000.00.12.H49/dossier/extra', undefined],
      ['VN/GOV/000.00.12.H49/d%C6%B0', 'subsystemCode'],
      ['VN/GOV/000.00.12.H49/%zz', 'subsystemCode'],
      ['XX/GOV/000.00.12.H49/dossier', 'instance'],
      ['VN/GOV/000.00.12.H49/dossier, VN/GOV/000.00.00.G01/population', undefined],
    ];
    for (const [value, part] of bad) {
      expect(failure(() => parseClientHeader(value))).toEqual({
        type: 'Client.InvalidClientIdentifier',
        status: 400,
        part,
      });
    }
  });
});

describe('parseMetaServicePath', () => {
  const provider = {
    type: 'subsystem',
    instance: 'VN',
    memberClass: 'GOV',
    memberCode: '000.00.00.G01',
    subsystemCode: 'population',
  };

  it('recognises the discovery metaservices', () => {
    expect(parseMetaServicePath('GET', '/listClients')).toEqual({ kind: 'listClients' });
    expect(parseMetaServicePath('GET', '/listClients?xRoadInstance=VN')).toEqual({
      kind: 'listClients',
      instance: 'VN',
    });
    expect(parseMetaServicePath('GET', '/listClients?xRoadInstance=')).toEqual({ kind: 'listClients' });
    expect(parseMetaServicePath('GET', `${PROVIDER}/listMethods`)).toEqual({ kind: 'listMethods', provider });
    expect(parseMetaServicePath('GET', `${PROVIDER}/allowedMethods/`)).toEqual({
      kind: 'allowedMethods',
      provider,
    });
    expect(parseMetaServicePath('GET', `${PROVIDER}/list%4Dethods`)).toEqual({
      kind: 'listMethods',
      provider,
    });
    expect(parseMetaServicePath('GET', `${PROVIDER}/getOpenAPI?serviceCode=citizens`)).toEqual({
      kind: 'getOpenAPI',
      provider,
      serviceCode: 'citizens',
    });
    // X-Road matches the parameter name case-insensitively and keeps the last one.
    expect(parseMetaServicePath('GET', `${PROVIDER}/getOpenAPI?servicecode=a&serviceCode=b`)).toMatchObject({
      serviceCode: 'b',
    });
  });

  it('returns null for ordinary calls and other methods', () => {
    expect(parseMetaServicePath('GET', SVC)).toBeNull();
    expect(parseMetaServicePath('GET', `${SVC}/listMethods`)).toBeNull();
    expect(parseMetaServicePath('POST', `${PROVIDER}/listMethods`)).toBeNull();
    expect(parseMetaServicePath('HEAD', '/listClients')).toBeNull();
    expect(parseMetaServicePath('GET', '/listClients/')).toBeNull();
    expect(parseMetaServicePath('GET', '/r1/listClients')).toBeNull();
  });

  it('refuses malformed metaservice calls, naming the part', () => {
    const cases: [string, unknown][] = [
      [`${PROVIDER}/listMethods/extra`, 'servicePath'],
      [`${PROVIDER}/getOpenAPI`, 'serviceCode'],
      [`${PROVIDER}/getOpenAPI?serviceCode=`, 'serviceCode'],
      [`${PROVIDER}/getOpenAPI?serviceCode=a%2Fb`, 'serviceCode'],
      [`${PROVIDER}/getOpenAPI?serviceCode=..`, 'serviceCode'],
      ['/r1/XX/GOV/000.00.00.G01/population/listMethods', 'instance'],
      ['/listClients?xRoadInstance=a%2Fb', 'xRoadInstance'],
      [`${PROVIDER}/list%ZZ`, 'path'],
    ];
    for (const [target, part] of cases) {
      expect(failure(() => parseMetaServicePath('GET', target))).toEqual({
        type: 'Client.BadRequest',
        status: 400,
        part,
      });
    }
  });
});
