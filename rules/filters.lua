-- rules/filters.lua: which ids are never written to the diver table, and the safety limits
-- that stop a run from writing anything when the scan looks unreliable.
--
-- Change the numbers freely; keep the shape. Worked examples are in
-- tests/lua/rules_filters_spec.lua. See rules/README.md.
return {
  -- Divers linked to an Adrenaline account are shown from their Adrenaline profile, so their
  -- DiveMeets ids are dropped from the list before the table is updated.
  linked_accounts = {
    exclude = true,
    -- Embedded backend: a file in the state dir (--state-dir), one id per line. A missing
    -- file means "no linked accounts". An absolute path is used as is.
    file = "linked-ids.txt",
    -- DynamoDB backend: how many ids one Scan of the NewUser table asks about (at most 150).
    scan_chunk_size = 150,
  },

  -- More DiveMeets ids never to write, as strings of digits, e.g. { "12345", "67890" }.
  exclude_ids = {},

  -- When a limit is passed, the run writes and deletes nothing, reports the failure metric
  -- and exits non-zero. Shares are fractions: 0.02 means 2 %.
  safety = {
    -- (failed + blocked pages) / ids scanned, above which the run is stopped.
    max_failed_share = 0.02,
    -- deletions / live records before the run, above which the run is stopped ...
    max_delete_share = 0.20,
    -- ... unless it deletes no more than this many records.
    deletes_always_allowed = 10,
  },
}
