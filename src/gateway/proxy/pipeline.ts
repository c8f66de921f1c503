import type { IncomingMessage, ServerResponse } from 'node:http';
import { XRoadError, xroadErrors } from '../protocol/errors.ts';
import { single } from './headers.ts';
import type { OperationalRecord } from './operational.ts';
import { sendXRoadError } from './respond.ts';
import type { GatewayRuntime } from './runtime.ts';

export type Side = 'consumer' | 'provider';
export type Pipeline = (
  rt: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  op: OperationalRecord,
) => Promise<void>;

/**
 * What both proxy sides do around their pipeline: time it, keep its operational record, and turn
 * any failure into an X-Road error answer (refusals are logged; unexpected faults too, without
 * their internals reaching the caller).
 */
export function proxyHandler(rt: GatewayRuntime, side: Side, pipeline: Pipeline) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    const op: OperationalRecord = {
      side,
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      clientId: single(req.headers, 'x-road-client'),
      messageId: single(req.headers, 'x-road-id'),
      succeeded: false,
      requestInAt: rt.clock.now(),
    };
    const finish = () => {
      op.responseOutAt = rt.clock.now();
      rt.operational.record(op);
    };
    pipeline(rt, req, res, op).then(
      () => {
        rt.metrics.latency.observe({ side }, Number(process.hrtime.bigint() - started) / 1e9);
        op.succeeded = !op.faultType;
        finish();
      },
      (err) => {
        const e = err instanceof XRoadError ? err : xroadErrors.internal((err as Error).message);
        if (err instanceof XRoadError) {
          rt.logger.info({ side, type: e.type, msg: e.message, client: op.clientId }, 'request refused');
        } else {
          rt.logger.error({ err, side }, 'gateway pipeline failed');
        }
        rt.metrics.errors.inc({ side, type: e.type });
        sendXRoadError(rt, req, res, e);
        op.faultType = e.type;
        op.status = e.status;
        finish();
      },
    );
  };
}
