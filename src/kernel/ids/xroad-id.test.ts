import { describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../errors.ts';
import {
  decodeXRoadPathSegments,
  encodeXRoadPath,
  formatXRoadId,
  parseClientId,
  parseMemberId,
  parseServiceId,
  parseSubsystemId,
  parseXRoadId,
  sameXRoadId,
} from './xroad-id.ts';

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('expected an AppError, nothing was thrown');
}

describe('parsing X-Road identifiers', () => {
  it('reads member, subsystem and service identifiers', () => {
    expect(parseMemberId('VN/GOV/000.00.00.G01')).toEqual({
      type: 'member',
      instance: 'VN',
      memberClass: 'GOV',
      memberCode: '000.00.00.G01',
    });
    expect(parseSubsystemId('VN/GOV/000.00.00.G22/vpcpdvcprovider')).toMatchObject({
      type: 'subsystem',
      subsystemCode: 'vpcpdvcprovider',
    });
    expect(parseServiceId('VN/GOV/000.00.12.H49/dossier/getStatus')).toEqual({
      type: 'service',
      instance: 'VN',
      memberClass: 'GOV',
      memberCode: '000.00.12.H49',
      subsystemCode: 'dossier',
      serviceCode: 'getStatus',
    });
    expect(parseServiceId('VN/GOV/000.00.12.H49/dossier/getStatus/v1')).toMatchObject({
      serviceVersion: 'v1',
    });
    expect(parseClientId('VN/COM/0100233488').type).toBe('member');
    expect(parseClientId('VN/COM/0100233488/erp').type).toBe('subsystem');
    expect(parseXRoadId('VN/ORG/anything/sub/svc').type).toBe('service');
  });

  it('rejects the wrong number of parts for the kind asked for', () => {
    expect(errorOf(() => parseServiceId('VN/GOV/000.00.00.G01/sub')).details).toMatchObject({
      part: 'value',
    });
    expect(errorOf(() => parseMemberId('VN/GOV/000.00.00.G01/sub')).message).toContain('has 4 part(s)');
    expect(errorOf(() => parseClientId('VN/GOV')).code).toBe('ids.invalid_xroad_id');
    expect(errorOf(() => parseXRoadId('VN/GOV/000.00.00.G01/a/b/c/d')).message).toContain('3 to 6');
  });

  it('names the empty or malformed part', () => {
    const cases: Array<[string, string]> = [
      ['VN//000.00.00.G01', 'memberClass'],
      ['/GOV/000.00.00.G01', 'instance'],
      ['VN/GOV/000.00.00.G01/', 'subsystemCode'],
      ['VN/GOV/000.00.00.G01/sub svc', 'subsystemCode'],
      ['VN/ORG/x/sub/svc#1', 'serviceCode'],
      ['VN/ORG/x/sub/svc/v:1', 'serviceVersion'],
      ['VN/ORG/x/..', 'subsystemCode'],
      ['VN/ORG/Bộ', 'memberCode'],
    ];
    for (const [value, part] of cases) {
      const err = errorOf(() => parseXRoadId(value));
      expect(err.code).toBe('ids.invalid_xroad_id');
      expect(err.details).toMatchObject({ value, part });
    }
    expect(errorOf(() => parseXRoadId('VN/ORG/x/sub svc')).message).toContain('subsystem code');
  });

  it('checks instance and class against configurable lists', () => {
    expect(errorOf(() => parseMemberId('EE/GOV/70000562')).details).toMatchObject({ part: 'instance' });
    expect(parseMemberId('EE/GOV/70000562', { instances: ['EE'], strictMemberCodes: false }).instance).toBe(
      'EE',
    );
    expect(errorOf(() => parseMemberId('VN/NGO/x')).details).toMatchObject({ part: 'memberClass' });
    expect(parseMemberId('VN/NGO/x', { memberClasses: ['GOV', 'NGO'] }).memberClass).toBe('NGO');
  });

  it('requires agency codes for GOV and tax codes for COM unless told otherwise', () => {
    const gov = errorOf(() => parseMemberId('VN/GOV/ministry-of-health'));
    expect(gov.details).toMatchObject({ part: 'memberCode', reason: 'ids.invalid_agency_code' });
    expect(gov.message).toContain('agency electronic code');
    const com = errorOf(() => parseMemberId('VN/COM/0100233480'));
    expect(com.details).toMatchObject({ part: 'memberCode', reason: 'ids.invalid_tax_code' });
    expect(parseMemberId('VN/COM/0314409058-002').memberCode).toBe('0314409058-002');
    expect(parseMemberId('VN/GOV/G09.20').memberCode).toBe('G09.20');
    expect(parseMemberId('VN/GOV/ministry-of-health', { strictMemberCodes: false }).memberCode).toBe(
      'ministry-of-health',
    );
    expect(parseMemberId("VN/ORG/Hoi-(test)'=?").memberCode).toBe("Hoi-(test)'=?");
  });
});

