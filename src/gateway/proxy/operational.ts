import type { Kysely } from 'kysely';
import type { Logger } from '../../kernel/log.ts';

/**
 * Operational records: what happened to each exchange on this gateway (who, which service,
 * status, sizes, the four timestamps). Collected per request and written in batches off the
 * request path — they are for operators' dashboards, not evidence.
 */
export interface OperationalRecord {
  side: 'consumer' | 'provider';
  messageId?: string | undefined;
  requestId?: string | undefined;
  clientId?: string | undefined;
  serviceId?: string | undefined;
  method: string;
  path: string;
  status?: number | undefined;
  succeeded: boolean;
  faultType?: string | undefined;
  requestSize?: number | undefined;
  responseSize?: number | undefined;
  requestInAt: Date;
  requestOutAt?: Date | undefined;
  responseInAt?: Date | undefined;
  responseOutAt?: Date | undefined;
}

export interface OperationalTables {
  operational_records: {
    id: import('kysely').Generated<number>;
    side: string;
    message_id: string | null;
    request_id: string | null;
    client_id: string | null;
    service_id: string | null;
    method: string;
    path: string;
    status: number | null;
    succeeded: boolean;
    fault_type: string | null;
    request_size: number | null;
    response_size: number | null;
    request_in_at: Date;
    request_out_at: Date | null;
    response_in_at: Date | null;
    response_out_at: Date | null;
  };
}

export class OperationalLog {
  private queue: OperationalRecord[] = [];
  private flushing: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<OperationalTables>,
    private readonly logger: Logger,
    flushMs = 1000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushMs);
    this.timer.unref();
  }

  record(r: OperationalRecord): void {
    this.queue.push(r);
    if (this.queue.length >= 1000) void this.flush();
  }

  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    this.flushing = this.db
      .insertInto('operational_records')
      .values(
        batch.map((r) => ({
          side: r.side,
          message_id: r.messageId ?? null,
          request_id: r.requestId ?? null,
          client_id: r.clientId ?? null,
          service_id: r.serviceId ?? null,
          method: r.method,
          path: r.path.slice(0, 2000),
          status: r.status ?? null,
          succeeded: r.succeeded,
          fault_type: r.faultType ?? null,
          request_size: r.requestSize ?? null,
          response_size: r.responseSize ?? null,
          request_in_at: r.requestInAt,
          request_out_at: r.requestOutAt ?? null,
          response_in_at: r.responseInAt ?? null,
          response_out_at: r.responseOutAt ?? null,
        })),
      )
      .execute()
      .then(
        () => {},
        (err) =>
          this.logger.warn(
            { err: (err as Error).message, lost: batch.length },
            'operational records not written',
          ),
      )
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await this.flush();
  }

  async list(query: { since?: Date | undefined; limit?: number | undefined }) {
    await this.flush();
    let q = this.db
      .selectFrom('operational_records')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(query.limit ?? 100);
    if (query.since) q = q.where('request_in_at', '>=', query.since);
    return q.execute();
  }
}
