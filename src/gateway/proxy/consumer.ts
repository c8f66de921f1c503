import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage as HttpIncoming, IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { formatXRoadId } from '../../kernel/ids/index.ts';
import { findService } from '../access/access.ts';
import type { LogEntry } from '../messagelog/index.ts';
import { XRoadError, xroadErrors } from '../protocol/errors.ts';
import { parseClientHeader, parseMetaServicePath, parseServicePath } from '../protocol/path.ts';
import { requestHash } from '../protocol/request-hash.ts';
import { EMPTY_BODY, logBody, type SpooledBody, spoolBody, writeBody } from './body.ts';
import { memberOf } from './conf-state.ts';
import { type RequestEvidence, type ResponseEvidence, signEvidence } from './evidence.ts';
import { CLIENT_KEY_HEADER, EVIDENCE_HEADER, passThroughHeaders, single } from './headers.ts';
import { answerMetaService } from './metaservices.ts';
import type { OperationalRecord } from './operational.ts';
import { peerFingerprint } from './peer.ts';
import { proxyHandler } from './pipeline.ts';
import { type GatewayRuntime, spoolOptions } from './runtime.ts';

/**
 * The consumer side: an information system of this agency calls
 * `/r1/{instance}/{class}/{member}/{subsystem}/{service}/…` with `X-Road-Client`. One pipeline:
 * identify the client → find the service and its gateways → read the body → sign → log →
 * forward over mutual TLS (failing over between the provider's gateways) → verify the signed
 * answer → log → answer.
 */
export function consumerHandler(rt: GatewayRuntime) {
  return proxyHandler(rt, 'consumer', handle);
}

