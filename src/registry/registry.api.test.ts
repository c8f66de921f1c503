import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRegistry, type TestRegistry } from '../../test/support/registry.ts';

const G01 = {
  memberClass: 'GOV',
  memberCode: '000.00.00.G01',
  nameVi: 'Bộ Công an',
  nameEn: 'Ministry of Public Security',
  kind: 'ministry',
};
const H49 = {
  memberClass: 'GOV',
  memberCode: '000.00.00.H49',
  nameVi: 'Ủy ban nhân dân tỉnh Quảng Ninh',
  kind: 'province',
};

describe('registry API', () => {
  let t: TestRegistry;
  let agencyKey: string;

  beforeAll(async () => {
    t = await startTestRegistry();
    expect((await t.call('POST', '/api/v1/members', G01)).status).toBe(201);
    expect((await t.call('POST', '/api/v1/members', H49)).status).toBe(201);
    const key = await t.call('POST', '/api/v1/api-keys', {
      name: 'Quảng Ninh IT',
      role: 'agency',
      member: { memberClass: 'GOV', memberCode: '000.00.00.H49' },
    });
    expect(key.status).toBe(201);
    agencyKey = key.body.key;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('refuses every non-public endpoint without credentials, with 401 and a stable code', async () => {
    const publicRoutes = new Set([
      'GET /healthz',
      'GET /openapi.json',
      'GET /globalconf',
      'GET /globalconf/anchor',
      'GET /pki/ca.pem',
      'GET /pki/status/:serial',
      'GET /directory/services/*',
    ]);
    const routes = t.registry.app.routeTable;
    expect(routes.length).toBeGreaterThan(20);
    const seenPublic = new Set<string>();
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const path = r.url.replace(/:([A-Za-z]+)/g, (_m, name: string) =>
        name === 'id' ? '1' : name === 'memberClass' ? 'GOV' : 'x',
      );
      const body = ['POST', 'PUT', 'PATCH'].includes(r.method) ? {} : undefined;
      const res = await t.call(r.method, path, body, null);
      if (r.public) {
        seenPublic.add(key);
        expect(res.status, key).not.toBe(401);
      } else {
        expect(res.status, key).toBe(401);
        expect(res.body.code, key).toBe('auth.missing_credentials');
      }
    }
    expect(seenPublic).toEqual(publicRoutes);
    const wrong = await t.call(
      'GET',
      '/api/v1/members',
      undefined,
      'lt_aaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('auth.invalid_credentials');
  });

  it('publishes an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await t.call('GET', '/openapi.json', undefined, null);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/members', '/api/v1/requests/{id}/approve', '/globalconf']),
    );
    expect(
      res.body.paths['/api/v1/members'].post.requestBody.content['application/json'].schema.required,
    ).toContain('memberCode');
  });

  it('registers agencies in a hierarchy and refuses bad ones with clear codes', async () => {
    const dept = {
      memberClass: 'GOV',
      memberCode: '000.00.05.G01',
      nameVi: 'Cục Cảnh sát quản lý hành chính về trật tự xã hội',
      kind: 'department',
      parentCode: '000.00.00.G01',
    };
    const created = await t.call('POST', '/api/v1/members', dept);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'VN/GOV/000.00.05.G01', parentCode: '000.00.00.G01' });

    const cases: [unknown, number, string][] = [
      [{ ...dept, memberCode: '000.00.06.G01', parentCode: '000.00.00.G99' }, 400, 'registry.unknown_parent'],
      [
        { ...dept, memberCode: '000.00.06.G01', parentCode: '000.00.00.H49' },
        400,
        'registry.parent_mismatch',
      ],
      [{ ...dept, memberCode: '00.00.06.G01' }, 400, 'ids.invalid_xroad_id'],
      [{ ...dept, memberCode: '000.00.06.Q01' }, 400, 'ids.invalid_xroad_id'],
      [{ ...dept, memberClass: 'XYZ', memberCode: '000.00.06.G01' }, 400, 'ids.invalid_xroad_id'],
      [{ ...dept, kind: 'kingdom', memberCode: '000.00.06.G01' }, 400, 'registry.invalid_kind'],
      [{ ...dept, kind: 'ministry', memberCode: '000.00.06.G01' }, 400, 'registry.parent_not_allowed'],
      [{ ...dept, parentCode: null, memberCode: '000.00.06.G01' }, 400, 'registry.parent_required'],
      [{ ...dept, nameVi: '   ', memberCode: '000.00.06.G01' }, 400, 'registry.invalid_name'],
      [dept, 409, 'registry.member_exists'],
      [{ memberClass: 'GOV' }, 400, 'request.invalid'],
      ['{"memberClass": ', 400, 'request.malformed_json'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.call('POST', '/api/v1/members', body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([status, code]);
      expect(res.body.message.length).toBeGreaterThan(10);
    }
    // Nothing of the refused ones was written.
    const list = await t.call('GET', '/api/v1/members?parentCode=000.00.00.G01');
    expect(list.body.items.map((m: { memberCode: string }) => m.memberCode)).toEqual(['000.00.05.G01']);
  });

  it('searches agencies by Vietnamese name, diacritics included', async () => {
    const res = await t.call('GET', `/api/v1/members?q=${encodeURIComponent('Quảng Ninh')}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((m: { memberCode: string }) => m.memberCode)).toEqual(['000.00.00.H49']);
    // NFD input finds the NFC-stored name.
    const nfd = await t.call('GET', `/api/v1/members?q=${encodeURIComponent('Quảng'.normalize('NFD'))}`);
    expect(nfd.body.total).toBe(1);
  });

  it('runs the registration workflow: an agency files, the operator approves, the change lands with audit', async () => {
    const filing = {
      type: 'subsystem.register',
      subsystem: {
        memberClass: 'GOV',
        memberCode: '000.00.00.H49',
        subsystemCode: 'dossier',
        nameVi: 'Hệ thống thông tin giải quyết thủ tục hành chính',
      },
    };
    const filed = await t.call('POST', '/api/v1/requests', filing, agencyKey);
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ status: 'pending', entityKey: 'VN/GOV/000.00.00.H49/dossier' });

    expect((await t.call('POST', '/api/v1/requests', filing, agencyKey)).body.code).toBe(
      'registry.duplicate_request',
    );
    // Not yet applied.
    expect((await t.call('GET', '/api/v1/members/GOV/000.00.00.H49/subsystems')).body).toEqual([]);
    // An agency cannot file for another agency, nor approve.
    const foreign = await t.call(
      'POST',
      '/api/v1/requests',
      { ...filing, subsystem: { ...filing.subsystem, memberCode: '000.00.00.G01' } },
      agencyKey,
    );
    expect([foreign.status, foreign.body.code]).toEqual([403, 'auth.not_your_agency']);
    const selfApprove = await t.call('POST', `/api/v1/requests/${filed.body.id}/approve`, {}, agencyKey);
    expect([selfApprove.status, selfApprove.body.code]).toEqual([403, 'auth.forbidden']);

    const approved = await t.call('POST', `/api/v1/requests/${filed.body.id}/approve`, { note: 'OK' });
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    const subs = await t.call('GET', '/api/v1/members/GOV/000.00.00.H49/subsystems');
    expect(subs.body.map((s: { id: string }) => s.id)).toEqual(['VN/GOV/000.00.00.H49/dossier']);
    const again = await t.call('POST', `/api/v1/requests/${filed.body.id}/approve`, {});
    expect([again.status, again.body.code]).toEqual([409, 'registry.request_decided']);

    // A request that could never be approved is refused when filed.
    const dupSub = await t.call('POST', '/api/v1/requests', filing, agencyKey);
    expect([dupSub.status, dupSub.body.code]).toEqual([409, 'registry.subsystem_exists']);

    const audit = await t.call('GET', '/api/v1/audit?entityKey=VN/GOV/000.00.00.H49/dossier');
    expect(audit.status).toBe(200);
    expect(audit.body[0]).toMatchObject({
      action: 'subsystem.create',
      actor: { role: 'operator' },
      before: null,
      after: { subsystemCode: 'dossier' },
    });
    const agencyAudit = await t.call('GET', '/api/v1/audit', undefined, agencyKey);
    expect(agencyAudit.status).toBe(403);
  });

  it('rejects with a reason, and registers gateways, services and access rights through requests', async () => {
    const gw = await t.call(
      'POST',
      '/api/v1/requests',
      {
        type: 'gateway.register',
        gateway: {
          memberClass: 'GOV',
          memberCode: '000.00.00.H49',
          gatewayCode: 'gw1',
          addresses: ['https://127.0.0.1:9443'],
        },
      },
      agencyKey,
    );
    expect(gw.status).toBe(201);
    const noReason = await t.call('POST', `/api/v1/requests/${gw.body.id}/reject`, { reason: '' });
    expect(noReason.status).toBe(400);
    const rejected = await t.call('POST', `/api/v1/requests/${gw.body.id}/reject`, {
      reason: 'Địa chỉ chưa đúng',
    });
    expect(rejected.body).toMatchObject({ status: 'rejected', decisionNote: 'Địa chỉ chưa đúng' });

    const badAddress = await t.call(
      'POST',
      '/api/v1/requests',
      {
        type: 'gateway.register',
        gateway: {
          memberClass: 'GOV',
          memberCode: '000.00.00.H49',
          gatewayCode: 'gw1',
          addresses: ['http://x'],
        },
      },
      agencyKey,
    );
    expect(badAddress.body.code).toBe('registry.invalid_address');

    const refiled = await t.call(
      'POST',
      '/api/v1/requests',
      {
        type: 'gateway.register',
        gateway: {
          memberClass: 'GOV',
          memberCode: '000.00.00.H49',
          gatewayCode: 'gw1',
          addresses: ['https://127.0.0.1:9443'],
        },
      },
      agencyKey,
    );
    // Approval needs no body at all.
    expect((await t.call('POST', `/api/v1/requests/${refiled.body.id}/approve`)).status).toBe(200);

    // Population service of G01, registered by the operator through requests too.
    const sub = await t.call('POST', '/api/v1/requests', {
      type: 'subsystem.register',
      subsystem: {
        memberClass: 'GOV',
        memberCode: '000.00.00.G01',
        subsystemCode: 'population',
        nameVi: 'Cơ sở dữ liệu quốc gia về dân cư',
      },
    });
    await t.call('POST', `/api/v1/requests/${sub.body.id}/approve`, {});
    const svc = await t.call('POST', '/api/v1/requests', {
      type: 'service.register',
      service: {
        memberClass: 'GOV',
        memberCode: '000.00.00.G01',
        subsystemCode: 'population',
        serviceCode: 'citizens',
        version: 'v1',
        titleVi: 'Tra cứu thông tin công dân',
        personalData: true,
        endpoints: [{ method: 'get', path: '/citizens/{personalId}' }],
        openapi: {
          openapi: '3.1.0',
          info: { title: 'Tra cứu thông tin công dân', version: 'v1' },
          paths: {},
        },
      },
    });
    expect(svc.status).toBe(201);
    expect((await t.call('POST', `/api/v1/requests/${svc.body.id}/approve`, {})).status).toBe(200);
    const service = await t.call('GET', '/api/v1/services/GOV/000.00.00.G01/population/citizens?version=v1');
    expect(service.body).toMatchObject({
      id: 'VN/GOV/000.00.00.G01/population/citizens/v1',
      personalData: true,
      hasOpenapi: true,
    });
    expect(service.body.endpoints).toEqual([{ method: 'GET', path: '/citizens/{personalId}' }]);

    const badEndpoint = await t.call('POST', '/api/v1/requests', {
      type: 'service.register',
      service: {
        memberClass: 'GOV',
        memberCode: '000.00.00.G01',
        subsystemCode: 'population',
        serviceCode: 'x',
        titleVi: 'X',
        endpoints: [{ method: 'GET', path: 'no-slash' }],
      },
    });
    expect(badEndpoint.body.code).toBe('registry.invalid_endpoint');

    const grant = (by: string | undefined, endpoint: unknown) =>
      t.call(
        'POST',
        '/api/v1/access-rights',
        {
          service: {
            memberClass: 'GOV',
            memberCode: '000.00.00.G01',
            subsystemCode: 'population',
            serviceCode: 'citizens',
            version: 'v1',
          },
          endpoint,
          subject: {
            type: 'subsystem',
            memberClass: 'GOV',
            memberCode: '000.00.00.H49',
            subsystemCode: 'dossier',
          },
        },
        by,
      );
    // Quảng Ninh cannot grant itself rights on a Ministry's service.
    expect((await grant(agencyKey, null)).status).toBe(403);
    expect((await grant(undefined, { method: 'GET', path: '/other' })).body.code).toBe(
      'registry.unknown_endpoint',
    );
    const granted = await grant(undefined, { method: 'GET', path: '/citizens/{personalId}' });
    expect(granted.status).toBe(201);
    expect(granted.body.subject).toEqual({ type: 'subsystem', id: 'VN/GOV/000.00.00.H49/dossier' });
    expect((await grant(undefined, { method: 'GET', path: '/citizens/{personalId}' })).body.code).toBe(
      'registry.access_right_exists',
    );

    const group = await t.call('POST', '/api/v1/groups', {
      code: 'provincial-committees',
      descriptionVi: 'Các UBND tỉnh',
    });
    expect(group.status).toBe(201);
    const joined = await t.call(
      'PUT',
      '/api/v1/groups/provincial-committees/members/GOV/000.00.00.H49/dossier',
    );
    expect(joined.body.members).toEqual(['VN/GOV/000.00.00.H49/dossier']);

    const revoke = await t.call('DELETE', `/api/v1/access-rights/${granted.body.id}`);
    expect(revoke.status).toBe(204);
    expect((await t.call('DELETE', `/api/v1/access-rights/${granted.body.id}`)).status).toBe(404);
  });

  it('lets an agency register an agency below it and see that request', async () => {
    const child = {
      type: 'member.register',
      member: {
        memberClass: 'GOV',
        memberCode: '000.00.12.H49',
        nameVi: 'Sở Y tế tỉnh Quảng Ninh',
        kind: 'department',
        parentCode: '000.00.00.H49',
      },
    };
    const filed = await t.call('POST', '/api/v1/requests', child, agencyKey);
    expect(filed.status).toBe(201);
    const mine = await t.call('GET', '/api/v1/requests?status=pending', undefined, agencyKey);
    expect(mine.body.map((r: { id: number }) => r.id)).toContain(filed.body.id);
    const approved = await t.call('POST', `/api/v1/requests/${filed.body.id}/approve`);
    expect(approved.body.result).toMatchObject({ id: 'VN/GOV/000.00.12.H49', parentCode: '000.00.00.H49' });
    // Once the department exists, its requests show up for the province too.
    const sub = await t.call(
      'POST',
      '/api/v1/requests',
      {
        type: 'subsystem.register',
        subsystem: {
          memberClass: 'GOV',
          memberCode: '000.00.12.H49',
          subsystemCode: 'his',
          nameVi: 'Hệ thống y tế',
        },
      },
      agencyKey,
    );
    expect(sub.status).toBe(201);
    const list = await t.call('GET', '/api/v1/requests?status=pending', undefined, agencyKey);
    expect(list.body.map((r: { id: number }) => r.id)).toContain(sub.body.id);
  });
});
