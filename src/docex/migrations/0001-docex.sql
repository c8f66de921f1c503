-- The document axis node of one agency (VDXP): documents it sent, its inbox, status messages
-- both ways, the outbound queue, and the content-addressed attachment store's index.

-- Attachment bytes live in files named by their SHA-256; a row exists only once its file is durable.
create table docex_blobs (
  sha256 text primary key,
  size bigint not null,
  created_at timestamptz not null
);

-- Documents this agency sent (one row per send, whatever the number of recipients).
create table docex_documents (
  id uuid primary key,
  idempotency_key text not null unique,
  -- SHA-256 of the send request as received: the same key with another body is refused.
  request_sha256 text not null,
  edxml_document_id text not null,
  business_type smallint not null,
  -- For revoke/update/replace: the document this one acts on.
  refers_to uuid references docex_documents (id),
  subject text not null,
  due_date text,
  envelope text not null,
  message jsonb not null,
  created_by text not null,
  created_at timestamptz not null
);
create index docex_documents_created on docex_documents (created_at);
create index docex_documents_edxml_id on docex_documents (edxml_document_id);

-- Attachments of sent and received documents; the bytes are shared through docex_blobs.
create table docex_attachments (
  owner_kind text not null check (owner_kind in ('sent', 'received')),
  owner_id uuid not null,
  position integer not null,
  content_id text not null,
  sha256 text not null references docex_blobs (sha256),
  size bigint not null,
  content_type text not null,
  name text not null,
  description text,
  primary key (owner_kind, owner_id, position)
);

-- Per recipient of a sent document: where delivery stands and the latest status it reported.
create table docex_deliveries (
  id bigserial primary key,
  document_id uuid not null references docex_documents (id),
  recipient text not null,
  state text not null check (state in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  -- Past this moment a failing delivery is dead-lettered; an operator's redelivery moves it on.
  give_up_at timestamptz not null,
  last_error text,
  delivered_at timestamptz,
  dead_at timestamptz,
  status_code text,
  status_at timestamptz,
  unique (document_id, recipient)
);
create index docex_deliveries_due on docex_deliveries (next_attempt_at) where state = 'pending';

-- Documents received from other agencies. seq is the inbox cursor.
create table docex_inbox (
  seq bigserial primary key,
  id uuid not null unique,
  sender text not null,
  -- The sender's id for the document: with the sender, what makes a receipt idempotent.
  sender_document_id uuid not null,
  edxml_document_id text not null,
  business_type smallint not null,
  subject text not null,
  due_date text,
  envelope text not null,
  message jsonb not null,
  received_at timestamptz not null,
  acked_at timestamptz,
  status_code text,
  status_at timestamptz,
  unique (sender, sender_document_id)
);
create index docex_inbox_edxml_id on docex_inbox (sender, edxml_document_id);

-- Status messages: 'out' = this agency reported on a received document (queued to its sender),
-- 'in' = a recipient reported on a document this agency sent.
create table docex_statuses (
  id bigserial primary key,
  direction text not null check (direction in ('in', 'out')),
  document_ref uuid not null,
  counterpart text not null,
  code text not null,
  description text,
  staff jsonb,
  occurred_at timestamptz not null,
  envelope text not null,
  -- outbound only: delivery of the status message to the document's sender
  state text check (state in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  give_up_at timestamptz,
  last_error text,
  delivered_at timestamptz,
  unique (direction, document_ref, counterpart, code)
);
create index docex_statuses_due on docex_statuses (next_attempt_at) where state = 'pending';
