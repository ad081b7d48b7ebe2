-- dm.store.sync: writing one diver record the conflict-safe, churn-free way, on any diver-table
-- backend with the dm.store.sqlite shape (get/create/update/delete/same). Used by the update
-- stage; --dry-run decides the same way without writing.
--
--   sync.put(db, rec [, opts]) -> outcome, record | nil, msg, code
--     outcome: "created" | "updated" | "unchanged" | "skipped_deleted"
--   sync.remove(db, id [, opts]) -> outcome, record | nil, msg, code
--     outcome: "deleted" | "absent" | "already_deleted"
--   opts.dry_run (false): read and decide, write nothing (record = the stored one, if any)
--   opts.retries (2): how often a version conflict is answered by re-reading and trying again
local M = {}

M.DEFAULT_RETRIES = 2

-- sync.put(db, rec [, opts]): create the record if absent; leave it alone if it is deleted
-- (as the original, which never revived deleted records) or already has these values;
-- otherwise update it with the version just read. A conflict (someone wrote in between)
-- re-reads and tries again, up to opts.retries times.
function M.put(db, rec, opts)
  opts = opts or {}
  local retries = opts.retries or M.DEFAULT_RETRIES
  local msg, code = "conflict", "ConflictUnhandled"
  for _ = 0, retries do
    local cur, err, ecode = db:get(rec.id)
    if cur == nil and err ~= nil then return nil, err, ecode end
    local done, r
    if cur == nil then
      if opts.dry_run then return "created" end
      r, msg, code = db:create(rec)
      done = "created"
    elseif cur._deleted then
      return "skipped_deleted", cur
    elseif db:same(cur, rec) then
      return "unchanged", cur
    else
      if opts.dry_run then return "updated", cur end
      r, msg, code = db:update(rec, cur._version)
      done = "updated"
    end
    if r then return done, r end
    if msg ~= "conflict" and msg ~= "not_found" then return nil, msg, code end
  end
  return nil, msg, code
end

-- sync.remove(db, id [, opts]): soft-delete the record with the version just read; an absent
-- or already deleted record is reported as such, not as an error.
function M.remove(db, id, opts)
  opts = opts or {}
  local retries = opts.retries or M.DEFAULT_RETRIES
  local msg, code = "conflict", "ConflictUnhandled"
  for _ = 0, retries do
    local cur, err, ecode = db:get(id)
    if cur == nil then
      if err ~= nil then return nil, err, ecode end
      return "absent"
    end
    if cur._deleted then return "already_deleted", cur end
    if opts.dry_run then return "deleted", cur end
    local r
    r, msg, code = db:delete(id, cur._version)
    if r then return "deleted", r end
    if msg ~= "conflict" and msg ~= "not_found" then return nil, msg, code end
  end
  return nil, msg, code
end

return M
