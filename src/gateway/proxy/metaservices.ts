import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import type { GcService } from '../../kernel/globalconf/index.ts';
import { formatXRoadId } from '../../kernel/ids/index.ts';
import { allowedEndpoints } from '../access/access.ts';
import { XRoadError, xroadErrors } from '../protocol/errors.ts';
import { type MetaService, parseClientHeader } from '../protocol/path.ts';
import { single } from './headers.ts';
import type { GatewayRuntime } from './runtime.ts';

/**
 * The directory metaservices, answered from the global configuration: `listClients`,
 * `listMethods`, `allowedMethods` (for the calling information system) and `getOpenAPI`
 * (the description the provider registered, fetched from the registry's public directory).
 *
 * Two shapes of the same data: X-Road's REST metaservice protocol (snake_case, `SUBSYSTEM`), so
 * X-Road tooling reads it unchanged; and the GovStack Information Mediator directory API
 * (camelCase, `APPLICATION`, `endpointList.member`), chosen by the `/im` path prefix or an
 * `X-GovStack-Client` header.
 */
export type DirectoryShape = 'xroad' | 'govstack';

export async function answerMetaService(
  rt: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  meta: MetaService,
  shape: DirectoryShape = 'xroad',
): Promise<void> {
  const state = rt.state();
  req.resume();
  const f = FORMATS[shape];
  if (meta.kind === 'listClients') {
    const instance = meta.instance ?? rt.identity.instance;
    const member = state.conf.members
      .filter((m) => m.id.startsWith(`${instance}/`))
      .flatMap((m) => [
        { id: f.id('MEMBER', m.id), name: m.nameVi },
        ...m.subsystems.map((s) => ({ id: f.id('SUBSYSTEM', `${m.id}/${s.code}`), name: s.nameVi })),
      ]);
    return json(res, { member });
  }
  const providerId = formatXRoadId(meta.provider);
  if (!state.subsystems.has(providerId)) throw xroadErrors.unknownClient(providerId);
  const wanted = (s: GcService) =>
    !meta.serviceCode || s.code === meta.serviceCode || `${s.code}.${s.version}` === meta.serviceCode;
  if (meta.kind === 'listMethods') {
    const services = state.conf.services.filter((s) => s.providerId === providerId && wanted(s));
    return json(res, f.services(services.map((s) => f.service(s, s.endpoints))));
  }
  if (meta.kind === 'allowedMethods') {
    const header = single(req.headers, 'x-road-client') ?? single(req.headers, 'x-govstack-client');
    const clientId = formatXRoadId(parseClientHeader(header));
    const allowed = allowedEndpoints(state.access, clientId, providerId).filter((a) => wanted(a.service));
    return json(
      res,
      f.services(
        allowed.map((a) => f.service(a.service, a.endpoints === 'all' ? a.service.endpoints : a.endpoints)),
      ),
    );
  }
  if (meta.kind !== 'getOpenAPI') return;
  const { serviceCode } = meta;
  const service = state.conf.services.find(
    (s) =>
      s.providerId === providerId && (s.code === serviceCode || `${s.code}.${s.version}` === serviceCode),
  );
  if (!service) throw xroadErrors.unknownService(`${providerId}/${serviceCode}`);
  const base = new URL(rt.globalconf.anchorUrl());
  const url = new URL(
    `/directory/services/${service.id.split('/').map(encodeURIComponent).join('/')}/openapi`,
    base,
  );
  let answer: Awaited<ReturnType<typeof request>>;
  try {
    answer = await request(url, { headersTimeout: rt.limits.upstreamTimeoutMs });
  } catch (err) {
    throw xroadErrors.networkError(`the registry's directory is unreachable: ${(err as Error).message}`);
  }
  const text = await answer.body.text();
  if (answer.statusCode === 404)
    throw new XRoadError(
      'Server.ServerProxy.ServiceDescriptionNotFound',
      `${service.id} has no OpenAPI description.`,
      404,
    );
  if (answer.statusCode !== 200) throw xroadErrors.networkError(`the registry answered ${answer.statusCode}`);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(text);
}

type Endpoint = { method: string; path: string };
interface DirectoryFormat {
  id(objectType: 'MEMBER' | 'SUBSYSTEM', id: string): Record<string, string>;
  service(s: GcService, endpoints: Endpoint[]): Record<string, unknown>;
  services(list: Record<string, unknown>[]): Record<string, unknown>;
}

const FORMATS: Record<DirectoryShape, DirectoryFormat> = {
  xroad: {
    id: (objectType, id) => {
      const [instance, memberClass, memberCode, subsystemCode] = id.split('/') as string[];
      return {
        object_type: objectType,
        xroad_instance: instance!,
        member_class: memberClass!,
        member_code: memberCode!,
        ...(subsystemCode ? { subsystem_code: subsystemCode } : {}),
      };
    },
    service: (s, endpoints) => {
      const [instance, memberClass, memberCode, subsystemCode] = s.providerId.split('/');
      return {
        object_type: 'SERVICE',
        xroad_instance: instance,
        member_class: memberClass,
        member_code: memberCode,
        subsystem_code: subsystemCode,
        service_code: s.code,
        ...(s.version ? { service_version: s.version } : {}),
        service_type: 'OPENAPI',
        endpoint_list: endpoints.map((e) => ({ method: e.method, path: e.path })),
      };
    },
    services: (list) => ({ service: list }),
  },
  // GovStack IM directory API (GovStack_IM_Directory_Services_API.yaml): subsystems are
  // "applications" and lists are wrapped as { member: [...] }.
  govstack: {
    id: (objectType, id) => {
      const [instance, memberClass, memberCode, applicationCode] = id.split('/') as string[];
      return {
        objectType: objectType === 'SUBSYSTEM' ? 'APPLICATION' : 'MEMBER',
        instanceId: instance!,
        memberClass: memberClass!,
        memberCode: memberCode!,
        ...(applicationCode ? { applicationCode } : {}),
      };
    },
    service: (s, endpoints) => {
      const [instance, memberClass, memberCode, applicationCode] = s.providerId.split('/');
      return {
        objectType: 'SERVICE',
        serviceType: 'REST',
        instanceId: instance,
        memberClass,
        memberCode,
        applicationCode,
        serviceCode: s.code,
        ...(s.version ? { serviceVersion: s.version } : {}),
        endpointList: { member: endpoints.map((e) => ({ method: e.method, path: e.path })) },
      };
    },
    services: (list) => ({ member: list }),
  },
};

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
