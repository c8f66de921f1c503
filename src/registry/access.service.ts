import { badInput, conflict, forbidden, notFound } from '../kernel/errors.ts';
import { writeAudit } from './audit.ts';
import { isOperator, requireRole } from './auth.ts';
import type { Actor, RegistryContext } from './context.ts';
import { cleanName, findSubsystemId, type MemberRef, requireActsFor } from './members.service.ts';
import type { RegistryDb, RegistryTx } from './registry.db.ts';
import { findServiceId, type ServiceRef, serviceKey, validateEndpoint } from './services.service.ts';

/**
 * Global groups and access rights. A right lets a subject (one information system, or every
 * member of a global group) call a service, or one endpoint of it (method + path pattern).
 * Deny is the default: gateways allow exactly what is listed here.
 */
type SubsystemRef = MemberRef & { subsystemCode: string };

export interface GroupInput {
  code: string;
  descriptionVi: string;
  descriptionEn?: string | null | undefined;
}

export interface Group extends Required<GroupInput> {
  members: string[];
  createdAt: string;
}

const GROUP_CODE = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function createGroup(ctx: RegistryContext, actor: Actor, input: GroupInput): Promise<Group> {
  requireRole(actor, 'operator', 'system');
  return ctx.db.transaction().execute((tx) => insertGroup(ctx, tx, actor, input));
}

export async function insertGroup(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  input: GroupInput,
): Promise<Group> {
  if (!GROUP_CODE.test(input.code)) {
    throw badInput(
      'registry.invalid_group_code',
      `Group code "${input.code}" must be lower-case letters, digits and '-'.`,
    );
  }
  const exists = await tx
    .selectFrom('global_groups')
    .select('id')
    .where('code', '=', input.code)
    .executeTakeFirst();
  if (exists) throw conflict('registry.group_exists', `Global group ${input.code} already exists.`);
  const now = ctx.clock.now();
  await tx
    .insertInto('global_groups')
    .values({
      code: input.code,
      description_vi: cleanName(input.descriptionVi, 'descriptionVi'),
      description_en: input.descriptionEn ? cleanName(input.descriptionEn, 'descriptionEn') : null,
      created_at: now,
    })
    .execute();
  const group = await getGroup(tx, ctx.instance, input.code);
  await writeAudit(tx, actor, now, {
    action: 'group.create',
    entityType: 'group',
    entityKey: input.code,
    after: group,
  });
  return group;
}

export async function setGroupMembership(
  ctx: RegistryContext,
  actor: Actor,
  code: string,
  subsystem: SubsystemRef,
  present: boolean,
): Promise<Group> {
  requireRole(actor, 'operator', 'system');
  return ctx.db
    .transaction()
    .execute((tx) => changeGroupMembership(ctx, tx, actor, code, subsystem, present));
}

export async function changeGroupMembership(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  code: string,
  subsystem: SubsystemRef,
  present: boolean,
): Promise<Group> {
  const groupId = await findGroupId(tx, code);
  const subsystemId = await findSubsystemId(tx, subsystem);
  const before = await getGroup(tx, ctx.instance, code);
  if (present) {
    await tx
      .insertInto('group_members')
      .values({ group_id: groupId, subsystem_id: subsystemId })
      .onConflict((oc) => oc.doNothing())
      .execute();
  } else {
    await tx
      .deleteFrom('group_members')
      .where('group_id', '=', groupId)
      .where('subsystem_id', '=', subsystemId)
      .execute();
  }
  const after = await getGroup(tx, ctx.instance, code);
  await writeAudit(tx, actor, ctx.clock.now(), {
    action: present ? 'group.member.add' : 'group.member.remove',
    entityType: 'group',
    entityKey: code,
    before,
    after,
  });
  return after;
}

async function findGroupId(db: RegistryDb | RegistryTx, code: string): Promise<number> {
  const row = await db.selectFrom('global_groups').select('id').where('code', '=', code).executeTakeFirst();
  if (!row) throw notFound('registry.unknown_group', `No global group ${code}.`);
  return row.id;
}

