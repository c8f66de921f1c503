import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { notFound } from '../kernel/errors.ts';
import { coalescingRunner } from '../kernel/runner.ts';
import type { DocexContext } from './context.ts';
import { docexClientId, docexServiceUrl, retryDelay } from './context.ts';
import { writePackage } from './edxml/index.ts';
import { receiveStatus } from './receive.ts';

/**
 * Store-and-forward: every pending delivery (a document to one recipient) and every pending
 * status message goes through this agency's gateway to the other agency's docex node, with
 * retries (exponential backoff with jitter) until it is acknowledged or its horizon passes —
 * then it is dead-lettered with the reason, for an operator to redeliver. Delivery is
 * at-least-once; the receiver stores each document once (receive.ts).
 */
export interface DeliveryWorker {
  /** Runs a pass now (also runs on its own every `pollMs`). */
  wake(): void;
  /** Resolves when nothing is due and nothing is in flight (for tests and the CLI). */
  idle(): Promise<void>;
  close(): Promise<void>;
  stats(): { inFlight: number; delivered: number; failed: number };
}

type Job = { kind: 'document'; id: number } | { kind: 'status'; id: number };

export function startDeliveryWorker(ctx: DocexContext, options: { pollMs?: number } = {}): DeliveryWorker {
  const pollMs = options.pollMs ?? 1000;
  const agent = new Agent({ connections: ctx.limits.concurrency * 2, keepAliveTimeout: 30_000 });
  // Closing aborts what is in flight: those deliveries stay pending and are sent again later.
  const stopping = new AbortController();
  const inFlight = new Set<string>();
  let delivered = 0;
  let failed = 0;
  const idleWaiters: (() => void)[] = [];

  const pass = async (): Promise<void> => {
    {
      const now = ctx.clock.now();
      const free = ctx.limits.concurrency - inFlight.size;
      if (free <= 0) return;
      const docs = await ctx.db
        .selectFrom('docex_deliveries')
        .select('id')
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(free + inFlight.size)
        .execute();
      // Statuses of one document go in the order they were made: only the oldest pending one.
      const statuses = await ctx.db
        .selectFrom('docex_statuses as s')
        .select('s.id')
        .where('s.direction', '=', 'out')
        .where('s.state', '=', 'pending')
        .where('s.next_attempt_at', '<=', now)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('docex_statuses as e')
                .select('e.id')
                .where('e.direction', '=', 'out')
                .where('e.state', '=', 'pending')
                .whereRef('e.document_ref', '=', 's.document_ref')
                .whereRef('e.id', '<', 's.id'),
            ),
          ),
        )
        .orderBy('s.id')
        .limit(free + inFlight.size)
        .execute();
      const jobs: Job[] = [
        ...statuses.map((s) => ({ kind: 'status' as const, id: Number(s.id) })),
        ...docs.map((d) => ({ kind: 'document' as const, id: Number(d.id) })),
      ].filter((j) => !inFlight.has(`${j.kind}:${j.id}`));
      for (const job of jobs.slice(0, ctx.limits.concurrency - inFlight.size)) {
        const key = `${job.kind}:${job.id}`;
        inFlight.add(key);
        void attempt(job)
          .catch((err) => ctx.logger.error({ err, job }, 'docex delivery bookkeeping failed'))
          .finally(() => {
            inFlight.delete(key);
            wake();
          });
      }
    }
  };

  const runner = coalescingRunner(
    pass,
    (err) => ctx.logger.warn({ err: (err as Error).message }, 'docex delivery pass failed'),
    () => {
      if (inFlight.size === 0) void checkIdle();
    },
  );
  const wake = runner.wake;

  const checkIdle = async () => {
    if (idleWaiters.length === 0 || inFlight.size > 0 || runner.running()) return;
    const now = ctx.clock.now();
    const due = await ctx.db
      .selectFrom('docex_deliveries')
      .select('id')
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .union(
        ctx.db
          .selectFrom('docex_statuses')
          .select('id')
          .where('direction', '=', 'out')
          .where('state', '=', 'pending')
          .where('next_attempt_at', '<=', now),
      )
      .limit(1)
      .execute();
    if (due.length === 0 && inFlight.size === 0 && !runner.running()) {
      for (const w of idleWaiters.splice(0)) w();
    } else wake();
  };

  const attempt = async (job: Job): Promise<void> => {
    const table = job.kind === 'document' ? 'docex_deliveries' : 'docex_statuses';
    const row =
      job.kind === 'document'
        ? await ctx.db
            .selectFrom('docex_deliveries as d')
            .innerJoin('docex_documents as doc', 'doc.id', 'd.document_id')
            .select([
              'd.id',
              'd.state',
              'd.attempts',
              'd.recipient',
              'doc.id as ref',
              'doc.envelope',
              'd.give_up_at',
            ])
            .where('d.id', '=', job.id)
            .executeTakeFirst()
        : await ctx.db
            .selectFrom('docex_statuses as s')
            .innerJoin('docex_inbox as i', 'i.id', 's.document_ref')
            .select([
              's.id',
              's.state',
              's.attempts',
              's.counterpart as recipient',
              'i.sender_document_id as ref',
              's.envelope',
              's.give_up_at',
            ])
            .where('s.id', '=', job.id)
            .executeTakeFirst();
    if (row?.state !== 'pending') return;
    let outcome: { ok: true } | { ok: false; permanent: boolean; reason: string };
    try {
      outcome =
        job.kind === 'document'
          ? await sendDocument(row.ref, row.recipient, row.envelope)
          : await sendStatus(row.ref, row.recipient, row.envelope);
    } catch (err) {
      outcome = { ok: false, permanent: false, reason: (err as Error).message };
    }
    const now = ctx.clock.now();
    if (outcome.ok) {
      delivered++;
      await ctx.db
        .updateTable(table)
        .set({ state: 'delivered', delivered_at: now, attempts: row.attempts + 1, last_error: null })
        .where('id', '=', job.id)
        .execute();
      return;
    }
    failed++;
    const attempts = row.attempts + 1;
    const giveUpAt = row.give_up_at ? new Date(row.give_up_at).getTime() : Number.POSITIVE_INFINITY;
    const dead = outcome.permanent || now.getTime() >= giveUpAt;
    const jitter = retryDelay(ctx, attempts);
    ctx.logger.info({ job, attempts, dead, reason: outcome.reason }, 'docex delivery failed');
    if (job.kind === 'document') {
      await ctx.db
        .updateTable('docex_deliveries')
        .set({
          attempts,
          last_error: outcome.reason.slice(0, 2000),
          ...(dead
            ? { state: 'dead' as const, dead_at: now }
            : { next_attempt_at: new Date(now.getTime() + jitter) }),
        })
        .where('id', '=', job.id)
        .execute();
    } else {
      await ctx.db
        .updateTable('docex_statuses')
        .set({
          attempts,
          last_error: outcome.reason.slice(0, 2000),
          ...(dead ? { state: 'dead' as const } : { next_attempt_at: new Date(now.getTime() + jitter) }),
        })
        .where('id', '=', job.id)
        .execute();
    }
    if (!dead) setTimeout(wake, jitter + 5).unref();
  };

  const headers = () => ({ ...ctx.gateway.headers, 'x-road-client': docexClientId(ctx) });

  const sendDocument = async (documentId: string, recipient: string, envelope: string) => {
    const attachments = await ctx.db
      .selectFrom('docex_attachments')
      .select(['content_id', 'sha256'])
      .where('owner_kind', '=', 'sent')
      .where('owner_id', '=', documentId)
      .orderBy('position')
      .execute();
    const pkg = writePackage(
      envelope,
      attachments.map((a) => ({ contentId: a.content_id, content: ctx.blobs.open(a.sha256) })),
      { maxAttachmentBytes: ctx.limits.maxAttachmentBytes },
    );
    pkg.digests.catch(() => {});
    const outcome = await post(
      docexServiceUrl(ctx, recipient, 'packages', documentId),
      headers(),
      pkg.stream,
      'application/xml; charset=utf-8',
    );
    if (outcome.ok) {
      // The recipient's signed "01 arrived" comes back in the answer: recorded before the
      // delivery is marked done, so a crash in between only means asking again.
      const answer = JSON.parse(outcome.body) as { receipt?: unknown };
      if (typeof answer.receipt === 'string') await receiveStatus(ctx, recipient, documentId, answer.receipt);
    }
    return outcome;
  };

  const sendStatus = (senderDocumentId: string, recipient: string, envelope: string) =>
    post(
      docexServiceUrl(ctx, recipient, 'statuses', senderDocumentId),
      headers(),
      Readable.from([Buffer.from(envelope)]),
      'application/xml; charset=utf-8',
    );

  const post = async (
    url: string,
    h: Record<string, string>,
    body: Readable,
    contentType: string,
  ): Promise<{ ok: true; body: string } | { ok: false; permanent: boolean; reason: string }> => {
    const res = await request(url, {
      method: 'POST',
      headers: { ...h, 'content-type': contentType },
      body,
      dispatcher: agent,
      signal: stopping.signal,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const text = await res.body.text();
    if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, body: text };
    const xroadError = res.headers['x-road-error'];
    // The other agency's docex refused the message itself (4xx without an X-Road error): sending
    // it again cannot succeed. Gateway faults and 5xx may clear up, so they are retried.
    const permanent =
      !xroadError &&
      res.statusCode >= 400 &&
      res.statusCode < 500 &&
      res.statusCode !== 408 &&
      res.statusCode !== 429;
    return {
      ok: false,
      permanent,
      reason: `HTTP ${res.statusCode}${xroadError ? ` ${String(xroadError)}` : ''}: ${text.slice(0, 500)}`,
    };
  };

  const timer = setInterval(wake, pollMs);
  timer.unref();
  wake();

  return {
    wake,
    idle: () =>
      new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        void checkIdle();
      }),
    close: async () => {
      clearInterval(timer);
      await runner.close();
      stopping.abort();
      while (inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
      await agent.close();
    },
    stats: () => ({ inFlight: inFlight.size, delivered, failed }),
  };
}

/** Puts a dead-lettered (or stuck) delivery back in the queue, for an operator. */
export async function redeliver(ctx: DocexContext, documentId: string, recipient: string): Promise<void> {
  const r = await ctx.db
    .updateTable('docex_deliveries')
    .set({
      state: 'pending',
      next_attempt_at: ctx.clock.now(),
      give_up_at: new Date(ctx.clock.now().getTime() + ctx.limits.deadAfterMs),
      attempts: 0,
      dead_at: null,
    })
    .where('document_id', '=', documentId)
    .where('recipient', '=', recipient)
    .where('state', '!=', 'delivered')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) {
    throw notFound(
      'docex.unknown_delivery',
      `Không có lượt chuyển văn bản ${documentId} tới ${recipient} đang chờ hoặc đã hỏng để chuyển lại.`,
    );
  }
  ctx.wake();
}
