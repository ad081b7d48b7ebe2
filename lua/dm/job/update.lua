-- dm.job.update: stage 2: from the published id list to the diver table. Plans every
-- change first (create, update, unchanged, delete, skip with a reason), checks the safety
-- limits, then applies the plan (or only shows it with --dry-run). Profiles the scan
-- journaled are not fetched again; the rest are fetched and re-checked. A record is deleted
-- only on certain information: its profile was read this run and is not eligible (or gone,
-- or linked to an Adrenaline account); a fetch that failed keeps the record as it is.
-- Memory stays flat: per id only a packed integer; planned records wait in an anonymous
-- temporary file (io.tmpfile) until they are applied.
local rating = require "dm.rating"
local sync = require "dm.store.sync"
local task = require "dm.task"
local log = require "dm.log"
local json = require "dm.json"
local scan = require "dm.job.scan"

local M = {}

-- The record written for one diver (the DiveMeetsDiver model's fields).
function M.record(id, info, r)
  return {
    id = tostring(id),
    firstName = info.first_name or "",
    lastName = info.last_name or "",
    gender = info.gender,
    finaAge = info.fina_age,
    hsGradYear = info.hs_grad_year,
    springboardRating = r.springboard,
    platformRating = r.platform,
    totalRating = r.total,
  }
end

-- Why a profile gives no record (nil when it gives one).
local function skip_reason(rec)
  local info = rec.info or {}
  if not info.gender or info.gender == "" then return "no_gender" end
  if not info.first_name or info.first_name == "" then return "no_name" end
  if type(rec.stats) ~= "table" or #rec.stats == 0 then return "no_statistics" end
  return nil
end

local function add(list, v) list[#list + 1] = v end

-- Everything the run knows about one id, packed in one integer per id (one table for all the
-- ids the run touches, ids only: memory stays flat as the id range grows; the records to
-- write wait in a temporary plan file, not in memory).
local EX_LIVE, EX_DELETED, EX_MASK = 1, 2, 3 -- the id's record in the table before the run
local WANTED = 4                              -- in the list and not excluded
local V_SHIFT, V_MASK = 3, 7 << 3             -- the verdict of this run, as VERDICT codes
local PLANNED = 64                            -- a record to put is in the plan file
local VERDICT = {eligible = 1, not_eligible = 2, gone = 3, failed = 4, blocked = 5}
local VERDICT_NAME = {"eligible", "not_eligible", "gone", "failed", "blocked"}
local RATING_FIELDS = {"springboardRating", "platformRating", "totalRating"}

-- run(ctx) -> report section, ok, reason
-- ctx: state, db, list_date, checker, filter, journal_date (nil: nothing journaled),
--      scan_summary (nil for update alone), site_root, http, concurrency, dry_run
function M.run(ctx)
  local state, db = ctx.state, ctx.db
  local r = {list_ids = 0, bad_list_lines = {}, excluded_linked = 0, excluded_other = 0,
    created = 0, updated = 0, unchanged = 0, deleted = 0, kept_unverified = 0, kept_not_listed = 0,
    skipped = {}, failed_ids = {}, blocked_ids = {}, fetched = 0, unknown_dd = 0,
    plan = {create = {}, update = {}, delete = {}}}

  local ids, bad = state:read_list(ctx.list_date)
  if not ids then return r, false, bad end
  r.list_ids, r.bad_list_lines = #ids, bad
  for _, b in ipairs(bad) do
    log.warn("ignoring a bad line of the id list", {line = b.line, text = b.text})
  end

  local st = {} -- id -> bits (above)
  local function verdict(id)
    return VERDICT_NAME[((st[id] or 0) & V_MASK) >> V_SHIFT]
  end
  local function wanted(id) return (st[id] or 0) & WANTED ~= 0 end

  -- the existing table, all pages (deleted records too, to leave them alone)
  local live = 0
  for rec in db:list({include_deleted = true}) do
    local id = math.tointeger(tonumber(rec.id))
    if id then
      st[id] = (st[id] or 0) | (rec._deleted and EX_DELETED or EX_LIVE)
      if not rec._deleted then live = live + 1 end
    end
  end
  r.existing = live

  local excluded = {}
  for _, id in ipairs(ids) do
    local why = ctx.filter.excluded(id)
    if why then
      excluded[id] = why
      if why == "linked" then r.excluded_linked = r.excluded_linked + 1
      else r.excluded_other = r.excluded_other + 1 end
    else
      st[id] = (st[id] or 0) | WANTED
    end
  end

  local plan_file = assert(io.tmpfile()) -- anonymous: gone when closed or when we exit
  local function skip(id, reason)
    r.skipped[reason] = (r.skipped[reason] or 0) + 1
    log.info("skipping diver", {id = id, reason = reason})
  end
  -- plan(id, record): decide create / update / unchanged / skip now; keep only the id.
  local function plan(id, record)
    local bits = st[id]
    if bits & PLANNED ~= 0 then return end -- already planned from an earlier journal line
    local ex = bits & EX_MASK
    if ex == EX_DELETED then return skip(id, "record_deleted") end
    if ex == EX_LIVE then
      local cur = db:get(record.id)
      if cur and not cur._deleted and db:same(cur, record) then
        r.unchanged = r.unchanged + 1
        return
      end
      add(r.plan.update, id)
    else
      add(r.plan.create, id)
    end
    st[id] = bits | PLANNED
    plan_file:write(json.encode(record), "\n")
  end
  local function consider(rec)
    local id = rec.id
    local v
    if rec.kind == "profile" then
      v = rec.eligible and "eligible" or "not_eligible"
    elseif rec.kind == "no_profile" then
      v = "gone"
    elseif rec.kind == "blocked" then
      v = "blocked"
    else
      v = "failed"
    end
    st[id] = ((st[id] or 0) & ~V_MASK) | (VERDICT[v] << V_SHIFT)
    if v ~= "eligible" or not wanted(id) then return end
    local why = skip_reason(rec)
    if why then return skip(id, why) end
    local rt = rating.compute(rec.stats, ctx.rating_policy)
    r.unknown_dd = r.unknown_dd + (rt.unknown_dd or 0)
    if rt.empty then return skip(id, "no_rated_dives") end
    plan(id, M.record(id, rec.info, rt))
  end

  -- 1. what the scan journaled (single pass: no second fetch); st has exactly the ids that
  -- are wanted or have a record
  if ctx.journal_date then
    state:each_journal(ctx.journal_date, function(rec)
      if st[rec.id] then consider(rec) end
    end)
  end

  -- 2. fetch what is still unknown: listed ids, and existing records not in the list
  local todo = {}
  for _, id in ipairs(ids) do
    if wanted(id) and verdict(id) == nil then add(todo, id) end
  end
  local existing_ids = {}
  for id, bits in pairs(st) do
    if bits & EX_MASK == EX_LIVE and bits & WANTED == 0 and not excluded[id]
      and verdict(id) == nil then
      add(existing_ids, id)
    end
  end
  table.sort(existing_ids)
  for _, id in ipairs(existing_ids) do add(todo, id) end
  existing_ids = nil -- luacheck: ignore 311 (free it before the long part)
  if #todo > 0 then
    log.info("fetching profiles not journaled by a scan", {count = #todo})
    local progress = log.progress(#todo, {label = "update", every_n = 100})
    task.map(todo, {limit = ctx.concurrency}, function(id)
      consider(scan.fetch_one(id, ctx))
      progress:tick(1)
    end)
    progress:done()
    r.fetched = #todo
  end
  for _, id in ipairs(todo) do
    local v = verdict(id)
    if v == "failed" then add(r.failed_ids, id)
    elseif v == "blocked" then add(r.blocked_ids, id) end
  end
  for _, id in ipairs(ids) do
    local v = verdict(id)
    if wanted(id) and v ~= "eligible" and v ~= "failed" and v ~= "blocked" then
      skip(id, "no_longer_eligible") -- stage 2 re-checks the rules (the original trusted the list)
    end
  end

  -- 3. the plan: creates and updates were decided above; deletes now
  table.sort(r.plan.create)
  table.sort(r.plan.update)
  local deletable = {gone = true, not_eligible = true}
  local delete_ids = {}
  for id, bits in pairs(st) do
    local v = verdict(id)
    if bits & EX_MASK == EX_LIVE and not (bits & WANTED ~= 0 and v == "eligible") then
      if excluded[id] or deletable[v] then
        add(delete_ids, id)
      elseif v == "eligible" then
        r.kept_not_listed = r.kept_not_listed + 1 -- eligible, but not in this list: keep it
      else
        r.kept_unverified = r.kept_unverified + 1 -- fetch failed: keep it as it is
      end
    end
  end
  table.sort(delete_ids)
  r.plan.delete = delete_ids

  -- 4. safety, then apply
  local counts = {scanned = (ctx.scan_summary and ctx.scan_summary.scanned or 0) + r.fetched,
    failed = (ctx.scan_summary and #ctx.scan_summary.failed_ids or 0) + #r.failed_ids,
    blocked = (ctx.scan_summary and #ctx.scan_summary.blocked_ids or 0) + #r.blocked_ids,
    existing = live, deletes = #delete_ids}
  local ok, why = ctx.filter.safety(counts)
  if not ok then
    plan_file:close()
    return r, false, why
  end

  if ctx.dry_run then
    plan_file:close()
    for _, id in ipairs(r.plan.create) do log.info("would create", {id = id}) end
    for _, id in ipairs(r.plan.update) do log.info("would update", {id = id}) end
    for _, id in ipairs(r.plan.delete) do log.info("would delete", {id = id}) end
    r.created, r.updated, r.deleted = #r.plan.create, #r.plan.update, #r.plan.delete
    return r, true
  end

  local errors = {}
  local batch = 0
  local function step()
    batch = batch + 1
    if batch % 500 == 0 then
      assert(db:commit())
      assert(db:begin())
    end
  end
  assert(db:begin())
  assert(plan_file:seek("set"))
  for line in plan_file:lines() do
    local rec = assert(json.decode(line))
    for _, k in ipairs(RATING_FIELDS) do rec[k] = rec[k] + 0.0 end
    local id = tonumber(rec.id)
    local outcome, msg, code = sync.put(db, rec)
    if outcome == "created" then r.created = r.created + 1
    elseif outcome == "updated" then r.updated = r.updated + 1
    elseif outcome == "unchanged" then r.unchanged = r.unchanged + 1
    elseif outcome == "skipped_deleted" then skip(id, "record_deleted")
    else add(errors, {id = id, message = msg, code = code}) end
    step()
  end
  plan_file:close()
  for _, id in ipairs(delete_ids) do
    local outcome, msg, code = sync.remove(db, tostring(id))
    if outcome == "deleted" then r.deleted = r.deleted + 1
    elseif outcome == nil then add(errors, {id = id, message = msg, code = code}) end
    step()
  end
  assert(db:commit())
  r.write_errors = errors
  if #errors > 0 then
    table.sort(errors, function(x, y) return x.id < y.id end)
    return r, false, string.format("%d records could not be written (first: %s %s)", #errors,
      errors[1].id, errors[1].message)
  end
  return r, true
end

return M
