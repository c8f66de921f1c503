-- The central registry: agencies (members), their information systems (subsystems),
-- gateways, services, global groups and access rights; management requests and the audit log.

create table members (
  id bigserial primary key,
  member_class text not null,
  member_code text not null,
  name_vi text not null,
  name_en text,
  kind text not null,
  parent_id bigint references members (id),
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (member_class, member_code)
);
create index members_parent_idx on members (parent_id);

create table subsystems (
  id bigserial primary key,
  member_id bigint not null references members (id),
  code text not null,
  name_vi text not null,
  name_en text,
  created_at timestamptz not null,
  unique (member_id, code)
);

create table gateways (
  id bigserial primary key,
  member_id bigint not null references members (id),
  code text not null,
  addresses jsonb not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (member_id, code)
);

-- Which information systems a gateway serves (X-Road: clients of a security server).
create table gateway_clients (
  gateway_id bigint not null references gateways (id) on delete cascade,
  subsystem_id bigint not null references subsystems (id) on delete cascade,
  primary key (gateway_id, subsystem_id)
);

create table services (
  id bigserial primary key,
  subsystem_id bigint not null references subsystems (id),
  code text not null,
  -- '' when the service has no version: keeps the unique key simple.
  version text not null default '',
  title_vi text not null,
  title_en text,
  personal_data boolean not null default false,
  openapi jsonb,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (subsystem_id, code, version)
);

create table service_endpoints (
  id bigserial primary key,
  service_id bigint not null references services (id) on delete cascade,
  method text not null,
  path text not null,
  unique (service_id, method, path)
);

create table global_groups (
  id bigserial primary key,
  code text not null unique,
  description_vi text not null,
  description_en text,
  created_at timestamptz not null
);

create table group_members (
  group_id bigint not null references global_groups (id) on delete cascade,
  subsystem_id bigint not null references subsystems (id) on delete cascade,
  primary key (group_id, subsystem_id)
);

create table access_rights (
  id bigserial primary key,
  service_id bigint not null references services (id) on delete cascade,
  -- Both null: the whole service. Both set: one endpoint (method + path pattern).
  endpoint_method text,
  endpoint_path text,
  subject_subsystem_id bigint references subsystems (id) on delete cascade,
  subject_group_id bigint references global_groups (id) on delete cascade,
  granted_at timestamptz not null,
  granted_by text not null,
  check ((subject_subsystem_id is null) <> (subject_group_id is null)),
  check ((endpoint_method is null) = (endpoint_path is null)),
  unique nulls not distinct (service_id, endpoint_method, endpoint_path, subject_subsystem_id, subject_group_id)
);

create table management_requests (
  id bigserial primary key,
  type text not null,
  status text not null check (status in ('pending', 'approved', 'rejected')),
  member_class text not null,
  member_code text not null,
  -- What the request is about (e.g. the subsystem's X-Road id): one pending request per thing.
  entity_key text not null,
  payload jsonb not null,
  submitted_by text not null,
  submitted_at timestamptz not null,
  decided_by text,
  decided_at timestamptz,
  decision_note text,
  result jsonb
);
create index management_requests_status_idx on management_requests (status, id);
create unique index management_requests_one_pending on management_requests (type, entity_key)
  where status = 'pending';

create table audit_log (
  id bigserial primary key,
  at timestamptz not null,
  actor_id text not null,
  actor_name text not null,
  actor_role text not null,
  action text not null,
  entity_type text not null,
  entity_key text not null,
  before jsonb,
  after jsonb,
  request_id text
);
create index audit_log_entity_idx on audit_log (entity_type, entity_key);

create table api_keys (
  id text primary key,
  name text not null,
  secret_hash text not null,
  role text not null,
  member_id bigint references members (id),
  created_at timestamptz not null,
  created_by text not null,
  revoked_at timestamptz
);
