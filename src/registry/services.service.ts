import { badInput, conflict, notFound } from '../kernel/errors.ts';
import { parseServiceId } from '../kernel/ids/index.ts';
import { writeAudit } from './audit.ts';
import type { Actor, RegistryContext } from './context.ts';
import { cleanName, findSubsystemId, type MemberRef } from './members.service.ts';
import type { RegistryDb, RegistryTx } from './registry.db.ts';

/** Services that information systems provide, with their endpoints and OpenAPI descriptions. */

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', '*'] as const;

export interface ServiceRef extends MemberRef {
  subsystemCode: string;
  serviceCode: string;
  /** null or '' when the service has no version. */
  version?: string | null | undefined;
}

export interface Endpoint {
  method: string;
  path: string;
}

export interface ServiceInput extends ServiceRef {
  titleVi: string;
  titleEn?: string | null | undefined;
  personalData?: boolean | undefined;
  endpoints?: Endpoint[] | undefined;
  openapi?: Record<string, unknown> | null | undefined;
}

export interface Service {
  id: string;
  memberClass: string;
  memberCode: string;
  subsystemCode: string;
  serviceCode: string;
  version: string | null;
  titleVi: string;
  titleEn: string | null;
  personalData: boolean;
  endpoints: Endpoint[];
  hasOpenapi: boolean;
  createdAt: string;
  updatedAt: string;
}

// A path pattern: literal segments, `{name}` for one segment, `*` for one segment, `**` last for any rest.
const SEGMENT = /^(?:[A-Za-z0-9._~!$&'()+,;=:@-]+|\{[A-Za-z_][A-Za-z0-9_]*\}|\*|\*\*)$/;

export function validateEndpoint(e: Endpoint): Endpoint {
  const method = String(e.method ?? '').toUpperCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    throw badInput(
      'registry.invalid_endpoint',
      `Endpoint method "${e.method}" must be one of ${HTTP_METHODS.join(', ')}.`,
    );
  }
  const path = String(e.path ?? '');
  if (!path.startsWith('/') || path.length > 500) {
    throw badInput(
      'registry.invalid_endpoint',
      `Endpoint path "${path}" must start with "/" (at most 500 characters).`,
    );
  }
  const segments = path === '/' ? [] : path.slice(1).split('/');
  segments.forEach((s, i) => {
    if (!SEGMENT.test(s) || (s === '**' && i !== segments.length - 1)) {
      throw badInput(
        'registry.invalid_endpoint',
        `Endpoint path "${path}": segment "${s}" is not allowed. Use literal segments, {name}, * for one segment or ** as the last segment.`,
      );
    }
  });
  return { method, path };
}

export function validateOpenapi(doc: unknown): Record<string, unknown> {
  const d = doc as Record<string, unknown> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) {
    throw badInput('registry.invalid_openapi', 'openapi must be an OpenAPI 3 document (a JSON object).');
  }
  if (typeof d['openapi'] !== 'string' || !/^3\.\d+\.\d+$/.test(d['openapi'])) {
    throw badInput('registry.invalid_openapi', 'The OpenAPI document must declare "openapi": "3.x.y".');
  }
  const info = d['info'] as Record<string, unknown> | undefined;
  if (!info || typeof info['title'] !== 'string' || typeof info['version'] !== 'string') {
    throw badInput('registry.invalid_openapi', 'The OpenAPI document needs info.title and info.version.');
  }
  if (d['paths'] !== undefined && (typeof d['paths'] !== 'object' || d['paths'] === null)) {
    throw badInput('registry.invalid_openapi', 'The OpenAPI document paths must be an object.');
  }
  return d;
}

export function validateServiceInput(ctx: RegistryContext, input: ServiceInput): ServiceInput {
  const version = input.version || null;
  parseServiceId(
    `${ctx.instance}/${input.memberClass}/${input.memberCode}/${input.subsystemCode}/${input.serviceCode}${version ? `/${version}` : ''}`,
  );
  const endpoints = (input.endpoints ?? []).map(validateEndpoint);
  const seen = new Set<string>();
  for (const e of endpoints) {
    const key = `${e.method} ${e.path}`;
    if (seen.has(key)) throw badInput('registry.invalid_endpoint', `Endpoint ${key} is listed twice.`);
    seen.add(key);
  }
  return {
    ...input,
    version,
    titleVi: cleanName(input.titleVi, 'titleVi'),
    titleEn: input.titleEn ? cleanName(input.titleEn, 'titleEn') : null,
    personalData: input.personalData ?? false,
    endpoints,
    openapi: input.openapi ? validateOpenapi(input.openapi) : null,
  };
}

export function serviceKey(instance: string, s: ServiceRef): string {
  return `${instance}/${s.memberClass}/${s.memberCode}/${s.subsystemCode}/${s.serviceCode}${s.version ? `/${s.version}` : ''}`;
}

