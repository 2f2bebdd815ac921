create or replace function yclients_sync.ensure_search_indexes() returns text
language plpgsql as $$
-- Purpose: index yclients.clients for name and phone search: trigram GIN indexes when pg_trgm is installed
--   (in whatever schema), else btree indexes for prefix search (lower(name) LIKE 'анн%', phone LIKE '+7999%').
-- Inputs: none. Returns: 'trigram' or 'btree'.
-- Idempotency: creates only what is missing; once trigram indexes exist, the btree fallback is dropped.
declare
  v_schema text;
begin
  -- where pg_trgm's GIN operator class lives, if it is installed at all
  select n.nspname into v_schema
  from pg_opclass o join pg_namespace n on n.oid = o.opcnamespace join pg_am a on a.oid = o.opcmethod
  where o.opcname = 'gin_trgm_ops' and a.amname = 'gin'
  limit 1;
  -- no pg_trgm: btree prefix search
  if v_schema is null then
    if to_regclass('yclients.clients_name_prefix_idx') is null then
      create index clients_name_prefix_idx on yclients.clients (company_id, lower(name) text_pattern_ops);
    end if;
    if to_regclass('yclients.clients_phone_prefix_idx') is null then
      create index clients_phone_prefix_idx on yclients.clients (company_id, phone text_pattern_ops);
    end if;
    return 'btree';
  end if;
  -- pg_trgm: substring and similarity search (ILIKE '%анна%', phone LIKE '%4567%')
  if to_regclass('yclients.clients_name_trgm_idx') is null then
    execute format('create index clients_name_trgm_idx on yclients.clients using gin (name %I.gin_trgm_ops)', v_schema);
  end if;
  if to_regclass('yclients.clients_phone_trgm_idx') is null then
    execute format('create index clients_phone_trgm_idx on yclients.clients using gin (phone %I.gin_trgm_ops)', v_schema);
  end if;
  -- the fallback is no longer needed
  if to_regclass('yclients.clients_name_prefix_idx') is not null then
    drop index yclients.clients_name_prefix_idx;
  end if;
  if to_regclass('yclients.clients_phone_prefix_idx') is not null then
    drop index yclients.clients_phone_prefix_idx;
  end if;
  return 'trigram';
end
$$;
