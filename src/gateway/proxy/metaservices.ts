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
 * X-Road's REST metaservices, answered from the global configuration: `listClients`,
 * `listMethods`, `allowedMethods` (for the calling information system) and `getOpenAPI`
 * (the description the provider registered, fetched from the registry's public directory).
 * Shapes follow X-Road's REST metaservice protocol so X-Road tooling reads them unchanged.
 */
export async function answerMetaService(
  rt: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  meta: MetaService,
): Promise<void> {
  const state = rt.state();
  req.resume();
  if (meta.kind === 'listClients') {
    const instance = meta.instance ?? rt.identity.instance;
    const member = state.conf.members
      .filter((m) => m.id.startsWith(`${instance}/`))
      .flatMap((m) => [
        { id: idObject('MEMBER', m.id), name: m.nameVi },
        ...m.subsystems.map((s) => ({ id: idObject('SUBSYSTEM', `${m.id}/${s.code}`), name: s.nameVi })),
      ]);
    return json(res, { member });
  }
  const providerId = formatXRoadId(meta.provider);
  if (!state.subsystems.has(providerId)) throw xroadErrors.unknownClient(providerId);
  if (meta.kind === 'listMethods') {
    const services = state.conf.services.filter((s) => s.providerId === providerId);
    return json(res, { service: services.map((s) => serviceObject(s, s.endpoints)) });
  }
  if (meta.kind === 'allowedMethods') {
    const client = parseClientHeader(single(req.headers, 'x-road-client'));
    const clientId = formatXRoadId(client);
    const allowed = allowedEndpoints(state.access, clientId, providerId);
    return json(res, {
      service: allowed.map((a) =>
        serviceObject(a.service, a.endpoints === 'all' ? a.service.endpoints : a.endpoints),
      ),
    });
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

function idObject(objectType: 'MEMBER' | 'SUBSYSTEM', id: string) {
  const [instance, memberClass, memberCode, subsystemCode] = id.split('/');
  return {
    object_type: objectType,
    xroad_instance: instance,
    member_class: memberClass,
    member_code: memberCode,
    ...(subsystemCode ? { subsystem_code: subsystemCode } : {}),
  };
}

function serviceObject(s: GcService, endpoints: { method: string; path: string }[]) {
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
}

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