export async function insertService(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  raw: ServiceInput,
): Promise<Service> {
  const input = validateServiceInput(ctx, raw);
  const subsystemId = await findSubsystemId(tx, input);
  const version = input.version ?? '';
  const exists = await tx
    .selectFrom('services')
    .select('id')
    .where('subsystem_id', '=', subsystemId)
    .where('code', '=', input.serviceCode)
    .where('version', '=', version)
    .executeTakeFirst();
  if (exists)
    throw conflict(
      'registry.service_exists',
      `Service ${serviceKey(ctx.instance, input)} is already registered.`,
    );
  const now = ctx.clock.now();
  const row = await tx
    .insertInto('services')
    .values({
      subsystem_id: subsystemId,
      code: input.serviceCode,
      version,
      title_vi: input.titleVi,
      title_en: input.titleEn ?? null,
      personal_data: input.personalData ?? false,
      openapi: JSON.stringify(input.openapi ?? null),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (input.endpoints?.length) {
    await tx
      .insertInto('service_endpoints')
      .values(input.endpoints.map((e) => ({ service_id: row.id, method: e.method, path: e.path })))
      .execute();
  }
  const service = await getService(tx, ctx.instance, input);
  await writeAudit(tx, actor, now, {
    action: 'service.create',
    entityType: 'service',
    entityKey: service.id,
    after: service,
  });
  return service;
}

export async function findServiceId(db: RegistryDb | RegistryTx, ref: ServiceRef): Promise<number> {
  const row = await db
    .selectFrom('services as sv')
    .innerJoin('subsystems as s', 's.id', 'sv.subsystem_id')
    .innerJoin('members as m', 'm.id', 's.member_id')
    .select('sv.id')
    .where('m.member_class', '=', ref.memberClass)
    .where('m.member_code', '=', ref.memberCode)
    .where('s.code', '=', ref.subsystemCode)
    .where('sv.code', '=', ref.serviceCode)
    .where('sv.version', '=', ref.version ?? '')
    .executeTakeFirst();
  if (!row)
    throw notFound(
      'registry.unknown_service',
      `No service ${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode}/${ref.serviceCode}${ref.version ? `/${ref.version}` : ''} is registered.`,
    );
  return row.id;
}

export async function getService(
  db: RegistryDb | RegistryTx,
  instance: string,
  ref: ServiceRef,
): Promise<Service> {
  const id = await findServiceId(db, ref);
  const [s] = await queryServices(db, instance, { ids: [id] });
  return s!;
}

export async function getServiceOpenapi(db: RegistryDb, ref: ServiceRef): Promise<Record<string, unknown>> {
  const id = await findServiceId(db, ref);
  const row = await db
    .selectFrom('services')
    .select('openapi')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  if (!row.openapi) {
    throw notFound(
      'registry.no_openapi',
      `Service ${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode}/${ref.serviceCode} has no OpenAPI description.`,
    );
  }
  return row.openapi;
}

export interface ServiceQuery {
  provider?: (MemberRef & { subsystemCode?: string | undefined }) | undefined;
  q?: string | undefined;
  ids?: number[] | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export async function listServices(ctx: RegistryContext, query: ServiceQuery): Promise<Service[]> {
  return queryServices(ctx.db, ctx.instance, query);
}

async function queryServices(
  db: RegistryDb | RegistryTx,
  instance: string,
  query: ServiceQuery,
): Promise<Service[]> {
  let q = db
    .selectFrom('services as sv')
    .innerJoin('subsystems as s', 's.id', 'sv.subsystem_id')
    .innerJoin('members as m', 'm.id', 's.member_id')
    .select([
      'sv.id',
      'm.member_class',
      'm.member_code',
      's.code as subsystem_code',
      'sv.code',
      'sv.version',
      'sv.title_vi',
      'sv.title_en',
      'sv.personal_data',
      'sv.created_at',
      'sv.updated_at',
    ])
    .select((eb) => eb('sv.openapi', 'is not', null).as('has_openapi'));
  if (query.ids) q = q.where('sv.id', 'in', query.ids);
  if (query.provider) {
    q = q
      .where('m.member_class', '=', query.provider.memberClass)
      .where('m.member_code', '=', query.provider.memberCode);
    if (query.provider.subsystemCode) q = q.where('s.code', '=', query.provider.subsystemCode);
  }
  if (query.q) {
    const like = `%${query.q.normalize('NFC').replace(/[\\%_]/g, '\\$&')}%`;
    q = q.where((eb) =>
      eb.or([
        eb('sv.code', 'ilike', like),
        eb('sv.title_vi', 'ilike', like),
        eb('sv.title_en', 'ilike', like),
      ]),
    );
  }
  const rows = await q
    .orderBy('m.member_code')
    .orderBy('s.code')
    .orderBy('sv.code')
    .orderBy('sv.version')
    .limit(query.limit ?? 500)
    .offset(query.offset ?? 0)
    .execute();
  if (rows.length === 0) return [];
  const endpoints = await db
    .selectFrom('service_endpoints')
    .select(['service_id', 'method', 'path'])
    .where(
      'service_id',
      'in',
      rows.map((r) => r.id),
    )
    .orderBy('path')
    .orderBy('method')
    .execute();
  return rows.map((r) => {
    const ref = {
      memberClass: r.member_class,
      memberCode: r.member_code,
      subsystemCode: r.subsystem_code,
      serviceCode: r.code,
      version: r.version || null,
    };
    return {
      id: serviceKey(instance, ref),
      ...ref,
      titleVi: r.title_vi,
      titleEn: r.title_en,
      personalData: r.personal_data,
      endpoints: endpoints
        .filter((e) => e.service_id === r.id)
        .map((e) => ({ method: e.method, path: e.path })),
      hasOpenapi: Boolean(r.has_openapi),
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
    };
  });
}
