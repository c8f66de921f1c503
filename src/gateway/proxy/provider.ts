import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { formatXRoadId } from '../../kernel/ids/index.ts';
import { findService, isAllowed } from '../access/access.ts';
import type { LogEntry } from '../messagelog/index.ts';
import { XRoadError, xroadErrors } from '../protocol/errors.ts';
import { parseClientHeader, parseServicePath } from '../protocol/path.ts';
import { logBody, type SpooledBody, spoolBody, writeBody } from './body.ts';
import { memberOf } from './conf-state.ts';
import { pipeTo } from './consumer.ts';
import { type RequestEvidence, type ResponseEvidence, signEvidence } from './evidence.ts';
import { EVIDENCE_HEADER, passThroughHeaders, single } from './headers.ts';
import type { OperationalRecord } from './operational.ts';
import { peerFingerprint } from './peer.ts';
import { proxyHandler } from './pipeline.ts';
import { type GatewayRuntime, spoolOptions } from './runtime.ts';

/**
 * The provider side: another agency's gateway calls over mutual TLS. One pipeline: identify the
 * peer gateway by its certificate → check the client is served by it → verify the signed request
 * and its body → check the access rights (deny by default) → log → call the backend → sign the
 * answer → log → answer. Nothing reaches the backend before all checks pass.
 */
export function providerHandler(rt: GatewayRuntime) {
  return proxyHandler(rt, 'provider', handle);
}

