import { sql } from 'kysely';
import { AppError, badInput, conflict, notFound } from '../kernel/errors.ts';
import type { AccessRight } from './access.service.ts';
import { writeAudit } from './audit.ts';
import { requireRole } from './auth.ts';
import type { Actor, RegistryContext } from './context.ts';
import {
  type Gateway,
  type GatewayInput,
  type GatewayRef,
  insertGateway,
  insertGatewayClient,
} from './gateways.service.ts';
import {
  insertMember,
  insertSubsystem,
  type Member,
  type MemberInput,
  type MemberRef,
  requireActsFor,
  type Subsystem,
  type SubsystemInput,
} from './members.service.ts';
import type { RegistryTx } from './registry.db.ts';
import { insertService, type Service, type ServiceInput, serviceKey } from './services.service.ts';

/**
 * Management requests, as X-Road's: an agency files a registration, the platform operator
 * approves or rejects it. Filing runs the change in a transaction that is rolled back, so a
 * request that could never be approved (unknown parent, duplicate, bad code) is refused at once
 * with the same error approval would give; approval runs it again for real.
 */
export type RequestPayload =
  | { type: 'member.register'; member: MemberInput }
  | { type: 'subsystem.register'; subsystem: SubsystemInput }
  | { type: 'gateway.register'; gateway: GatewayInput }
  | { type: 'gateway.client.register'; gateway: GatewayRef; subsystem: MemberRef & { subsystemCode: string } }
  | { type: 'service.register'; service: ServiceInput };

export const REQUEST_TYPES = [
  'member.register',
  'subsystem.register',
  'gateway.register',
  'gateway.client.register',
  'service.register',
] as const;

export interface ManagementRequest {
  id: number;
  type: string;
  status: 'pending' | 'approved' | 'rejected';
  /** The agency the request is for (or, for member.register, the parent that files it). */
  memberClass: string;
  memberCode: string;
  entityKey: string;
  payload: Record<string, unknown>;
  submittedBy: string;
  submittedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionNote: string | null;
  result: Record<string, unknown> | null;
}

type Applied = Member | Subsystem | Gateway | Service | AccessRight;

function describe(ctx: RegistryContext, p: RequestPayload): { owner: MemberRef; entityKey: string } {
  const i = ctx.instance;
  switch (p.type) {
    case 'member.register': {
      const m = p.member;
      if (!m.parentCode) {
        return {
          owner: { memberClass: m.memberClass, memberCode: m.memberCode },
          entityKey: `${i}/${m.memberClass}/${m.memberCode}`,
        };
      }
      return {
        owner: { memberClass: m.memberClass, memberCode: m.parentCode },
        entityKey: `${i}/${m.memberClass}/${m.memberCode}`,
      };
    }
    case 'subsystem.register':
      return {
        owner: p.subsystem,
        entityKey: `${i}/${p.subsystem.memberClass}/${p.subsystem.memberCode}/${p.subsystem.subsystemCode}`,
      };
    case 'gateway.register':
      return {
        owner: p.gateway,
        entityKey: `${i}/${p.gateway.memberClass}/${p.gateway.memberCode}/gateway:${p.gateway.gatewayCode}`,
      };
    case 'gateway.client.register':
      return {
        owner: p.subsystem,
        entityKey: `${i}/${p.gateway.memberClass}/${p.gateway.memberCode}/gateway:${p.gateway.gatewayCode}>${p.subsystem.memberCode}/${p.subsystem.subsystemCode}`,
      };
    case 'service.register':
      return { owner: p.service, entityKey: serviceKey(i, p.service) };
    default:
      throw badInput(
        'registry.invalid_request_type',
        `Unknown request type. Use one of: ${REQUEST_TYPES.join(', ')}.`,
      );
  }
}

async function apply(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  p: RequestPayload,
): Promise<Applied> {
  switch (p.type) {
    case 'member.register':
      return insertMember(ctx, tx, actor, p.member);
    case 'subsystem.register':
      return insertSubsystem(ctx, tx, actor, p.subsystem);
    case 'gateway.register':
      return insertGateway(ctx, tx, actor, p.gateway);
    case 'gateway.client.register':
      return insertGatewayClient(ctx, tx, actor, { gateway: p.gateway, subsystem: p.subsystem });
    case 'service.register':
      return insertService(ctx, tx, actor, p.service);
  }
}

class DryRun extends Error {}

