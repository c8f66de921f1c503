import { badInput } from '../kernel/errors.ts';
import type { Actor } from './context.ts';
import type { RegistryDb, RegistryTx } from './registry.db.ts';

/**
 * The audit log: every change to the registry, with who made it, when, and the state before
 * and after. Written in the same transaction as the change, so one never exists without the other.
 */
export interface AuditEntry {
  action: string;
  entityType: string;
  entityKey: string;
  before?: unknown;
  after?: unknown;
}

export async function writeAudit(tx: RegistryTx, actor: Actor, at: Date, entry: AuditEntry): Promise<void> {
  await tx
    .insertInto('audit_log')
    .values({
      at,
      actor_id: actor.id,
      actor_name: actor.name,
      actor_role: actor.role,
      action: entry.action,
      entity_type: entry.entityType,
      entity_key: entry.entityKey,
      before: entry.before === undefined ? null : JSON.stringify(entry.before),
      after: entry.after === undefined ? null : JSON.stringify(entry.after),
      request_id: actor.requestId ?? null,
    })
    .execute();
}

export interface AuditQuery {
  entityType?: string | undefined;
  entityKey?: string | undefined;
  actorId?: string | undefined;
  /** Return entries with id below this (paging backwards from the newest). */
  before?: number | undefined;
  limit?: number | undefined;
}

export interface AuditRecord {
  id: number;
  at: string;
  actor: { id: string; name: string; role: string };
  action: string;
  entityType: string;
  entityKey: string;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

export async function listAudit(db: RegistryDb, q: AuditQuery): Promise<AuditRecord[]> {
  const limit = q.limit ?? 100;
  if (limit < 1 || limit > 1000)
    throw badInput('registry.invalid_limit', 'limit must be between 1 and 1000.');
  let query = db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit);
  if (q.entityType) query = query.where('entity_type', '=', q.entityType);
  if (q.entityKey) query = query.where('entity_key', '=', q.entityKey);
  if (q.actorId) query = query.where('actor_id', '=', q.actorId);
  if (q.before) query = query.where('id', '<', q.before);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: r.id,
    at: new Date(r.at).toISOString(),
    actor: { id: r.actor_id, name: r.actor_name, role: r.actor_role },
    action: r.action,
    entityType: r.entity_type,
    entityKey: r.entity_key,
    before: r.before,
    after: r.after,
    requestId: r.request_id,
  }));
}
