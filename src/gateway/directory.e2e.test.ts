import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT, OTHER_CLIENT, startTwoGateways, type TwoGateways } from '../../test/support/gateways.ts';

const PROVIDER = '/r1/VN/GOV/000.00.00.G01/population';
const ENDPOINTS = [
  { method: 'GET', path: '/citizens/{personalId}' },
  { method: 'POST', path: '/uploads' },
];

/** The directory metaservices, in X-Road's shape and in GovStack Information Mediator's. */
describe('directory services through the consumer gateway', () => {
  let f: TwoGateways;
  beforeAll(async () => {
    f = await startTwoGateways();
  });
  afterAll(async () => {
    await f?.close();
  });
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${f.consumer.consumerUrl}${path}`, { headers });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };

  it('lists members and subsystems (X-Road listClients)', async () => {
    const r = await get('/listClients');
    expect(r.status).toBe(200);
    const members = r.body['member'] as { id: Record<string, string>; name: string }[];
    expect(members).toContainEqual({
      id: { object_type: 'MEMBER', xroad_instance: 'VN', member_class: 'GOV', member_code: '000.00.00.G01' },
      name: 'Bộ Công an',
    });
    expect(members).toContainEqual({
      id: {
        object_type: 'SUBSYSTEM',
        xroad_instance: 'VN',
        member_class: 'GOV',
        member_code: '000.00.00.H49',
        subsystem_code: 'dossier',
      },
      name: 'Một cửa',
    });
    expect((await get('/listClients?xRoadInstance=EE')).body).toEqual({ member: [] });
  });

  it('lists the same clients in the GovStack IM shape, under /im or with X-GovStack-Client', async () => {
    for (const r of [
      await get('/im/listClients?instanceId=VN'),
      await get('/listClients', { 'x-govstack-client': CLIENT }),
    ]) {
      expect(r.status).toBe(200);
      const members = r.body['member'] as { id: Record<string, string>; name: string }[];
      expect(members).toContainEqual({
        id: {
          objectType: 'APPLICATION',
          instanceId: 'VN',
          memberClass: 'GOV',
          memberCode: '000.00.00.G01',
          applicationCode: 'population',
        },
        name: 'Dân cư',
      });
      expect(members.some((m) => m.id['objectType'] === 'MEMBER')).toBe(true);
      expect(members.every((m) => !('object_type' in m.id))).toBe(true);
    }
  });

  it("lists a provider's services, and those the caller may use (X-Road)", async () => {
    const all = await get(`${PROVIDER}/listMethods`, { 'x-road-client': CLIENT });
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      service: [
        {
          object_type: 'SERVICE',
          xroad_instance: 'VN',
          member_class: 'GOV',
          member_code: '000.00.00.G01',
          subsystem_code: 'population',
          service_code: 'citizens',
          service_version: 'v1',
          service_type: 'OPENAPI',
          endpoint_list: ENDPOINTS,
        },
      ],
    });
    const allowed = await get(`${PROVIDER}/allowedMethods`, { 'x-road-client': CLIENT });
    expect((allowed.body['service'] as { endpoint_list: unknown }[])[0]!.endpoint_list).toEqual(ENDPOINTS);
    // The other subsystem of the same agency holds no access right: nothing is allowed.
    expect((await get(`${PROVIDER}/allowedMethods`, { 'x-road-client': OTHER_CLIENT })).body).toEqual({
      service: [],
    });
  });

  it('answers listMethods and allowedMethods in the GovStack shape, with the serviceId filter', async () => {
    const r = await get(`/im${PROVIDER}/allowedMethods?serviceId=citizens`, { 'x-govstack-client': CLIENT });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      member: [
        {
          objectType: 'SERVICE',
          serviceType: 'REST',
          instanceId: 'VN',
          memberClass: 'GOV',
          memberCode: '000.00.00.G01',
          applicationCode: 'population',
          serviceCode: 'citizens',
          serviceVersion: 'v1',
          endpointList: { member: ENDPOINTS },
        },
      ],
    });
    expect((await get(`/im${PROVIDER}/listMethods?serviceId=nosuch`)).body).toEqual({ member: [] });
    const bad = await get(`/im${PROVIDER}/listMethods?serviceId=${encodeURIComponent('a/b')}`);
    expect(bad.status).toBe(400);
    expect(bad.headers.get('x-road-error')).toBe('Client.BadRequest');
  });

  it('returns the OpenAPI description the provider registered (getOpenAPI)', async () => {
    for (const path of [
      `${PROVIDER}/getOpenAPI?serviceCode=citizens`,
      `/im${PROVIDER}/getOpenAPI?serviceCode=citizens`,
    ]) {
      const r = await get(path, { 'x-road-client': CLIENT });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ openapi: '3.1.0', info: { title: 'Tra cứu công dân' } });
    }
    const missing = await get(`${PROVIDER}/getOpenAPI?serviceCode=nosuch`, { 'x-road-client': CLIENT });
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.headers.get('x-road-error')).toMatch(/UnknownService/);
  });

  it('refuses an unknown provider with an X-Road error', async () => {
    const r = await get('/r1/VN/GOV/000.00.00.G01/nosuch/listMethods', { 'x-road-client': CLIENT });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.headers.get('x-road-error')).toBeTruthy();
    expect(r.body).toMatchObject({ type: expect.any(String), message: expect.stringContaining('nosuch') });
  });
});