export async function fileRequest(
  ctx: RegistryContext,
  actor: Actor,
  payload: RequestPayload,
): Promise<ManagementRequest> {
  const { owner, entityKey } = describe(ctx, payload);
  if (payload.type === 'member.register' && !payload.member.parentCode)
    requireRole(actor, 'operator', 'system');
  else await requireActsFor(ctx.db, actor, owner);
  // Validate against the current state without keeping anything.
  try {
    await ctx.db.transaction().execute(async (tx) => {
      await apply(ctx, tx, actor, payload);
      throw new DryRun();
    });
  } catch (err) {
    if (!(err instanceof DryRun)) throw err;
  }
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (tx) => {
    const pending = await tx
      .selectFrom('management_requests')
      .select('id')
      .where('type', '=', payload.type)
      .where('entity_key', '=', entityKey)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (pending) {
      throw conflict(
        'registry.duplicate_request',
        `Request ${pending.id} for ${entityKey} is already pending; wait for the operator's decision.`,
        { requestId: pending.id },
      );
    }
    const row = await tx
      .insertInto('management_requests')
      .values({
        type: payload.type,
        status: 'pending',
        member_class: owner.memberClass,
        member_code: owner.memberCode,
        entity_key: entityKey,
        payload: JSON.stringify(payload),
        submitted_by: actor.id,
        submitted_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const request = await getRequest(tx, row.id);
    await writeAudit(tx, actor, now, {
      action: 'request.file',
      entityType: 'request',
      entityKey: String(row.id),
      after: request,
    });
    return request;
  });
}

export async function approveRequest(
  ctx: RegistryContext,
  actor: Actor,
  id: number,
  note?: string,
): Promise<ManagementRequest> {
  requireRole(actor, 'operator', 'system');
  return ctx.db.transaction().execute(async (tx) => {
    const before = await lockPending(tx, id);
    const result = await apply(ctx, tx, actor, before.payload as unknown as RequestPayload);
    const now = ctx.clock.now();
    await tx
      .updateTable('management_requests')
      .set({
        status: 'approved',
        decided_by: actor.id,
        decided_at: now,
        decision_note: note ?? null,
        result: JSON.stringify(result),
      })
      .where('id', '=', id)
      .execute();
    const after = await getRequest(tx, id);
    await writeAudit(tx, actor, now, {
      action: 'request.approve',
      entityType: 'request',
      entityKey: String(id),
      before,
      after,
    });
    return after;
  });
}

export async function rejectRequest(
  ctx: RegistryContext,
  actor: Actor,
  id: number,
  reason: string,
): Promise<ManagementRequest> {
  requireRole(actor, 'operator', 'system');
  if (!reason?.trim())
    throw badInput('registry.reason_required', 'Say why the request is rejected: the agency will read it.');
  return ctx.db.transaction().execute(async (tx) => {
    const before = await lockPending(tx, id);
    const now = ctx.clock.now();
    await tx
      .updateTable('management_requests')
      .set({ status: 'rejected', decided_by: actor.id, decided_at: now, decision_note: reason.trim() })
      .where('id', '=', id)
      .execute();
    const after = await getRequest(tx, id);
    await writeAudit(tx, actor, now, {
      action: 'request.reject',
      entityType: 'request',
      entityKey: String(id),
      before,
      after,
    });
    return after;
  });
}

async function lockPending(tx: RegistryTx, id: number): Promise<ManagementRequest> {
  const row = await tx
    .selectFrom('management_requests')
    .select('status')
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw notFound('registry.unknown_request', `No management request ${id}.`);
  if (row.status !== 'pending') {
    throw new AppError('conflict', 'registry.request_decided', `Request ${id} was already ${row.status}.`);
  }
  return getRequest(tx, id);
}

export async function getRequest(
  db: RegistryContext['db'] | RegistryTx,
  id: number,
): Promise<ManagementRequest> {
  const r = await db.selectFrom('management_requests').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw notFound('registry.unknown_request', `No management request ${id}.`);
  return toRequest(r);
}

export async function getRequestFor(
  ctx: RegistryContext,
  actor: Actor,
  id: number,
): Promise<ManagementRequest> {
  const r = await getRequest(ctx.db, id);
  if (actor.role === 'agency') await requireActsFor(ctx.db, actor, r);
  return r;
}

export async function listRequests(
  ctx: RegistryContext,
  actor: Actor,
  filter: { status?: string | undefined; limit?: number | undefined },
): Promise<ManagementRequest[]> {
  let q = ctx.db
    .selectFrom('management_requests')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(filter.limit ?? 200);
  if (filter.status) q = q.where('status', '=', filter.status as ManagementRequest['status']);
  // An agency sees the requests for itself and the agencies under it; operators and auditors see all.
  if (actor.role === 'agency')
    q = q.where('member_code', 'in', await agencyAndDescendants(ctx, actor.memberCode ?? ''));
  return (await q.execute()).map(toRequest);
}

function toRequest(r: {
  id: number;
  type: string;
  status: 'pending' | 'approved' | 'rejected';
  member_class: string;
  member_code: string;
  entity_key: string;
  payload: Record<string, unknown>;
  submitted_by: string;
  submitted_at: Date | string;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_note: string | null;
  result: Record<string, unknown> | null;
}): ManagementRequest {
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    memberClass: r.member_class,
    memberCode: r.member_code,
    entityKey: r.entity_key,
    payload: r.payload,
    submittedBy: r.submitted_by,
    submittedAt: new Date(r.submitted_at).toISOString(),
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at).toISOString() : null,
    decisionNote: r.decision_note,
    result: r.result,
  };
}

async function agencyAndDescendants(ctx: RegistryContext, memberCode: string): Promise<string[]> {
  const rows = await sql<{ member_code: string }>`
    with recursive tree as (
      select id, member_code from members where member_code = ${memberCode}
      union all
      select m.id, m.member_code from members m join tree t on m.parent_id = t.id
    )
    select member_code from tree`.execute(ctx.db);
  const codes = rows.rows.map((r) => r.member_code);
  return codes.length ? codes : [memberCode];
}
