import type { Clock } from '../kernel/clock.ts';
import type { GlobalConfiguration } from '../kernel/globalconf/index.ts';
import type { Logger } from '../kernel/log.ts';
import type { Random } from '../kernel/random.ts';
import type { BlobStore } from './blobs.ts';
import type { DocexDb } from './docex.db.ts';
import type { WebhookConfig } from './webhook.ts';

/** What every part of a docex node is given: its agency, its keys, its stores, its gateway. */
export interface DocexContext {
  db: DocexDb;
  clock: Clock;
  random: Random;
  logger: Logger;
  blobs: BlobStore;
  self: {
    instance: string;
    memberClass: string;
    /** The agency's electronic code, also its edXML OrganId. */
    memberCode: string;
  };
  /** The agency's signing key and certificate: edXML envelopes and statuses are signed with it. */
  signing: { privateKeyPem: string; certificatePem: string };
  /** The current signed global configuration (recipients, trusted CAs, revocations). */
  conf(): GlobalConfiguration;
  /** The agency's own gateway, consumer side, and the subsystem docex calls it as. */
  gateway: { consumerUrl: string; headers?: Record<string, string> };
  limits: DocexLimits;
  /** Where the agency's document system wants events pushed, if anywhere. */
  webhook?: WebhookConfig | undefined;
  /** Nudges the delivery and webhook workers (after something was queued). */
  wake(): void;
}

export interface DocexLimits {
  maxAttachmentBytes: number;
  /** A delivery still failing this long after the send goes to the dead-letter state. */
  deadAfterMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** Deliveries in flight at once. */
  concurrency: number;
}

export const DEFAULT_LIMITS: DocexLimits = {
  maxAttachmentBytes: 100 * 1024 * 1024,
  deadAfterMs: 24 * 3600_000,
  retryBaseMs: 1000,
  retryMaxMs: 5 * 60_000,
  concurrency: 16,
};

/** The subsystem every agency's docex node uses, and the service it offers. */
export const DOCEX_SUBSYSTEM = 'docex';
export const DOCEX_SERVICE = 'edxml';

export function docexClientId(ctx: Pick<DocexContext, 'self'>): string {
  return `${ctx.self.instance}/${ctx.self.memberClass}/${ctx.self.memberCode}/${DOCEX_SUBSYSTEM}`;
}

/** `/r1/…/docex/edxml/{op}/{document id}` of another agency, through our own gateway. */
export function docexServiceUrl(
  ctx: DocexContext,
  recipient: string,
  op: 'packages' | 'statuses',
  documentId: string,
): string {
  const id = [ctx.self.instance, 'GOV', recipient, DOCEX_SUBSYSTEM, DOCEX_SERVICE].map(encodeURIComponent);
  // The sender's document id travels in the path, which the gateways sign, not in a header.
  return `${ctx.gateway.consumerUrl}/r1/${id.join('/')}/${op}/${encodeURIComponent(documentId)}`;
}

/** Exponential backoff with jitter: base × 2^(attempts−1), capped, then 50–100 % of it. */
export function retryDelay(ctx: Pick<DocexContext, 'limits' | 'random'>, attempts: number): number {
  const delay = Math.min(ctx.limits.retryMaxMs, ctx.limits.retryBaseMs * 2 ** (attempts - 1));
  return delay * (0.5 + (ctx.random.bytes(1)[0]! / 255) * 0.5);
}
