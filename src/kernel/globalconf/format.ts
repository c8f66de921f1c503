/**
 * The global configuration: the signed, versioned snapshot of the federation that every
 * gateway routes and authorises from (X-Road's "global configuration"). The registry is never
 * in the request path: gateways pull this document, verify it against their anchor, and work
 * from the cached copy until it expires.
 */
export const GLOBALCONF_FORMAT_VERSION = 1;
export const GLOBALCONF_JWS_TYPE = 'lienthong-globalconf+jws';

export interface GcMember {
  /** X-Road member id, e.g. `VN/GOV/000.00.00.G01`. */
  id: string;
  memberClass: string;
  memberCode: string;
  nameVi: string;
  nameEn: string | null;
  kind: string;
  parentCode: string | null;
  subsystems: { code: string; nameVi: string }[];
}

export interface GcGateway {
  /** `VN/GOV/000.00.00.G01/gw1`-style: owner member id + gateway code. */
  id: string;
  memberId: string;
  code: string;
  addresses: string[];
  /** Valid, unrevoked TLS authentication certificates: peers must present one of these. */
  authCertificates: { serial: string; fingerprintSha256: string; notAfter: string }[];
  /** Subsystem ids this gateway serves (consumer and provider side). */
  clients: string[];
}

export interface GcService {
  /** X-Road service id, with version when it has one. */
  id: string;
  providerId: string;
  code: string;
  version: string | null;
  titleVi: string;
  personalData: boolean;
  endpoints: { method: string; path: string }[];
}

export interface GcGroup {
  code: string;
  members: string[];
}

export interface GcAccessRight {
  service: string;
  endpoint: { method: string; path: string } | null;
  subject: { type: 'subsystem'; id: string } | { type: 'group'; code: string };
}

export interface GlobalConfigurationContent {
  formatVersion: typeof GLOBALCONF_FORMAT_VERSION;
  instance: string;
  members: GcMember[];
  gateways: GcGateway[];
  services: GcService[];
  groups: GcGroup[];
  accessRights: GcAccessRight[];
  /** PEM certificates of the CAs whose certificates gateways accept. */
  trustedCas: { pem: string; fingerprintSha256: string }[];
  /** Revoked certificates that have not yet expired. */
  revokedCertificates: { serial: string; revokedAt: string; reason: string | null }[];
  /** Where gateways ask for a certificate's current status. */
  certificateStatusUrl: string;
}

export interface GlobalConfiguration extends GlobalConfigurationContent {
  /** Increases with every publication; a gateway never accepts a lower one than it holds. */
  serial: number;
  generatedAt: string;
  expiresAt: string;
  /** Recommended refresh interval. */
  refreshSeconds: number;
  /** SHA-256 (hex) of the canonical JSON of the content, for change detection. */
  contentHash: string;
}

/** What a gateway is given to bootstrap: where the configuration is, and whose signature to trust. */
export interface ConfigurationAnchor {
  formatVersion: typeof GLOBALCONF_FORMAT_VERSION;
  instance: string;
  configurationUrl: string;
  /** Certificates whose keys may sign the configuration (PEM). */
  signingCertificates: string[];
  generatedAt: string;
}

/** The signed document as served: a JWS in flattened JSON serialization. */
export interface SignedConfiguration {
  protected: string;
  payload: string;
  signature: string;
}
