/**
 * Who may call what, decided from the global configuration alone (the registry is never asked
 * during a request). Deny by default: a request passes only when an access right names the
 * resolved service and the client (directly, or through a group the client's subsystem is in),
 * and that right covers the whole service or an endpoint whose method and path pattern match.
 *
 * The gateway asks on every request and a configuration may list tens of thousands of services,
 * so everything is indexed once per configuration: maps keyed by service and by subject, groups
 * inverted to subsystem → groups, path patterns pre-split. A check then costs a few map lookups
 * plus the endpoint rights of that one (service, subject) pair.
 */

import type { GcService, GlobalConfiguration } from '../../kernel/globalconf/format.ts';
import { type CompiledPattern, compilePathPattern, matchCompiled, splitRequestPath } from './path-pattern.ts';

export { matchPathPattern } from './path-pattern.ts';

interface EndpointRight {
  method: string;
  path: string;
  pattern: CompiledPattern;
}

interface SubjectRights {
  whole: boolean;
  endpoints: EndpointRight[];
}

export interface AccessIndex {
  /** Service id without version → the configured service it resolves to. */
  readonly byNoVersion: ReadonlyMap<string, GcService>;
  readonly byProvider: ReadonlyMap<string, readonly GcService[]>;
  /** Full service id → subject key (`s:<subsystem>` or `g:<group>`) → what the subject may do. */
  readonly rights: ReadonlyMap<string, ReadonlyMap<string, SubjectRights>>;
  /** Subsystem id → subject keys of the groups it belongs to. */
  readonly groupsOf: ReadonlyMap<string, ReadonlySet<string>>;
}

export type AccessConfiguration = Pick<GlobalConfiguration, 'services' | 'groups' | 'accessRights'>;

const subsystemKey = (id: string) => `s:${id}`;
const groupKey = (code: string) => `g:${code}`;
const noVersionId = (s: GcService) => `${s.providerId}/${s.code}`;

/** Natural order: digit runs compare as numbers, so `v10` > `v9` and `1.10` > `1.9`. */
export function compareNatural(a: string, b: string): number {
  const chunk = /(\d+|\D+)/g;
  const ca = a.match(chunk) ?? [];
  const cb = b.match(chunk) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The version-less service if there is one, else the highest version. */
function preferred(current: GcService | undefined, candidate: GcService): GcService {
  if (!current) return candidate;
  if (current.version === null) return current;
  if (candidate.version === null) return candidate;
  return compareNatural(candidate.version, current.version) > 0 ? candidate : current;
}

export function buildAccessIndex(conf: AccessConfiguration): AccessIndex {
  const byNoVersion = new Map<string, GcService>();
  const byProvider = new Map<string, GcService[]>();
  const known = new Set<string>();
  for (const s of conf.services) {
    known.add(s.id);
    byNoVersion.set(noVersionId(s), preferred(byNoVersion.get(noVersionId(s)), s));
    const list = byProvider.get(s.providerId);
    if (list) list.push(s);
    else byProvider.set(s.providerId, [s]);
  }

  const rights = new Map<string, Map<string, SubjectRights>>();
  // Many rights share a pattern; compile each distinct one once.
  const patterns = new Map<string, CompiledPattern>();
  const compiled = (path: string) => {
    let p = patterns.get(path);
    if (!p) {
      p = compilePathPattern(path);
      patterns.set(path, p);
    }
    return p;
  };
  for (const r of conf.accessRights) {
    // A right naming no configured service can never be exercised; leaving it out keeps it so.
    if (!known.has(r.service)) continue;
    const bySubject = rights.get(r.service) ?? new Map<string, SubjectRights>();
    rights.set(r.service, bySubject);
    const key = r.subject.type === 'subsystem' ? subsystemKey(r.subject.id) : groupKey(r.subject.code);
    const entry = bySubject.get(key) ?? { whole: false, endpoints: [] };
    bySubject.set(key, entry);
    if (r.endpoint === null) entry.whole = true;
    else
      entry.endpoints.push({
        method: r.endpoint.method.toUpperCase(),
        path: r.endpoint.path,
        pattern: compiled(r.endpoint.path),
      });
  }

  const groupsOf = new Map<string, Set<string>>();
  for (const g of conf.groups) {
    for (const member of g.members) {
      const keys = groupsOf.get(member) ?? new Set<string>();
      keys.add(groupKey(g.code));
      groupsOf.set(member, keys);
    }
  }
  return { byNoVersion, byProvider, rights, groupsOf };
}

/**
 * `serviceIdNoVersion` as it arrives in `/r1` paths, e.g. `VN/GOV/000.00.00.G01/population/citizens`.
 * When several versions are configured: the one without a version, else the highest.
 */
export function findService(index: AccessIndex, serviceIdNoVersion: string): GcService | undefined {
  return index.byNoVersion.get(serviceIdNoVersion);
}

const NONE: readonly SubjectRights[] = [];

/** Every subject entry of `serviceId` that applies to `clientId`: its own, then its groups'. */
function rightsFor(index: AccessIndex, clientId: string, serviceId: string): readonly SubjectRights[] {
  const bySubject = index.rights.get(serviceId);
  if (!bySubject) return NONE;
  const out: SubjectRights[] = [];
  const own = bySubject.get(subsystemKey(clientId));
  if (own) out.push(own);
  const groups = index.groupsOf.get(clientId);
  if (!groups) return out;
  // Walk whichever side is smaller: a service has few subjects, but a client may be in many groups.
  if (groups.size < bySubject.size) {
    for (const key of groups) {
      const viaGroup = bySubject.get(key);
      if (viaGroup) out.push(viaGroup);
    }
  } else {
    for (const [key, viaGroup] of bySubject) if (groups.has(key)) out.push(viaGroup);
  }
  return out;
}

/**
 * Whether `clientSubsystemId` may call `method servicePath` on the service `serviceIdNoVersion`
 * resolves to. `method` as received (HTTP methods are upper case); `servicePath` as
 * `parseServicePath` returns it, percent-encoding intact.
 */
export function isAllowed(
  index: AccessIndex,
  clientSubsystemId: string,
  serviceIdNoVersion: string,
  method: string,
  servicePath: string,
): boolean {
  const service = findService(index, serviceIdNoVersion);
  if (!service) return false;
  let segments: string[] | null | undefined;
  for (const entry of rightsFor(index, clientSubsystemId, service.id)) {
    if (entry.whole) return true;
    for (const e of entry.endpoints) {
      if (e.method !== '*' && e.method !== method) continue;
      if (segments === undefined) segments = splitRequestPath(servicePath);
      if (segments !== null && matchCompiled(e.pattern, segments)) return true;
    }
  }
  return false;
}

export interface AllowedService {
  service: GcService;
  endpoints: { method: string; path: string }[] | 'all';
}

/** What `allowedMethods` lists: the provider's services the client may call, and how far. */
export function allowedEndpoints(
  index: AccessIndex,
  clientSubsystemId: string,
  providerSubsystemId: string,
): AllowedService[] {
  const out: AllowedService[] = [];
  for (const service of index.byProvider.get(providerSubsystemId) ?? []) {
    let whole = false;
    const endpoints = new Map<string, { method: string; path: string }>();
    for (const entry of rightsFor(index, clientSubsystemId, service.id)) {
      whole ||= entry.whole;
      for (const e of entry.endpoints)
        endpoints.set(`${e.method} ${e.path}`, { method: e.method, path: e.path });
    }
    if (whole) out.push({ service, endpoints: 'all' });
    else if (endpoints.size > 0) out.push({ service, endpoints: [...endpoints.values()] });
  }
  return out;
}