async function handle(
  rt: GatewayRuntime,
  req: HttpIncoming,
  res: ServerResponse,
  op: OperationalRecord,
): Promise<void> {
  const url = req.url ?? '/';
  // GovStack IM clients may be pointed at {gateway}/im: the same directory in GovStack's shape.
  const imPrefix = url === '/im' || url.startsWith('/im/') || url.startsWith('/im?');
  const meta = parseMetaServicePath(req.method ?? 'GET', imPrefix ? url.slice(3) || '/' : url);
  if (meta) {
    const govstack = imPrefix || req.headers['x-govstack-client'] !== undefined;
    await answerMetaService(rt, req, res, meta, govstack ? 'govstack' : 'xroad');
    return;
  }
  const client = parseClientHeader(single(req.headers, 'x-road-client'));
  if (client.type !== 'subsystem') {
    throw xroadErrors.invalidClientId('X-Road-Client must name a subsystem: INSTANCE/CLASS/MEMBER/SUBSYSTEM');
  }
  const clientId = formatXRoadId(client);
  const target = parseServicePath(url);
  const state = rt.state();
  const local = rt.localClients.get(clientId);
  const self = state.conf.gateways.find((g) => g.id === rt.identity.gatewayId);
  if (!local || !self?.clients.includes(clientId)) throw xroadErrors.unknownClient(clientId);
  if (local.apiKeySha256)
    checkClientKey(single(req.headers, CLIENT_KEY_HEADER), local.apiKeySha256, clientId);
  if (local.certificateSha256?.length) checkClientCertificate(req, local.certificateSha256, clientId);

  const serviceNoVersion = target.serviceId;
  const service = findService(state.access, serviceNoVersion);
  if (!service) throw xroadErrors.unknownService(serviceNoVersion, 'ClientProxy');
  const userId = single(req.headers, 'x-road-userid') ?? null;
  const issue = single(req.headers, 'x-road-issue') ?? null;
  if (service.personalData) {
    const missing = [!userId && 'X-Road-UserId', !issue && 'X-Road-Issue'].filter(Boolean) as string[];
    if (missing.length) throw xroadErrors.missingPersonalDataHeaders(missing);
  }
  const gateways = state.gatewaysOf.get(service.providerId) ?? [];
  if (gateways.length === 0)
    throw xroadErrors.unknownService(`${serviceNoVersion} (no gateway serves its provider)`, 'ClientProxy');

  const given = single(req.headers, 'x-road-id');
  const messageId = given ?? rt.random.uuid();
  const requestId = rt.random.uuid();
  Object.assign(op, { messageId, requestId, clientId, serviceId: service.id });
  const body =
    req.method === 'GET' || req.method === 'HEAD'
      ? await drainEmpty(req)
      : await spoolBody(req, spoolOptions(rt));
  try {
    const hash = requestHash({
      method: req.method ?? 'GET',
      pathAndQuery: url,
      rawHeaders: req.rawHeaders,
      requestId,
      generatedXRoadId: given ? undefined : messageId,
      bodySha512: body.size > 0 ? body.sha512 : null,
    });
    const servicePath = `${target.servicePath}${target.query}`;
    const evidence: RequestEvidence = {
      v: 1,
      kind: 'request',
      id: messageId,
      requestId,
      client: clientId,
      service: service.id,
      method: req.method ?? 'GET',
      path: servicePath,
      userId,
      issue,
      requestHash: hash,
      bodySha256: body.sha256,
      ts: rt.clock.now().toISOString(),
    };
    const signature = signEvidence(evidence, rt.signer);
    // The request record is written together with the response record, in one commit before
    // the answer is released (half the commits of writing each on its own). When no answer
    // comes, the request record is written alone before the error goes out.
    const requestEntry: LogEntry = {
      messageId,
      direction: 'consumer',
      kind: 'request',
      clientId,
      serviceId: service.id,
      userId,
      issue,
      method: evidence.method,
      path: servicePath,
      requestHash: hash,
      signature,
      occurredAt: rt.clock.now(),
      ...logBody(body),
    };
    let requestLogged = false;
    const logRequestAlone = async () => {
      if (!requestLogged) await rt.log.append(requestEntry);
      requestLogged = true;
    };

    const headers = {
      ...passThroughHeaders(req.headers),
      'x-road-client': clientId,
      'x-road-id': messageId,
      'x-road-request-id': requestId,
      [EVIDENCE_HEADER]: signature,
      ...(body.size > 0 ? { 'content-length': String(body.size) } : {}),
    };
    op.requestSize = body.size;
    op.requestOutAt = rt.clock.now();
    const answer = await forward(
      rt,
      gateways.flatMap((g) => g.addresses),
      req.method ?? 'GET',
      url,
      headers,
      body,
    ).catch(async (err) => {
      await logRequestAlone();
      throw err;
    });
    try {
      const providerMember = memberOf(service.providerId);
      op.responseInAt = rt.clock.now();
      const responseBody = await spoolBody(answer, spoolOptions(rt));
      op.responseSize = responseBody.size;
      op.status = answer.statusCode;
      try {
        const gatewayError = single(answer.headers, 'x-road-error');
        if (gatewayError) op.faultType = gatewayError;
        let responseSignature: string | null = null;
        if (!gatewayError) {
          const { evidence: ev } = await rt.verifier.verify<ResponseEvidence>(
            single(answer.headers, EVIDENCE_HEADER),
            providerMember,
            rt.clock.now(),
          );
          if (ev.kind !== 'response' || ev.id !== messageId || ev.requestHash !== hash) {
            throw xroadErrors.signatureInvalid('the signed answer is for another request');
          }
          if (ev.status !== answer.statusCode || ev.bodySha256 !== responseBody.sha256) {
            throw xroadErrors.signatureInvalid('the answer was altered after the provider signed it');
          }
          responseSignature = single(answer.headers, EVIDENCE_HEADER) ?? null;
        }
        await rt.log.appendMany([
          requestEntry,
          {
            ...requestEntry,
            kind: 'response',
            status: answer.statusCode ?? 502,
            signature: responseSignature,
            occurredAt: undefined,
            body: undefined,
            bodyDigest: undefined,
            ...logBody(responseBody),
          },
        ]);
        requestLogged = true;
        const out = passThroughHeaders(answer.headers);
        res.writeHead(answer.statusCode ?? 502, {
          ...out,
          ...(gatewayError ? { 'x-road-error': gatewayError } : {}),
          'x-road-id': messageId,
          'x-road-client': clientId,
          'x-road-service': service.id,
          'x-road-request-id': requestId,
          'x-road-request-hash': hash,
          'content-length': String(responseBody.size),
        });
        await pipeTo(responseBody, res);
        rt.metrics.requests.inc({ side: 'consumer', service: service.id, status: String(answer.statusCode) });
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

async function drainEmpty(req: HttpIncoming): Promise<SpooledBody> {
  // A GET may still carry bytes; read them so the connection stays usable, and hash them.
  if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return EMPTY_BODY;
  }
  return spoolBody(req);
}

/** An information system registered with certificates must present one of them over TLS. */
function checkClientCertificate(req: HttpIncoming, allowed: string[], clientId: string): void {
  const socket = req.socket as TLSSocket;
  const fingerprint = socket.encrypted ? peerFingerprint(socket) : undefined;
  if (!fingerprint || !allowed.includes(fingerprint)) {
    throw new XRoadError(
      'Client.InvalidClientIdentifier',
      `Information system ${clientId} must connect over HTTPS with its registered client certificate.`,
      401,
    );
  }
}

function checkClientKey(given: string | undefined, expectedSha256: string, clientId: string): void {
  const digest = createHash('sha256')
    .update(given ?? '')
    .digest();
  if (!given || !timingSafeEqual(digest, Buffer.from(expectedSha256, 'hex'))) {
    throw new XRoadError(
      'Client.InvalidClientIdentifier',
      `Information system ${clientId} must send its key in ${CLIENT_KEY_HEADER}.`,
      401,
    );
  }
}

export function pipeTo(body: SpooledBody, res: ServerResponse): Promise<void> {
  if (body.buffer) {
    res.end(body.buffer);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const s = body.stream();
    s.on('error', reject);
    res.on('close', resolve);
    s.pipe(res);
  });
}

/** Sends to the provider's gateways in turn until one answers. */
async function forward(
  rt: GatewayRuntime,
  addresses: string[],
  method: string,
  pathAndQuery: string,
  headers: Record<string, string | string[] | number | undefined>,
  body: SpooledBody,
): Promise<IncomingMessage> {
  if (addresses.length === 0) throw xroadErrors.networkError('the provider has no gateway address');
  const failures: string[] = [];
  // Start at a random address so load spreads over a provider's gateways.
  const start = addresses.length > 1 ? rt.random.bytes(1)[0]! % addresses.length : 0;
  for (let i = 0; i < addresses.length; i++) {
    const address = addresses[(start + i) % addresses.length]!;
    try {
      return await sendOnce(rt, address, method, pathAndQuery, headers, body);
    } catch (err) {
      if (err instanceof XRoadError && err.status === 504 && i === addresses.length - 1) throw err;
      // Any other failure: try the provider's next gateway.
      failures.push(`${address}: ${(err as Error).message}`);
    }
  }
  throw xroadErrors.networkError(
    `no gateway of the provider answered (${failures.join('; ')})`,
    'ClientProxy',
  );
}

function sendOnce(
  rt: GatewayRuntime,
  address: string,
  method: string,
  pathAndQuery: string,
  headers: Record<string, string | string[] | number | undefined>,
  body: SpooledBody,
): Promise<IncomingMessage> {
  const state = rt.state();
  return new Promise((resolve, reject) => {
    const url = new URL(pathAndQuery, address);
    const req = httpsRequest(url, {
      method,
      headers,
      agent: rt.peerAgent(),
      timeout: rt.limits.upstreamTimeoutMs,
    });
    req.on('socket', (socket) => {
      const tls = socket as TLSSocket;
      const check = () => {
        const gw = state.gatewayByFingerprint.get(peerFingerprint(tls) ?? '');
        if (!gw?.addresses.includes(address)) {
          req.destroy(
            new Error(
              `the server at ${address} did not present the certificate the global configuration names for it`,
            ),
          );
        }
      };
      if (tls.authorized !== undefined && !tls.connecting) check();
      else tls.once('secureConnect', check);
    });
    req.on('timeout', () =>
      req.destroy(xroadErrors.timeout(`${address} did not answer within ${rt.limits.upstreamTimeoutMs} ms`)),
    );
    req.on('error', reject);
    req.on('response', resolve);
    writeBody(req, body);
  });
}
