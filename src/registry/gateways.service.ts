import { badInput, conflict, notFound } from '../kernel/errors.ts';
import { writeAudit } from './audit.ts';
import type { Actor, RegistryContext } from './context.ts';
import { findMemberId, findSubsystemId, type MemberRef } from './members.service.ts';
import type { RegistryDb, RegistryTx } from './registry.db.ts';

/**
 * Gateways (an agency's security servers): where they listen, which information systems they
 * serve. Their TLS authentication certificates are issued by the CA (ca.service.ts).
 */
export interface GatewayRef extends MemberRef {
  gatewayCode: string;
}

export interface GatewayInput extends GatewayRef {
  addresses: string[];
}

export interface Gateway extends GatewayRef {
  id: string;
  addresses: string[];
  clients: string[];
  createdAt: string;
  updatedAt: string;
}

const GATEWAY_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function validateGatewayInput(input: GatewayInput): GatewayInput {
  if (!GATEWAY_CODE.test(input.gatewayCode)) {
    throw badInput(
      'registry.invalid_gateway_code',
      `Gateway code "${input.gatewayCode}" may hold only letters, digits, '.', '_' and '-' (at most 63).`,
    );
  }
  if (!Array.isArray(input.addresses) || input.addresses.length === 0 || input.addresses.length > 8) {
    throw badInput('registry.invalid_address', 'A gateway needs between 1 and 8 addresses.');
  }
  const addresses = input.addresses.map((a) => {
    let url: URL;
    try {
      url = new URL(a);
    } catch {
      throw badInput(
        'registry.invalid_address',
        `Gateway address "${a}" is not a URL; use https://host:port.`,
      );
    }
    if (url.protocol !== 'https:' || url.pathname !== '/' || url.search || url.username) {
      throw badInput(
        'registry.invalid_address',
        `Gateway address "${a}" must be https://host[:port] with no path: gateways talk to each other over mutual TLS.`,
      );
    }
    return url.origin;
  });
  return { ...input, addresses: [...new Set(addresses)] };
}

export async function insertGateway(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  raw: GatewayInput,
): Promise<Gateway> {
  const input = validateGatewayInput(raw);
  const memberId = await findMemberId(tx, input);
  const exists = await tx
    .selectFrom('gateways')
    .select('id')
    .where('member_id', '=', memberId)
    .where('code', '=', input.gatewayCode)
    .executeTakeFirst();
  if (exists) {
    throw conflict(
      'registry.gateway_exists',
      `Gateway ${input.gatewayCode} of ${input.memberCode} is already registered.`,
    );
  }
  const now = ctx.clock.now();
  await tx
    .insertInto('gateways')
    .values({
      member_id: memberId,
      code: input.gatewayCode,
      addresses: JSON.stringify(input.addresses),
      created_at: now,
      updated_at: now,
    })
    .execute();
  const gw = await getGateway(tx, ctx.instance, input);
  await writeAudit(tx, actor, now, {
    action: 'gateway.create',
    entityType: 'gateway',
    entityKey: gw.id,
    after: gw,
  });
  return gw;
}

export async function updateGatewayAddresses(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  raw: GatewayInput,
): Promise<Gateway> {
  const input = validateGatewayInput(raw);
  const before = await getGateway(tx, ctx.instance, input);
  const now = ctx.clock.now();
  await tx
    .updateTable('gateways')
    .set({ addresses: JSON.stringify(input.addresses), updated_at: now })
    .where('id', '=', await findGatewayId(tx, input))
    .execute();
  const after = await getGateway(tx, ctx.instance, input);
  await writeAudit(tx, actor, now, {
    action: 'gateway.update',
    entityType: 'gateway',
    entityKey: after.id,
    before,
    after,
  });
  return after;
}