async function handle(
  rt: GatewayRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  op: OperationalRecord,
): Promise<void> {
  const state = rt.state();
  const fingerprint = peerFingerprint(req.socket as TLSSocket);
  const peerGateway = fingerprint ? state.gatewayByFingerprint.get(fingerprint) : undefined;
  if (!peerGateway) {
    throw xroadErrors.certificateInvalid('the calling gateway is not registered in the global configuration');
  }
  const client = parseClientHeader(single(req.headers, 'x-road-client'));
  if (client.type !== 'subsystem') throw xroadErrors.invalidClientId('X-Road-Client must name a subsystem');
  const clientId = formatXRoadId(client);
  if (!peerGateway.clients.includes(clientId)) {
    throw xroadErrors.certificateInvalid(`gateway ${peerGateway.id} does not serve ${clientId}`);
  }
  const url = req.url ?? '/';
  const target = parseServicePath(url);
  const serviceNoVersion = target.serviceId;
  const service = findService(state.access, serviceNoVersion);
  const backend = service && rt.backends.get(service.id);
  if (!service || !backend) throw xroadErrors.unknownService(serviceNoVersion);

  const now = rt.clock.now();
  const { evidence } = await rt.verifier.verify<RequestEvidence>(
    single(req.headers, EVIDENCE_HEADER),
    memberOf(clientId),
    now,
  );
  const servicePath = `${target.servicePath}${target.query}`;
  const messageId = single(req.headers, 'x-road-id') ?? '';
  if (
    evidence.kind !== 'request' ||
    evidence.client !== clientId ||
    evidence.service !== service.id ||
    evidence.method !== req.method ||
    evidence.path !== servicePath ||
    evidence.id !== messageId ||
    evidence.requestId !== single(req.headers, 'x-road-request-id') ||
    evidence.userId !== (single(req.headers, 'x-road-userid') ?? null) ||
    evidence.issue !== (single(req.headers, 'x-road-issue') ?? null)
  ) {
    throw xroadErrors.signatureInvalid('the signed request does not match the request received');
  }
  if (Math.abs(Date.parse(evidence.ts) - now.getTime()) > rt.limits.maxClockSkewMs) {
    throw xroadErrors.replay(`the request was signed at ${evidence.ts}, outside the allowed clock skew`);
  }
  if (!isAllowed(state.access, clientId, serviceNoVersion, req.method ?? 'GET', target.servicePath)) {
    throw xroadErrors.accessDenied(clientId, service.id);
  }
  if (service.personalData && (!evidence.userId || !evidence.issue)) {
    throw xroadErrors.missingPersonalDataHeaders(
      [!evidence.userId && 'X-Road-UserId', !evidence.issue && 'X-Road-Issue'].filter(Boolean) as string[],
    );
  }
  if (!rt.remember(clientId, messageId))
    throw xroadErrors.replay(`message ${messageId} from ${clientId} was already received`);

  Object.assign(op, { clientId, serviceId: service.id, requestId: evidence.requestId });
  const body = await spoolBody(req, spoolOptions(rt));
  op.requestSize = body.size;
  try {
    if (body.sha256 !== evidence.bodySha256)
      throw xroadErrors.signatureInvalid('the body differs from the one signed');
    const requestSignature = single(req.headers, EVIDENCE_HEADER) ?? null;
    const base = {
      messageId,
      direction: 'provider' as const,
      clientId,
      serviceId: service.id,
      userId: evidence.userId,
      issue: evidence.issue,
      method: evidence.method,
      path: servicePath,
      requestHash: evidence.requestHash,
    };
    // Written with the response record in one commit before the answer goes out; alone when
    // the backend gives no answer.
    const requestEntry: LogEntry = {
      ...base,
      kind: 'request',
      signature: requestSignature,
      occurredAt: rt.clock.now(),
      ...logBody(body),
    };
    let requestLogged = false;
    const logRequestAlone = async () => {
      if (!requestLogged) await rt.log.append(requestEntry);
      requestLogged = true;
    };

    op.requestOutAt = rt.clock.now();
    const answer = await callBackend(rt, backend, req, servicePath, body, messageId, clientId).catch(
      async (err) => {
        await logRequestAlone();
        throw err;
      },
    );
    try {
      op.responseInAt = rt.clock.now();
      const responseBody = await spoolBody(answer, spoolOptions(rt));
      op.responseSize = responseBody.size;
      op.status = answer.statusCode;
      try {
        const status = answer.statusCode ?? 502;
        const response: ResponseEvidence = {
          v: 1,
          kind: 'response',
          id: messageId,
          requestId: evidence.requestId,
          requestHash: evidence.requestHash,
          status,
          bodySha256: responseBody.sha256,
          ts: rt.clock.now().toISOString(),
        };
        const signature = signEvidence(response, rt.signer);
        await rt.log.appendMany([
          requestEntry,
          { ...base, kind: 'response', status, signature, ...logBody(responseBody) },
        ]);
        requestLogged = true;
        res.writeHead(status, {
          ...passThroughHeaders(answer.headers),
          [EVIDENCE_HEADER]: signature,
          'content-length': String(responseBody.size),
        });
        await pipeTo(responseBody, res);
        rt.metrics.requests.inc({ side: 'provider', service: service.id, status: String(status) });
      } finally {
        await responseBody.dispose();
      }
    } catch (err) {
      await logRequestAlone();
      throw err;
    } finally {
      answer.destroy();
    }
  } finally {
    await body.dispose();
  }
}

function callBackend(
  rt: GatewayRuntime,
  backend: string,
  req: IncomingMessage,
  servicePath: string,
  body: SpooledBody,
  messageId: string,
  clientId: string,
): Promise<IncomingMessage> {
  const base = new URL(backend);
  const url = new URL(`${base.pathname.replace(/\/$/, '')}${servicePath}`, base);
  const headers = {
    ...passThroughHeaders(req.headers),
    'x-road-client': clientId,
    'x-road-id': messageId,
    ...(body.size > 0 ? { 'content-length': String(body.size) } : {}),
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const out = send(url, { method: req.method, headers, timeout: rt.limits.upstreamTimeoutMs });
    out.on('timeout', () =>
      out.destroy(xroadErrors.timeout(`the service did not answer within ${rt.limits.upstreamTimeoutMs} ms`)),
    );
    out.on('error', (err) =>
      reject(
        err instanceof XRoadError
          ? err
          : xroadErrors.networkError(`the service is unreachable: ${err.message}`),
      ),
    );
    out.on('response', resolve);
    writeBody(out, body);
  });
}
