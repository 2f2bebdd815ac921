-- 00007: the merge functions read each page once, into typed columns, and no longer coerce field by field
-- (issue 16, step 3).
--
-- The SDK's normalisers are the one place that turns YClients' wire values into typed rows
-- (docs/architecture.md §1). Each merge_<entity> (sql/functions/merge_<entity>.sql) now reads its page with
-- jsonb_to_recordset into the column list that states the row format (sql/test/row-format.test.ts holds it
-- to the SDK's row types), in one statement that also de-duplicates, builds the stubs, upserts and replaces
-- the links; the bookkeeping they share is finish_merge, the link deletes delete_by_ctid (both new files in
-- sql/functions). A value of the wrong type in a row, which the SDK never sends, now fails the statement
-- with a data exception (SQLSTATE class 22), and the sync quarantines that row (sql/src/merge.ts).
--
-- So these helpers have no caller left: dedupe_page (the merges de-duplicate the typed rows), json_array,
-- json_bool, json_date and json_object. json_id, json_numeric, json_int, json_text and json_timestamptz stay:
-- land_page and finish_merge read a page's ids and the checkpoint (the sql package's own Checkpoint) with
-- them. Function bodies are not dependencies, so the merges of 00002/00004 that still name the helpers are
-- replaced by migrate() right after this migration, under the same lock. Signatures and results of the
-- merges are unchanged.

drop function yclients_sync.dedupe_page(jsonb);
drop function yclients_sync.json_array(jsonb);
drop function yclients_sync.json_bool(jsonb);
drop function yclients_sync.json_date(jsonb);
drop function yclients_sync.json_object(jsonb);
