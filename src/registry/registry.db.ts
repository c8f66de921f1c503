import type { ColumnType, Generated } from 'kysely';

/** Table types of the registry module. Only this module reads or writes these tables. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface RegistryTables {
  members: {
    id: Generated<number>;
    member_class: string;
    member_code: string;
    name_vi: string;
    name_en: string | null;
    kind: string;
    parent_id: number | null;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  subsystems: {
    id: Generated<number>;
    member_id: number;
    code: string;
    name_vi: string;
    name_en: string | null;
    created_at: Timestamp;
  };
  gateways: {
    id: Generated<number>;
    member_id: number;
    code: string;
    addresses: Json<string[]>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  gateway_clients: { gateway_id: number; subsystem_id: number };
  services: {
    id: Generated<number>;
    subsystem_id: number;
    code: string;
    version: string;
    title_vi: string;
    title_en: string | null;
    personal_data: boolean;
    openapi: Json<Record<string, unknown> | null>;
    created_at: Timestamp;
    updated_at: Timestamp;
  };
  service_endpoints: { id: Generated<number>; service_id: number; method: string; path: string };
  global_groups: {
    id: Generated<number>;
    code: string;
    description_vi: string;
    description_en: string | null;
    created_at: Timestamp;
  };
  group_members: { group_id: number; subsystem_id: number };
  access_rights: {
    id: Generated<number>;
    service_id: number;
    endpoint_method: string | null;
    endpoint_path: string | null;
    subject_subsystem_id: number | null;
    subject_group_id: number | null;
    granted_at: Timestamp;
    granted_by: string;
  };
  management_requests: {
    id: Generated<number>;
    type: string;
    status: 'pending' | 'approved' | 'rejected';
    member_class: string;
    member_code: string;
    entity_key: string;
    payload: Json<Record<string, unknown>>;
    submitted_by: string;
    submitted_at: Timestamp;
    decided_by: string | null;
    decided_at: Timestamp | null;
    decision_note: string | null;
    result: Json<Record<string, unknown> | null> | null;
  };
  audit_log: {
    id: Generated<number>;
    at: Timestamp;
    actor_id: string;
    actor_name: string;
    actor_role: string;
    action: string;
    entity_type: string;
    entity_key: string;
    before: Json<unknown> | null;
    after: Json<unknown> | null;
    request_id: string | null;
  };
  api_keys: {
    id: string;
    name: string;
    secret_hash: string;
    role: string;
    member_id: number | null;
    created_at: Timestamp;
    created_by: string;
    revoked_at: Timestamp | null;
  };
  ca_keys: {
    id: Generated<number>;
    purpose: 'root' | 'config';
    certificate_pem: string;
    encrypted_key: string;
    fingerprint: string;
    not_after: Timestamp;
    active: boolean;
    created_at: Timestamp;
  };
  certificates: {
    serial: string;
    usage: 'auth' | 'sign';
    member_id: number;
    gateway_id: number | null;
    subject: string;
    certificate_pem: string;
    fingerprint: string;
    not_before: Timestamp;
    not_after: Timestamp;
    issued_at: Timestamp;
    issued_by: string;
    revoked_at: Timestamp | null;
    revocation_reason: string | null;
  };
  globalconf_versions: {
    serial: number;
    generated_at: Timestamp;
    expires_at: Timestamp;
    content_hash: string;
    document: string;
  };
}

export type RegistryDb = import('kysely').Kysely<RegistryTables>;
export type RegistryTx = import('kysely').Transaction<RegistryTables>;
