import { badInput, conflict, forbidden, notFound } from '../kernel/errors.ts';
import {
  isStructuralAncestor,
  parseAgencyCode,
  parseMemberId,
  parseSubsystemId,
} from '../kernel/ids/index.ts';
import { writeAudit } from './audit.ts';
import { isOperator } from './auth.ts';
import type { Actor, RegistryContext } from './context.ts';
import type { RegistryDb, RegistryTx } from './registry.db.ts';

/** Agencies (X-Road members) and their information systems (subsystems). */

export const MEMBER_KINDS = [
  'ministry',
  'government_body',
  'province',
  'department',
  'district',
  'commune',
  'unit',
  'enterprise',
  'organisation',
] as const;
export type MemberKind = (typeof MEMBER_KINDS)[number];

export interface MemberRef {
  memberClass: string;
  memberCode: string;
}

export interface MemberInput extends MemberRef {
  nameVi: string;
  nameEn?: string | null | undefined;
  kind: MemberKind;
  parentCode?: string | null | undefined;
}

export interface Member extends MemberRef {
  id: string;
  instance: string;
  nameVi: string;
  nameEn: string | null;
  kind: string;
  parentCode: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface SubsystemInput extends MemberRef {
  subsystemCode: string;
  nameVi: string;
  nameEn?: string | null | undefined;
}

export interface Subsystem {
  id: string;
  memberClass: string;
  memberCode: string;
  subsystemCode: string;
  nameVi: string;
  nameEn: string | null;
  createdAt: string;
}

/** Names arrive from many keyboards: store one Unicode form so search and comparison work. */
export function cleanName(value: string, field: string): string {
  const v = value.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (!v) throw badInput('registry.invalid_name', `${field} must not be empty.`);
  if (v.length > 300) throw badInput('registry.invalid_name', `${field} must be at most 300 characters.`);
  return v;
}

export function memberKey(instance: string, m: MemberRef): string {
  return `${instance}/${m.memberClass}/${m.memberCode}`;
}

export async function findMemberId(db: RegistryDb | RegistryTx, ref: MemberRef): Promise<number> {
  const row = await db
    .selectFrom('members')
    .select('id')
    .where('member_class', '=', ref.memberClass)
    .where('member_code', '=', ref.memberCode)
    .executeTakeFirst();
  if (!row) {
    throw notFound(
      'registry.unknown_member',
      `No member ${ref.memberClass}/${ref.memberCode} is registered.`,
    );
  }
  return row.id;
}

/**
 * An agency administrator acts for its own agency and every agency below it (a province for
 * its departments and communes); operators act for all.
 */
export async function requireActsFor(
  db: RegistryDb | RegistryTx,
  actor: Actor,
  ref: MemberRef,
): Promise<void> {
  if (isOperator(actor)) return;
  if (actor.role === 'agency' && actor.memberCode) {
    let current: { member_code: string; parent_id: number | null } | undefined = await db
      .selectFrom('members')
      .select(['member_code', 'parent_id'])
      .where('member_class', '=', ref.memberClass)
      .where('member_code', '=', ref.memberCode)
      .executeTakeFirst();
    for (let hops = 0; current && hops < 16; hops++) {
      if (current.member_code === actor.memberCode) return;
      if (current.parent_id === null) break;
      current = await db
        .selectFrom('members')
        .select(['member_code', 'parent_id'])
        .where('id', '=', current.parent_id)
        .executeTakeFirst();
    }
  }
  throw forbidden(
    'auth.not_your_agency',
    `You may act only for your own agency${actor.memberCode ? ` (${actor.memberCode})` : ''} and the agencies below it, not for ${ref.memberClass}/${ref.memberCode}.`,
  );
}

// Ministries, government bodies and provinces are the top of the state hierarchy; departments,
// districts, communes and units always sit below another agency.
const TOP_LEVEL_KINDS: readonly string[] = ['ministry', 'government_body', 'province'];
const CHILD_KINDS: readonly string[] = ['department', 'district', 'commune', 'unit'];

function checkHierarchy(input: MemberInput): void {
  if (TOP_LEVEL_KINDS.includes(input.kind) && input.parentCode) {
    throw badInput(
      'registry.parent_not_allowed',
      `A ${input.kind} is at the top of the hierarchy and has no parent agency; remove parentCode or choose another kind.`,
    );
  }
  if (CHILD_KINDS.includes(input.kind) && !input.parentCode) {
    throw badInput(
      'registry.parent_required',
      `A ${input.kind} belongs to a parent agency: give parentCode.`,
    );
  }
}

export function validateMemberInput(ctx: RegistryContext, input: MemberInput): MemberInput {
  parseMemberId(`${ctx.instance}/${input.memberClass}/${input.memberCode}`, { instances: [ctx.instance] });
  if (!MEMBER_KINDS.includes(input.kind)) {
    throw badInput(
      'registry.invalid_kind',
      `Unknown agency kind "${input.kind}". Use one of: ${MEMBER_KINDS.join(', ')}.`,
    );
  }
  return {
    ...input,
    nameVi: cleanName(input.nameVi, 'nameVi'),
    nameEn: input.nameEn ? cleanName(input.nameEn, 'nameEn') : null,
    parentCode: input.parentCode ?? null,
  };
}

/** Creates a member inside the caller's transaction: used directly and by approved requests. */
export async function insertMember(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  raw: MemberInput,
): Promise<Member> {
  const input = validateMemberInput(ctx, raw);
  checkHierarchy(input);
  let parentId: number | null = null;
  if (input.parentCode) {
    const parent = await tx
      .selectFrom('members')
      .select(['id', 'member_code'])
      .where('member_class', '=', input.memberClass)
      .where('member_code', '=', input.parentCode)
      .executeTakeFirst();
    if (!parent) {
      throw badInput(
        'registry.unknown_parent',
        `The parent agency ${input.memberClass}/${input.parentCode} is not registered. Register the parent first or correct parentCode.`,
        { parentCode: input.parentCode },
      );
    }
    // With QCVN 102 codes the hierarchy is visible in the code itself; the two must agree.
    const child = parseAgencyCode(input.memberCode);
    const parentParsed = parseAgencyCode(input.parentCode);
    if (
      child.form === 'qcvn102' &&
      parentParsed.form === 'qcvn102' &&
      !isStructuralAncestor(parentParsed, child)
    ) {
      throw badInput(
        'registry.parent_mismatch',
        `Agency code ${input.memberCode} does not lie below ${input.parentCode}: a child keeps its parent's non-zero levels and sets a deeper one.`,
        { memberCode: input.memberCode, parentCode: input.parentCode },
      );
    }
    parentId = parent.id;
  }
  const exists = await tx
    .selectFrom('members')
    .select('id')
    .where('member_class', '=', input.memberClass)
    .where('member_code', '=', input.memberCode)
    .executeTakeFirst();
  if (exists) {
    throw conflict(
      'registry.member_exists',
      `Member ${input.memberClass}/${input.memberCode} is already registered.`,
    );
  }
  const now = ctx.clock.now();
  await tx
    .insertInto('members')
    .values({
      member_class: input.memberClass,
      member_code: input.memberCode,
      name_vi: input.nameVi,
      name_en: input.nameEn ?? null,
      kind: input.kind,
      parent_id: parentId,
      created_at: now,
      updated_at: now,
    })
    .execute();
  const member = await getMember(tx, ctx.instance, input);
  await writeAudit(tx, actor, now, {
    action: 'member.create',
    entityType: 'member',
    entityKey: member.id,
    after: member,
  });
  return member;
}

export async function createMember(ctx: RegistryContext, actor: Actor, input: MemberInput): Promise<Member> {
  if (!isOperator(actor)) {
    throw forbidden(
      'auth.forbidden',
      'Only the platform operator registers agencies directly; agencies file a member.register request.',
    );
  }
  return ctx.db.transaction().execute((tx) => insertMember(ctx, tx, actor, input));
}

export async function updateMember(
  ctx: RegistryContext,
  actor: Actor,
  ref: MemberRef,
  patch: { nameVi?: string | undefined; nameEn?: string | null | undefined },
): Promise<Member> {
  await requireActsFor(ctx.db, actor, ref);
  return ctx.db.transaction().execute(async (tx) => {
    const before = await getMember(tx, ctx.instance, ref);
    const now = ctx.clock.now();
    await tx
      .updateTable('members')
      .set({
        ...(patch.nameVi !== undefined ? { name_vi: cleanName(patch.nameVi, 'nameVi') } : {}),
        ...(patch.nameEn !== undefined
          ? { name_en: patch.nameEn ? cleanName(patch.nameEn, 'nameEn') : null }
          : {}),
        updated_at: now,
      })
      .where('member_class', '=', ref.memberClass)
      .where('member_code', '=', ref.memberCode)
      .execute();
    const after = await getMember(tx, ctx.instance, ref);
    await writeAudit(tx, actor, now, {
      action: 'member.update',
      entityType: 'member',
      entityKey: after.id,
      before,
      after,
    });
    return after;
  });
}

type MemberRow = {
  member_class: string;
  member_code: string;
  name_vi: string;
  name_en: string | null;
  kind: string;
  parent_code: string | null;
  created_at: Date | string;
  updated_at: Date | string;
};

function memberSelect(db: RegistryDb | RegistryTx) {
  return db
    .selectFrom('members as m')
    .leftJoin('members as p', 'p.id', 'm.parent_id')
    .select([
      'm.member_class',
      'm.member_code',
      'm.name_vi',
      'm.name_en',
      'm.kind',
      'p.member_code as parent_code',
      'm.created_at',
      'm.updated_at',
    ]);
}

function toMember(instance: string, r: MemberRow): Member {
  return {
    id: `${instance}/${r.member_class}/${r.member_code}`,
    instance,
    memberClass: r.member_class,
    memberCode: r.member_code,
    nameVi: r.name_vi,
    nameEn: r.name_en,
    kind: r.kind,
    parentCode: r.parent_code,
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

export async function getMember(
  db: RegistryDb | RegistryTx,
  instance: string,
  ref: MemberRef,
): Promise<Member> {
  const row = await memberSelect(db)
    .where('m.member_class', '=', ref.memberClass)
    .where('m.member_code', '=', ref.memberCode)
    .executeTakeFirst();
  if (!row)
    throw notFound(
      'registry.unknown_member',
      `No member ${ref.memberClass}/${ref.memberCode} is registered.`,
    );
  return toMember(instance, row);
}

export interface MemberQuery {
  q?: string | undefined;
  memberClass?: string | undefined;
  parentCode?: string | undefined;
  kind?: string | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export async function listMembers(
  ctx: RegistryContext,
  query: MemberQuery,
): Promise<{ items: Member[]; total: number }> {
  let base = memberSelect(ctx.db);
  if (query.memberClass) base = base.where('m.member_class', '=', query.memberClass);
  if (query.kind) base = base.where('m.kind', '=', query.kind);
  if (query.parentCode) base = base.where('p.member_code', '=', query.parentCode);
  if (query.q) {
    const like = `%${query.q.normalize('NFC').replace(/[\\%_]/g, '\\$&')}%`;
    base = base.where((eb) =>
      eb.or([
        eb('m.member_code', 'ilike', like),
        eb('m.name_vi', 'ilike', like),
        eb('m.name_en', 'ilike', like),
      ]),
    );
  }
  const totalRow = await base
    .clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const rows = await base
    .orderBy('m.member_class')
    .orderBy('m.member_code')
    .limit(query.limit ?? 100)
    .offset(query.offset ?? 0)
    .execute();
  return { items: rows.map((r) => toMember(ctx.instance, r)), total: Number(totalRow.n) };
}

export function validateSubsystemInput(ctx: RegistryContext, input: SubsystemInput): SubsystemInput {
  parseSubsystemId(`${ctx.instance}/${input.memberClass}/${input.memberCode}/${input.subsystemCode}`, {
    instances: [ctx.instance],
  });
  return {
    ...input,
    nameVi: cleanName(input.nameVi, 'nameVi'),
    nameEn: input.nameEn ? cleanName(input.nameEn, 'nameEn') : null,
  };
}

export async function insertSubsystem(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  raw: SubsystemInput,
): Promise<Subsystem> {
  const input = validateSubsystemInput(ctx, raw);
  const memberId = await findMemberId(tx, input);
  const exists = await tx
    .selectFrom('subsystems')
    .select('id')
    .where('member_id', '=', memberId)
    .where('code', '=', input.subsystemCode)
    .executeTakeFirst();
  if (exists) {
    throw conflict(
      'registry.subsystem_exists',
      `Subsystem ${input.subsystemCode} of ${input.memberClass}/${input.memberCode} is already registered.`,
    );
  }
  const now = ctx.clock.now();
  await tx
    .insertInto('subsystems')
    .values({
      member_id: memberId,
      code: input.subsystemCode,
      name_vi: input.nameVi,
      name_en: input.nameEn ?? null,
      created_at: now,
    })
    .execute();
  const sub = await getSubsystem(tx, ctx.instance, input);
  await writeAudit(tx, actor, now, {
    action: 'subsystem.create',
    entityType: 'subsystem',
    entityKey: sub.id,
    after: sub,
  });
  return sub;
}

export async function getSubsystem(
  db: RegistryDb | RegistryTx,
  instance: string,
  ref: MemberRef & { subsystemCode: string },
): Promise<Subsystem> {
  const row = await subsystemSelect(db)
    .where('m.member_class', '=', ref.memberClass)
    .where('m.member_code', '=', ref.memberCode)
    .where('s.code', '=', ref.subsystemCode)
    .executeTakeFirst();
  if (!row) {
    throw notFound(
      'registry.unknown_subsystem',
      `No subsystem ${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode} is registered.`,
    );
  }
  return toSubsystem(instance, row);
}

export async function findSubsystemId(
  db: RegistryDb | RegistryTx,
  ref: MemberRef & { subsystemCode: string },
): Promise<number> {
  const row = await db
    .selectFrom('subsystems as s')
    .innerJoin('members as m', 'm.id', 's.member_id')
    .select('s.id')
    .where('m.member_class', '=', ref.memberClass)
    .where('m.member_code', '=', ref.memberCode)
    .where('s.code', '=', ref.subsystemCode)
    .executeTakeFirst();
  if (!row) {
    throw notFound(
      'registry.unknown_subsystem',
      `No subsystem ${ref.memberClass}/${ref.memberCode}/${ref.subsystemCode} is registered.`,
    );
  }
  return row.id;
}

export async function listSubsystems(ctx: RegistryContext, ref?: MemberRef): Promise<Subsystem[]> {
  let q = subsystemSelect(ctx.db);
  if (ref) q = q.where('m.member_class', '=', ref.memberClass).where('m.member_code', '=', ref.memberCode);
  const rows = await q.orderBy('m.member_code').orderBy('s.code').execute();
  return rows.map((r) => toSubsystem(ctx.instance, r));
}

function subsystemSelect(db: RegistryDb | RegistryTx) {
  return db
    .selectFrom('subsystems as s')
    .innerJoin('members as m', 'm.id', 's.member_id')
    .select(['m.member_class', 'm.member_code', 's.code', 's.name_vi', 's.name_en', 's.created_at']);
}

function toSubsystem(
  instance: string,
  r: {
    member_class: string;
    member_code: string;
    code: string;
    name_vi: string;
    name_en: string | null;
    created_at: Date | string;
  },
): Subsystem {
  return {
    id: `${instance}/${r.member_class}/${r.member_code}/${r.code}`,
    memberClass: r.member_class,
    memberCode: r.member_code,
    subsystemCode: r.code,
    nameVi: r.name_vi,
    nameEn: r.name_en,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