/** Registers an information system as served by a gateway (X-Road: a security server client). */
export async function insertGatewayClient(
  ctx: RegistryContext,
  tx: RegistryTx,
  actor: Actor,
  input: { gateway: GatewayRef; subsystem: MemberRef & { subsystemCode: string } },
): Promise<Gateway> {
  const gatewayId = await findGatewayId(tx, input.gateway);
  const subsystemId = await findSubsystemId(tx, input.subsystem);
  const exists = await tx
    .selectFrom('gateway_clients')
    .select('gateway_id')
    .where('gateway_id', '=', gatewayId)
    .where('subsystem_id', '=', subsystemId)
    .executeTakeFirst();
  if (exists) {
    throw conflict('registry.client_exists', 'This information system is already served by this gateway.');
  }
  await tx
    .insertInto('gateway_clients')
    .values({ gateway_id: gatewayId, subsystem_id: subsystemId })
    .execute();
  const gw = await getGateway(tx, ctx.instance, input.gateway);
  await writeAudit(tx, actor, ctx.clock.now(), {
    action: 'gateway.client.add',
    entityType: 'gateway',
    entityKey: gw.id,
    after: {
      client: `${ctx.instance}/${input.subsystem.memberClass}/${input.subsystem.memberCode}/${input.subsystem.subsystemCode}`,
    },
  });
  return gw;
}

export async function findGatewayId(db: RegistryDb | RegistryTx, ref: GatewayRef): Promise<number> {
  const row = await db
    .selectFrom('gateways as g')
    .innerJoin('members as m', 'm.id', 'g.member_id')
    .select('g.id')
    .where('m.member_class', '=', ref.memberClass)
    .where('m.member_code', '=', ref.memberCode)
    .where('g.code', '=', ref.gatewayCode)
    .executeTakeFirst();
  if (!row) {
    throw notFound(
      'registry.unknown_gateway',
      `No gateway ${ref.gatewayCode} of ${ref.memberClass}/${ref.memberCode}.`,
    );
  }
  return row.id;
}

export async function getGateway(
  db: RegistryDb | RegistryTx,
  instance: string,
  ref: GatewayRef,
): Promise<Gateway> {
  const list = await queryGateways(db, instance, ref);
  if (!list[0]) {
    throw notFound(
      'registry.unknown_gateway',
      `No gateway ${ref.gatewayCode} of ${ref.memberClass}/${ref.memberCode}.`,
    );
  }
  return list[0];
}

export async function listGateways(ctx: RegistryContext, member?: MemberRef): Promise<Gateway[]> {
  return queryGateways(ctx.db, ctx.instance, member);
}

async function queryGateways(
  db: RegistryDb | RegistryTx,
  instance: string,
  filter?: MemberRef & { gatewayCode?: string },
): Promise<Gateway[]> {
  let q = db
    .selectFrom('gateways as g')
    .innerJoin('members as m', 'm.id', 'g.member_id')
    .select([
      'g.id',
      'g.code',
      'g.addresses',
      'g.created_at',
      'g.updated_at',
      'm.member_class',
      'm.member_code',
    ]);
  if (filter)
    q = q.where('m.member_class', '=', filter.memberClass).where('m.member_code', '=', filter.memberCode);
  if (filter?.gatewayCode) q = q.where('g.code', '=', filter.gatewayCode);
  const rows = await q.orderBy('m.member_code').orderBy('g.code').execute();
  if (rows.length === 0) return [];
  const clients = await db
    .selectFrom('gateway_clients as gc')
    .innerJoin('subsystems as s', 's.id', 'gc.subsystem_id')
    .innerJoin('members as m', 'm.id', 's.member_id')
    .select(['gc.gateway_id', 'm.member_class', 'm.member_code', 's.code'])
    .where(
      'gc.gateway_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => ({
    id: `${instance}/${r.member_class}/${r.member_code}/${r.code}`,
    memberClass: r.member_class,
    memberCode: r.member_code,
    gatewayCode: r.code,
    addresses: r.addresses as unknown as string[],
    clients: clients
      .filter((c) => c.gateway_id === r.id)
      .map((c) => `${instance}/${c.member_class}/${c.member_code}/${c.code}`)
      .sort(),
    createdAt: new Date(r.created_at).toISOString(),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}
