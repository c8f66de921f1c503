-- Events for the agency's document system, pushed to its webhook (when one is configured):
-- written in the same transaction as what they announce, so none is lost or invented.
create table docex_webhook_events (
  id bigserial primary key,
  event text not null,
  payload jsonb not null,
  state text not null check (state in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  give_up_at timestamptz not null,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null
);
create index docex_webhook_events_due on docex_webhook_events (next_attempt_at) where state = 'pending';
