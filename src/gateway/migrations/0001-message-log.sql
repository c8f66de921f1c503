-- The gateway's tamper-evident message log: one hash-chained record per request and per
-- response, sealed in batches under signed Merkle roots. Hashes are lower-case hex SHA-256.
-- Only src/gateway/messagelog reads or writes these tables.

create table messagelog_records (
  -- Gap-free, assigned under the lock on the 'records' head row.
  seq bigint primary key,
  message_id text not null,
  direction text not null check (direction in ('consumer', 'provider')),
  kind text not null check (kind in ('request', 'response')),
  client_id text not null,
  service_id text not null,
  user_id text,
  issue text,
  method text not null,
  path text not null,
  status integer,
  request_hash text,
  -- The signed evidence (JWS) the message travelled with, when there was one.
  signature text,
  occurred_at timestamptz not null,
  logged_at timestamptz not null,
  body_mode text not null check (body_mode in ('full', 'metadata', 'off')),
  body_sha256 text,
  body_size bigint not null,
  -- Only in 'full' mode; not hashed itself, its digest (body_sha256) is.
  body bytea,
  prev_hash text not null,
  record_hash text not null
);
create index messagelog_records_message_idx on messagelog_records (message_id);
-- The citizen data tracker asks "who read my data".
create index messagelog_records_user_idx on messagelog_records (user_id, seq) where user_id is not null;

-- Two single rows whose locks serialise writers: 'records' = last appended seq and its record
-- hash; 'seals' = last sealed seq and the root of the seal that ended there.
create table messagelog_heads (
  name text primary key check (name in ('records', 'seals')),
  seq bigint not null,
  hash text not null
);
insert into messagelog_heads (name, seq, hash) values
  ('records', 0, '0000000000000000000000000000000000000000000000000000000000000000'),
  ('seals', 0, '0000000000000000000000000000000000000000000000000000000000000000');

create table messagelog_seals (
  first_seq bigint primary key,
  last_seq bigint not null unique,
  root text not null,
  prev_root text not null,
  sealed_at timestamptz not null,
  key_id text not null,
  -- Detached ES256 JWS (header..signature) over the canonical seal payload.
  signature text not null
);
create index messagelog_seals_sealed_at_idx on messagelog_seals (sealed_at);

-- Archives written by exportArchive; retention only purges batches an export covered.
create table messagelog_exports (
  id bigserial primary key,
  from_seq bigint not null,
  sealed_to_seq bigint not null,
  records bigint not null,
  archive_sha256 text not null,
  exported_at timestamptz not null
);

-- Where the retained log starts after purges: the record hash and seal root at through_seq,
-- signed so that dropping more batches and moving the marker cannot go unnoticed.
create table messagelog_anchor (
  id smallint primary key check (id = 1),
  through_seq bigint not null,
  record_hash text not null,
  seal_root text not null,
  purged_at timestamptz,
  signature text
);
insert into messagelog_anchor (id, through_seq, record_hash, seal_root) values
  (1, 0, '0000000000000000000000000000000000000000000000000000000000000000',
   '0000000000000000000000000000000000000000000000000000000000000000');
