import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AppError, badInput, forbidden, notFound } from '../kernel/errors.ts';
import type { Principal } from '../kernel/http/server.ts';
import { writeAudit } from './audit.ts';
import type { Actor, RegistryContext } from './context.ts';
import type { RegistryDb } from './registry.db.ts';

/**
 * Who may do what in the registry.
 * - `operator`: the platform operator; everything.
 * - `agency`: an agency's administrator; acts for its own member and the agencies below it.
 * - `auditor`: reads everything, including the audit log; changes nothing.
 * API keys carry one role (OpenID Connect users arrive with the e-ID module).
 */
export const ROLES = ['operator', 'agency', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

const KEY_PATTERN = /^lt_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface CreatedApiKey {
  id: string;
  name: string;
  role: Role;
  memberCode: string | null;
  /** Shown once; only its hash is stored. */
  key: string;
}

export async function createApiKey(
  ctx: RegistryContext,
  actor: Actor,
  input: { name: string; role: Role; member?: { memberClass: string; memberCode: string } | undefined },
): Promise<CreatedApiKey> {
  requireRole(actor, 'operator', 'system');
  if (!ROLES.includes(input.role)) {
    throw badInput('registry.invalid_role', `Unknown role "${input.role}". Use one of: ${ROLES.join(', ')}.`);
  }
  if (input.role === 'agency' && !input.member) {
    throw badInput('registry.member_required', 'An agency key must name the agency (member) it acts for.');
  }
  const name = input.name.trim();
  if (!name) throw badInput('registry.invalid_name', 'The key needs a name that says who uses it.');
  const id = ctx.random
    .bytes(9)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '0')
    .slice(0, 12);
  const secret = ctx.random.bytes(32).toString('base64url');
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (tx) => {
    let memberId: number | null = null;
    if (input.member) {
      const m = await tx
        .selectFrom('members')
        .select('id')
        .where('member_class', '=', input.member.memberClass)
        .where('member_code', '=', input.member.memberCode)
        .executeTakeFirst();
      if (!m) {
        throw notFound(
          'registry.unknown_member',
          `No member ${input.member.memberClass}/${input.member.memberCode} is registered.`,
        );
      }
      memberId = m.id;
    }
    await tx
      .insertInto('api_keys')
      .values({
        id,
        name,
        secret_hash: hashSecret(secret),
        role: input.role,
        member_id: memberId,
        created_at: now,
        created_by: actor.id,
      })
      .execute();
    const memberCode = input.member?.memberCode ?? null;
    await writeAudit(tx, actor, now, {
      action: 'api_key.create',
      entityType: 'api_key',
      entityKey: id,
      after: { id, name, role: input.role, memberCode },
    });
    return { id, name, role: input.role, memberCode, key: `lt_${id}_${secret}` };
  });
}

export async function revokeApiKey(ctx: RegistryContext, actor: Actor, id: string): Promise<void> {
  requireRole(actor, 'operator', 'system');
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (tx) => {
    const row = await tx
      .selectFrom('api_keys')
      .select(['id', 'name', 'revoked_at'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw notFound('registry.unknown_api_key', `No API key ${id}.`);
    if (row.revoked_at) return;
    await tx.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).execute();
    await writeAudit(tx, actor, now, { action: 'api_key.revoke', entityType: 'api_key', entityKey: id });
  });
}

/** Resolves `Authorization: Bearer lt_…` (or `X-API-Key`) to a principal, or null. */
export function apiKeyAuthenticator(db: RegistryDb) {
  return async (request: FastifyRequest): Promise<Principal | null> => {
    const header = request.headers.authorization;
    let key: string | undefined;
    if (typeof header === 'string' && header.toLowerCase().startsWith('bearer '))
      key = header.slice(7).trim();
    else if (typeof request.headers['x-api-key'] === 'string') key = request.headers['x-api-key'];
    if (!key) return null;
    const m = KEY_PATTERN.exec(key);
    if (!m) {
      throw new AppError(
        'unauthenticated',
        'auth.invalid_credentials',
        'The API key is malformed or unknown.',
      );
    }
    const row = await db
      .selectFrom('api_keys')
      .leftJoin('members', 'members.id', 'api_keys.member_id')
      .select([
        'api_keys.id',
        'api_keys.name',
        'api_keys.role',
        'api_keys.secret_hash',
        'api_keys.revoked_at',
      ])
      .select(['members.member_code'])
      .where('api_keys.id', '=', m[1]!)
      .executeTakeFirst();
    const given = Buffer.from(hashSecret(m[2]!), 'hex');
    const ok = row && !row.revoked_at && timingSafeEqual(given, Buffer.from(row.secret_hash, 'hex'));
    if (!ok)
      throw new AppError(
        'unauthenticated',
        'auth.invalid_credentials',
        'The API key is malformed or unknown.',
      );
    return {
      kind: 'api_key',
      id: `api_key:${row.id}`,
      name: row.name,
      role: row.role,
      memberCode: row.member_code ?? undefined,
    };
  };
}

export function requireRole(actor: Actor, ...roles: string[]): void {
  if (!roles.includes(actor.role)) {
    throw forbidden(
      'auth.forbidden',
      `This action needs the role ${roles.filter((r) => r !== 'system').join(' or ')}; you are ${actor.role}.`,
    );
  }
}

export const isOperator = (actor: Actor): boolean => actor.role === 'operator' || actor.role === 'system';
