-- A table and a function whose body holds semicolons, to exercise the splitter.
create table things (
  id bigserial primary key,
  name text not null unique,
  note text default 'a; b'
);

create function thing_count() returns bigint language sql as $$
  select count(*) from things;
$$;