export async function getGroup(db: RegistryDb | RegistryTx, instance: string, code: string): Promise<Group> {
  const [g] = await queryGroups(db, instance, code);
  if (!g) throw notFound('registry.unknown_group', `No global group ${code}.`);
  return g;
}

export async function listGroups(ctx: RegistryContext): Promise<Group[]> {
  return queryGroups(ctx.db, ctx.instance);
}

async function queryGroups(db: RegistryDb | RegistryTx, instance: string, code?: string): Promise<Group[]> {
  let q = db.selectFrom('global_groups').selectAll();
  if (code) q = q.where('code', '=', code);
  const groups = await q.orderBy('code').execute();
  const members = await db
    .selectFrom('group_members as gm')
    .innerJoin('subsystems as s', 's.id', 'gm.subsystem_id')
    .innerJoin('members as m', 'm.id', 's.member_id')
    .select(['gm.group_id', 'm.member_class', 'm.member_code', 's.code'])
    .execute();
  return groups.map((g) => ({
    code: g.code,
    descriptionVi: g.description_vi,
    descriptionEn: g.description_en,
    members: members
      .filter((m) => m.group_id === g.id)
      .map((m) => `${instance}/${m.member_class}/${m.member_code}/${m.code}`)
      .sort(),
    createdAt: new Date(g.created_at).toISOString(),
  }));
}

export type Subject = ({ type: 'subsystem' } & SubsystemRef) | { type: 'group'; code: string };

export interface AccessRightInput {
  service: ServiceRef;
  endpoint?: { method: string; path: string } | null | undefined;
  subject: Subject;
}

export interface AccessRight {
  id: number;
  service: string;
  endpoint: { method: string; path: string } | null;
  subject: { type: 'subsystem'; id: string } | { type: 'group'; code: string };
  grantedAt: string;
  grantedBy: string;
}

/** The provider agency decides who may call its services (as in X-Road); operators may too. */
export async function insertAccessRight(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  input: AccessRightInput,
): Promise<AccessRight> {
  await requireProvider(tx, actor, input.service);
  const serviceId = await findServiceId(tx, input.service);
  const endpoint = input.endpoint ? validateEndpoint(input.endpoint) : null;
  if (endpoint) {
    const declared = await tx
      .selectFrom('service_endpoints')
      .select('id')
      .where('service_id', '=', serviceId)
      .where('method', '=', endpoint.method)
      .where('path', '=', endpoint.path)
      .executeTakeFirst();
    if (!declared) {
      throw badInput(
        'registry.unknown_endpoint',
        `Service ${serviceKey(ctx.instance, input.service)} declares no endpoint ${endpoint.method} ${endpoint.path}; grant the whole service or one of its declared endpoints.`,
      );
    }
  }
  const subjectSubsystemId =
    input.subject.type === 'subsystem' ? await findSubsystemId(tx, input.subject) : null;
  const subjectGroupId = input.subject.type === 'group' ? await findGroupId(tx, input.subject.code) : null;
  if (input.subject.type !== 'subsystem' && input.subject.type !== 'group') {
    throw badInput('registry.invalid_subject', 'subject.type must be "subsystem" or "group".');
  }
  let dup = tx
    .selectFrom('access_rights')
    .select('id')
    .where('service_id', '=', serviceId)
    .where('endpoint_method', endpoint ? '=' : 'is', endpoint?.method ?? null)
    .where('endpoint_path', endpoint ? '=' : 'is', endpoint?.path ?? null);
  dup = subjectSubsystemId
    ? dup.where('subject_subsystem_id', '=', subjectSubsystemId)
    : dup.where('subject_group_id', '=', subjectGroupId);
  if (await dup.executeTakeFirst())
    throw conflict('registry.access_right_exists', 'This access right is already granted.');
  const now = ctx.clock.now();
  const row = await tx
    .insertInto('access_rights')
    .values({
      service_id: serviceId,
      endpoint_method: endpoint?.method ?? null,
      endpoint_path: endpoint?.path ?? null,
      subject_subsystem_id: subjectSubsystemId,
      subject_group_id: subjectGroupId,
      granted_at: now,
      granted_by: actor.id,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const [right] = await queryAccessRights(tx, ctx.instance, { id: row.id });
  await writeAudit(tx, actor, now, {
    action: 'access_right.grant',
    entityType: 'access_right',
    entityKey: String(row.id),
    after: right,
  });
  return right!;
}

export async function grantAccessRight(
  ctx: RegistryContext,
  actor: Actor,
  input: AccessRightInput,
): Promise<AccessRight> {
  return ctx.db.transaction().execute((tx) => insertAccessRight(ctx, tx, actor, input));
}

export async function revokeAccessRight(ctx: RegistryContext, actor: Actor, id: number): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const [right] = await queryAccessRights(tx, ctx.instance, { id });
    if (!right) throw notFound('registry.unknown_access_right', `No access right ${id}.`);
    const [, memberClass, memberCode] = right.service.split('/');
    await requireProvider(tx, actor, { memberClass: memberClass!, memberCode: memberCode! });
    await tx.deleteFrom('access_rights').where('id', '=', id).execute();
    await writeAudit(tx, actor, ctx.clock.now(), {
      action: 'access_right.revoke',
      entityType: 'access_right',
      entityKey: String(id),
      before: right,
    });
  });
}

