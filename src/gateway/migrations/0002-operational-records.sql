-- Operational monitoring (X-Road's opmonitoring): one row per exchange and side, with the four
-- timestamps, sizes and outcome. Operational data, not evidence: the message log is the evidence.
create table operational_records (
  id bigserial primary key,
  side text not null check (side in ('consumer', 'provider')),
  message_id text,
  request_id text,
  client_id text,
  service_id text,
  method text not null,
  path text not null,
  status integer,
  succeeded boolean not null,
  fault_type text,
  request_size bigint,
  response_size bigint,
  -- request in: received from the caller; request out: sent on; response in: answer received;
  -- response out: answer released to the caller.
  request_in_at timestamptz not null,
  request_out_at timestamptz,
  response_in_at timestamptz,
  response_out_at timestamptz
);
create index operational_records_time_idx on operational_records (request_in_at);
