import type { ColumnType, Generated, Kysely } from 'kysely';

/** Table types of the document axis node (migration docex/0001-docex.sql). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
export type DeliveryState = 'pending' | 'delivered' | 'dead';

export interface DocexTables {
  docex_blobs: { sha256: string; size: number; created_at: Timestamp };
  docex_documents: {
    id: string;
    idempotency_key: string;
    request_sha256: string;
    edxml_document_id: string;
    business_type: number;
    refers_to: string | null;
    subject: string;
    due_date: string | null;
    envelope: string;
    message: Json<unknown>;
    created_by: string;
    created_at: Timestamp;
  };
  docex_attachments: {
    owner_kind: 'sent' | 'received';
    owner_id: string;
    position: number;
    content_id: string;
    sha256: string;
    size: number;
    content_type: string;
    name: string;
    description: string | null;
  };
  docex_deliveries: {
    id: Generated<number>;
    document_id: string;
    recipient: string;
    state: DeliveryState;
    attempts: Generated<number>;
    next_attempt_at: Timestamp;
    give_up_at: Timestamp;
    last_error: string | null;
    delivered_at: Timestamp | null;
    dead_at: Timestamp | null;
    status_code: string | null;
    status_at: Timestamp | null;
  };
  docex_inbox: {
    seq: Generated<number>;
    id: string;
    sender: string;
    sender_document_id: string;
    edxml_document_id: string;
    business_type: number;
    subject: string;
    due_date: string | null;
    envelope: string;
    message: Json<unknown>;
    received_at: Timestamp;
    acked_at: Timestamp | null;
    status_code: string | null;
    status_at: Timestamp | null;
  };
  docex_statuses: {
    id: Generated<number>;
    direction: 'in' | 'out';
    document_ref: string;
    counterpart: string;
    code: string;
    description: string | null;
    staff: Json<unknown> | null;
    occurred_at: Timestamp;
    envelope: string;
    state: DeliveryState | null;
    attempts: Generated<number>;
    next_attempt_at: Timestamp | null;
    give_up_at: Timestamp | null;
    last_error: string | null;
    delivered_at: Timestamp | null;
  };
  docex_webhook_events: {
    id: Generated<number>;
    event: string;
    payload: Json<unknown>;
    state: DeliveryState;
    attempts: Generated<number>;
    next_attempt_at: Timestamp;
    give_up_at: Timestamp;
    last_error: string | null;
    delivered_at: Timestamp | null;
    created_at: Timestamp;
  };
}

export type DocexDb = Kysely<DocexTables>;
