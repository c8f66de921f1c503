import type { GcGateway, GcMember, GlobalConfiguration } from '../../kernel/globalconf/index.ts';
import { type AccessIndex, buildAccessIndex } from '../access/access.ts';

/**
 * What a gateway derives from one global configuration: lookups it makes on every request,
 * built once per configuration rather than per request.
 */
export interface ConfState {
  conf: GlobalConfiguration;
  access: AccessIndex;
  members: Map<string, GcMember>;
  /** Subsystem id → the gateways that serve it. */
  gatewaysOf: Map<string, GcGateway[]>;
  /** TLS certificate fingerprint (hex, lower case) → gateway. */
  gatewayByFingerprint: Map<string, GcGateway>;
  subsystems: Set<string>;
  revokedSerials: Set<string>;
  trustedRootsPem: string[];
}

export function buildConfState(conf: GlobalConfiguration): ConfState {
  const gatewaysOf = new Map<string, GcGateway[]>();
  const gatewayByFingerprint = new Map<string, GcGateway>();
  for (const g of conf.gateways) {
    for (const c of g.clients) {
      const list = gatewaysOf.get(c);
      if (list) list.push(g);
      else gatewaysOf.set(c, [g]);
    }
    for (const cert of g.authCertificates) gatewayByFingerprint.set(cert.fingerprintSha256.toLowerCase(), g);
  }
  const subsystems = new Set<string>();
  for (const m of conf.members) for (const s of m.subsystems) subsystems.add(`${m.id}/${s.code}`);
  return {
    conf,
    access: buildAccessIndex(conf),
    members: new Map(conf.members.map((m) => [m.id, m])),
    gatewaysOf,
    gatewayByFingerprint,
    subsystems,
    revokedSerials: new Set(conf.revokedCertificates.map((r) => r.serial)),
    trustedRootsPem: conf.trustedCas.map((c) => c.pem),
  };
}

/** `VN/GOV/000.00.00.G01/population` → `VN/GOV/000.00.00.G01`. */
export function memberOf(subsystemId: string): string {
  return subsystemId.split('/').slice(0, 3).join('/');
}