describe('formatting and path encoding', () => {
  const service = parseServiceId("VN/ORG/a'b(c)/s+1,2=3?/get.Status/v1");

  it('formats the slash form back', () => {
    expect(formatXRoadId(service)).toBe("VN/ORG/a'b(c)/s+1,2=3?/get.Status/v1");
    expect(formatXRoadId(parseMemberId('VN/GOV/000.00.00.G01'))).toBe('VN/GOV/000.00.00.G01');
  });

  it('percent-encodes the reserved characters a part may contain', () => {
    expect(encodeXRoadPath(service)).toBe('VN/ORG/a%27b%28c%29/s%2B1%2C2%3D3%3F/get.Status/v1');
    expect(encodeXRoadPath(parseSubsystemId('VN/GOV/000.00.12.H49/dossier'))).toBe(
      'VN/GOV/000.00.12.H49/dossier',
    );
  });

  it('decodes path segments back to the identifier', () => {
    const decoded = decodeXRoadPathSegments(encodeXRoadPath(service).split('/'));
    expect(sameXRoadId(decoded, service)).toBe(true);
    expect(decodeXRoadPathSegments(['VN', 'GOV', '000.00.00.G01', 'd%6Fssier'])).toMatchObject({
      subsystemCode: 'dossier',
    });
  });

  it('rejects segments that decode to disallowed characters or are malformed', () => {
    const slash = errorOf(() => decodeXRoadPathSegments(['VN', 'GOV', '000.00.00.G01', 'a%2Fb']));
    expect(slash.details).toMatchObject({ part: 'subsystemCode' });
    expect(slash.message).toContain('"/"');
    expect(errorOf(() => decodeXRoadPathSegments(['VN', 'GOV', '000.00.00.G01', 'a%20b'])).code).toBe(
      'ids.invalid_xroad_id',
    );
    expect(errorOf(() => decodeXRoadPathSegments(['VN', 'GOV', '%E0%A4%A'])).details).toMatchObject({
      part: 'memberCode',
    });
    expect(errorOf(() => decodeXRoadPathSegments(['VN', 'GOV', '000.00.00.G01', '%2E%2E'])).code).toBe(
      'ids.invalid_xroad_id',
    );
  });

  it('refuses to format an identifier built by hand with a bad part', () => {
    const bad = { type: 'member', instance: 'VN', memberClass: 'GOV', memberCode: 'a/b' } as const;
    expect(errorOf(() => formatXRoadId(bad)).details).toMatchObject({ part: 'memberCode' });
    expect(errorOf(() => encodeXRoadPath(bad)).code).toBe('ids.invalid_xroad_id');
  });
});

describe('sameXRoadId', () => {
  it('compares kind and every part, case-sensitively', () => {
    const a = parseServiceId('VN/GOV/000.00.00.G01/sub/svc');
    expect(sameXRoadId(a, parseServiceId('VN/GOV/000.00.00.G01/sub/svc'))).toBe(true);
    expect(sameXRoadId(a, parseServiceId('VN/GOV/000.00.00.G01/sub/svc/v1'))).toBe(false);
    expect(sameXRoadId(a, parseServiceId('VN/GOV/000.00.00.G01/Sub/svc'))).toBe(false);
    expect(
      sameXRoadId(parseMemberId('VN/GOV/000.00.00.G01'), parseClientId('VN/GOV/000.00.00.G01/sub')),
    ).toBe(false);
  });
});
