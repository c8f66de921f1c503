import { createHmac } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { request } from 'undici';
import { coalescingRunner } from '../kernel/runner.ts';
import { type DocexContext, retryDelay } from './context.ts';
import type { DocexTables } from './docex.db.ts';

/**
 * Push instead of poll: when the agency configures a webhook, its document system is told of
 * each document received and each status a recipient reported. Events are queued in the same
 * transaction as the fact they announce and delivered in order with retries; each request is
 * signed with HMAC-SHA256 over `{timestamp}.{body}` (header X-Lienthong-Signature:
 * `t=<unix seconds>,v1=<hex>`), so the receiver can check origin and freshness.
 */
export interface WebhookConfig {
  url: string;
  /** Shared with the document system; at least 16 characters. */
  secret: string;
}

export type WebhookEvent =
  | {
      event: 'document.received';
      payload: { id: string; seq: number; sender: string; edxmlDocumentId: string; subject: string };
    }
  | {
      event: 'status.received';
      payload: { documentId: string; recipient: string; code: string; description: string | null };
    };

export async function queueWebhook(
  ctx: DocexContext,
  tx: Transaction<DocexTables>,
  e: WebhookEvent,
): Promise<void> {
  if (!ctx.webhook) return;
  const now = ctx.clock.now();
  // Event ids are given at insert and delivered in id order: serialising the inserts makes ids
  // commit in order, so no event is delivered before an earlier one that was still committing.
  await sql`select pg_advisory_xact_lock(hashtext(${`docex_webhooks:${ctx.self.memberCode}`}))`.execute(tx);
  await tx
    .insertInto('docex_webhook_events')
    .values({
      event: e.event,
      payload: JSON.stringify(e.payload),
      state: 'pending',
      next_attempt_at: now,
      give_up_at: new Date(now.getTime() + ctx.limits.deadAfterMs),
      created_at: now,
    })
    .execute();
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookWorker {
  wake(): void;
  close(): Promise<void>;
}

/** Delivers pending events one at a time, oldest first, so the receiver sees them in order. */
export function startWebhookWorker(ctx: DocexContext, config: WebhookConfig, pollMs = 1000): WebhookWorker {
  let closed = false;
  const pass = async () => {
    for (;;) {
      if (closed) return;
      const now = ctx.clock.now();
      const next = await ctx.db
        .selectFrom('docex_webhook_events')
        .selectAll()
        .where('state', '=', 'pending')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!next || new Date(next.next_attempt_at) > now) return;
      const body = JSON.stringify({
        id: Number(next.id),
        event: next.event,
        data: next.payload,
        agency: ctx.self.memberCode,
      });
      const ts = Math.floor(now.getTime() / 1000);
      let error: string | null = null;
      try {
        const res = await request(config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'x-lienthong-event': next.event,
            'x-lienthong-signature': signWebhook(config.secret, ts, body),
          },
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300) error = `HTTP ${res.statusCode}`;
      } catch (err) {
        error = (err as Error).message;
      }
      const attempts = next.attempts + 1;
      if (!error) {
        await ctx.db
          .updateTable('docex_webhook_events')
          .set({ state: 'delivered', delivered_at: ctx.clock.now(), attempts, last_error: null })
          .where('id', '=', next.id)
          .execute();
        continue;
      }
      const dead = now >= new Date(next.give_up_at);
      const wait = retryDelay(ctx, attempts);
      ctx.logger.info({ event: next.id, attempts, dead, error }, 'docex webhook failed');
      await ctx.db
        .updateTable('docex_webhook_events')
        .set({
          attempts,
          last_error: error.slice(0, 2000),
          ...(dead ? { state: 'dead' as const } : { next_attempt_at: new Date(now.getTime() + wait) }),
        })
        .where('id', '=', next.id)
        .execute();
      if (!dead) setTimeout(wake, wait + 5).unref();
      return;
    }
  };
  const runner = coalescingRunner(pass, (err) =>
    ctx.logger.warn({ err: (err as Error).message }, 'docex webhook pass failed'),
  );
  const wake = runner.wake;
  const timer = setInterval(wake, pollMs);
  timer.unref();
  wake();
  return {
    wake,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await runner.close();
    },
  };
}
