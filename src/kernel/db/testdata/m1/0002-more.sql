alter table things add column tags jsonb not null default '[]'::jsonb;
