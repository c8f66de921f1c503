import { Agent } from 'node:https';
import type { Clock } from '../../kernel/clock.ts';
import type { GlobalConfClient } from '../../kernel/globalconf/index.ts';
import type { Logger } from '../../kernel/log.ts';
import type { Random } from '../../kernel/random.ts';
import type { MessageLog } from '../messagelog/index.ts';
import { xroadErrors } from '../protocol/errors.ts';
import { buildConfState, type ConfState } from './conf-state.ts';
import type { EvidenceVerifier, Signer } from './evidence.ts';
import type { GatewayMetrics } from './metrics.ts';
import type { OperationalLog } from './operational.ts';

/** Everything the two proxy sides share at run time. */
export interface GatewayIdentity {
  instance: string;
  memberClass: string;
  memberCode: string;
  gatewayCode: string;
  /** `VN/GOV/000.00.00.G01` */
  memberId: string;
  /** `VN/GOV/000.00.00.G01/gw1`, as in the global configuration. */
  gatewayId: string;
}

export interface TlsMaterial {
  certificatePem: string;
  privateKeyPem: string;
}

export interface LocalClient {
  /** Subsystem id. */
  id: string;
  /** SHA-256 (hex) of the API key this information system must send; absent: none needed. */
  apiKeySha256?: string | undefined;
  /**
   * SHA-256 fingerprints (hex) of the TLS client certificates this information system may present
   * on the HTTPS consumer listener; when given, a request must come over TLS with one of them.
   */
  certificateSha256?: string[] | undefined;
}

export interface ProxyLimits {
  memoryBodyLimit: number;
  maxBodySize: number;
  /** Timeout for the peer gateway or backend to start answering. */
  upstreamTimeoutMs: number;
  /** Allowed difference between a message's signing time and ours. */
  maxClockSkewMs: number;
  /** A caller must deliver its whole request (headers and body) within this time. */
  requestTimeoutMs: number;
  /** … and its headers within this time. */
  headersTimeoutMs: number;
}

export interface GatewayRuntime {
  identity: GatewayIdentity;
  clock: Clock;
  random: Random;
  logger: Logger;
  globalconf: GlobalConfClient;
  signer: Signer;
  verifier: EvidenceVerifier;
  tls: TlsMaterial;
  log: MessageLog;
  operational: OperationalLog;
  metrics: GatewayMetrics;
  limits: ProxyLimits;
  /** Service id (with version when it has one) → backend base URL, for services this gateway provides. */
  backends: Map<string, string>;
  localClients: Map<string, LocalClient>;
  state(): ConfState;
  /** Connection pool to peer gateways, renewed when the trusted CAs change. */
  peerAgent(): Agent;
  /** Replay protection: false when this message id was already seen from this client. */
  remember(clientId: string, messageId: string): boolean;
}

/** Keeps the derived configuration state and the TLS pool in step with the global configuration. */
export function confTracker(globalconf: GlobalConfClient, tls: TlsMaterial, verifier: EvidenceVerifier) {
  let serial = -1;
  let state: ConfState | null = null;
  let agent: Agent | null = null;
  let cas = '';
  const refreshState = (): ConfState => {
    let conf: ReturnType<GlobalConfClient['current']>;
    try {
      conf = globalconf.current();
    } catch (_err) {
      throw xroadErrors.configurationExpired();
    }
    if (!state || conf.serial !== serial) {
      state = buildConfState(conf);
      serial = conf.serial;
      verifier.update({ trustedRootsPem: state.trustedRootsPem, revokedSerials: state.revokedSerials });
      const nextCas = state.trustedRootsPem.join('\n');
      if (nextCas !== cas) {
        agent?.destroy();
        agent = null;
        cas = nextCas;
      }
    }
    return state;
  };
  return {
    state: refreshState,
    agent: (): Agent => {
      const s = refreshState();
      agent ??= new Agent({
        keepAlive: true,
        maxSockets: 256,
        maxFreeSockets: 64,
        cert: tls.certificatePem,
        key: tls.privateKeyPem,
        ca: s.trustedRootsPem,
        // The peer is checked against the global configuration (fingerprint), not by host name.
        checkServerIdentity: () => undefined,
        // No TLS session resumption: a resumed session may not carry the peer's certificate, and
        // every new connection must show the certificate the global configuration names.
        maxCachedSessions: 0,
      });
      return agent;
    },
    close: () => agent?.destroy(),
  };
}

/** Message ids seen per client within the allowed clock skew, to refuse replays. */
export function replayGuard(windowMs: number, clock: Clock) {
  const seen = new Map<string, number>();
  let lastSweep = 0;
  return (clientId: string, messageId: string): boolean => {
    const now = clock.now().getTime();
    if (now - lastSweep > windowMs) {
      for (const [k, exp] of seen) if (exp < now) seen.delete(k);
      lastSweep = now;
    }
    const key = `${clientId}\n${messageId}`;
    const exp = seen.get(key);
    if (exp !== undefined && exp >= now) return false;
    seen.set(key, now + 2 * windowMs);
    return true;
  };
}

export function spoolOptions(rt: GatewayRuntime) {
  return { memoryLimit: rt.limits.memoryBodyLimit, maxSize: rt.limits.maxBodySize };
}