async function requireProvider(tx: RegistryTx, actor: Actor, provider: MemberRef): Promise<void> {
  if (isOperator(actor)) return;
  if (actor.role !== 'agency')
    throw forbidden('auth.forbidden', 'Only the provider agency or the operator manage access rights.');
  await requireActsFor(tx, actor, provider);
}

export async function listAccessRights(
  ctx: RegistryContext,
  filter: { service?: ServiceRef | undefined } = {},
): Promise<AccessRight[]> {
  const serviceId = filter.service ? await findServiceId(ctx.db, filter.service) : undefined;
  return queryAccessRights(ctx.db, ctx.instance, { serviceId });
}

async function queryAccessRights(
  db: RegistryDb | RegistryTx,
  instance: string,
  filter: { id?: number | undefined; serviceId?: number | undefined },
): Promise<AccessRight[]> {
  let q = db
    .selectFrom('access_rights as ar')
    .innerJoin('services as sv', 'sv.id', 'ar.service_id')
    .innerJoin('subsystems as ps', 'ps.id', 'sv.subsystem_id')
    .innerJoin('members as pm', 'pm.id', 'ps.member_id')
    .leftJoin('subsystems as ss', 'ss.id', 'ar.subject_subsystem_id')
    .leftJoin('members as sm', 'sm.id', 'ss.member_id')
    .leftJoin('global_groups as g', 'g.id', 'ar.subject_group_id')
    .select([
      'ar.id',
      'ar.endpoint_method',
      'ar.endpoint_path',
      'ar.granted_at',
      'ar.granted_by',
      'pm.member_class as p_class',
      'pm.member_code as p_code',
      'ps.code as p_sub',
      'sv.code as sv_code',
      'sv.version as sv_version',
      'sm.member_class as s_class',
      'sm.member_code as s_code',
      'ss.code as s_sub',
      'g.code as group_code',
    ]);
  if (filter.id !== undefined) q = q.where('ar.id', '=', filter.id);
  if (filter.serviceId !== undefined) q = q.where('ar.service_id', '=', filter.serviceId);
  const rows = await q.orderBy('ar.id').execute();
  return rows.map((r) => ({
    id: r.id,
    service: serviceKey(instance, {
      memberClass: r.p_class,
      memberCode: r.p_code,
      subsystemCode: r.p_sub,
      serviceCode: r.sv_code,
      version: r.sv_version,
    }),
    endpoint:
      r.endpoint_method && r.endpoint_path ? { method: r.endpoint_method, path: r.endpoint_path } : null,
    subject: r.group_code
      ? { type: 'group' as const, code: r.group_code }
      : { type: 'subsystem' as const, id: `${instance}/${r.s_class}/${r.s_code}/${r.s_sub}` },
    grantedAt: new Date(r.granted_at).toISOString(),
    grantedBy: r.granted_by,
  }));
}
