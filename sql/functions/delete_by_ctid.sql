create or replace function yclients_sync.delete_by_ctid(p_table regclass, p_ctids tid[]) returns integer
language plpgsql as $$
-- Purpose: delete rows by address: the link rows (client_category_links, service_staff, record_services)
--   that a merge found upstream no longer lists, each found by a primary-key probe of its parent in the
--   merge's own statement. A TID scan, in a statement planned for this call (EXECUTE), so a plan cached
--   while the table was small cannot turn it into a sequential scan (00004); skipped when there are none.
--   The sync merges a company from one process at a time (its advisory lock), so no other writer moves
--   those rows between the merge's statement and this one.
-- Returns: the rows deleted.
declare
  v_count integer := 0;
begin
  if cardinality(p_ctids) > 0 then
    execute format('delete from %s where ctid = any ($1)', p_table) using p_ctids;
    get diagnostics v_count = row_count;
  end if;
  return v_count;
end
$$;
