-- Certificate authority material and the certificates it issued.

create table ca_keys (
  id bigserial primary key,
  -- 'root': the platform CA; 'config': the key that signs the global configuration.
  purpose text not null check (purpose in ('root', 'config')),
  certificate_pem text not null,
  -- Private key encrypted with the operator's passphrase (never stored in clear).
  encrypted_key text not null,
  fingerprint text not null unique,
  not_after timestamptz not null,
  active boolean not null default true,
  created_at timestamptz not null
);

create table certificates (
  serial text primary key,
  usage text not null check (usage in ('auth', 'sign')),
  member_id bigint not null references members (id),
  gateway_id bigint references gateways (id),
  subject text not null,
  certificate_pem text not null,
  fingerprint text not null unique,
  not_before timestamptz not null,
  not_after timestamptz not null,
  issued_at timestamptz not null,
  issued_by text not null,
  revoked_at timestamptz,
  revocation_reason text
);
create index certificates_member_idx on certificates (member_id);

-- Published global configuration documents (the newest few are kept).
create table globalconf_versions (
  serial bigint primary key,
  generated_at timestamptz not null,
  expires_at timestamptz not null,
  content_hash text not null,
  document text not null
);
