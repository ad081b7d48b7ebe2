-- dm.job.scan: stage 1: fetch every profile of an id range with bounded concurrency,
-- classify each response (profile / no_profile / blocked / error), ask the eligibility
-- rules, and journal one line per finished id (with info and statistics for the eligible,
-- so stage 2 need not fetch them again). Memory stays flat: results live in the journal.
local divemeets = require "dm.divemeets"
local task = require "dm.task"
local log = require "dm.log"

local M = {}

-- fetch_one(id, ctx) -> journal record {id, kind, eligible?, rule?, info?, stats?, code?}
-- ctx: site_root, http (dm.http options), checker (rules.eligibility(...))
function M.fetch_one(id, ctx)
  local res, msg, code = divemeets.fetch(id, {site_root = ctx.site_root, http = ctx.http})
  if not res then
    return {id = id, kind = "error", code = code, message = msg}
  end
  local rec = {id = id, kind = res.kind, status = res.status}
  if res.kind ~= "profile" then return rec end
  local eligible, rule, reason = ctx.checker.check(res.info or {})
  rec.eligible, rec.rule = eligible, rule
  if eligible then
    rec.reason = reason
    rec.info, rec.stats = res.info, res.stats
    if res.warnings and #res.warnings > 0 then rec.warnings = res.warnings end
  end
  return rec
end

-- Kind codes in a compact per-id array (memory stays small for 125,000 ids).
local KIND_CODE = {profile = 1, no_profile = 2, blocked = 3, error = 4}
M.KIND_CODE = KIND_CODE

-- run(ctx) -> summary. ctx: state, date, first, last, resume, concurrency, checker,
-- site_root, http. Journals every id of first..last; with resume, ids already classified
-- as profile or no_profile in the journal are not fetched again (errors are retried).
function M.run(ctx)
  local state, date = ctx.state, ctx.date
  local first, last = ctx.first, ctx.last
  local done = {}
  local resumed = 0
  if ctx.resume then
    state:each_journal(date, function(rec)
      local final = rec.kind == "profile" or rec.kind == "no_profile"
      if final and rec.id >= first and rec.id <= last then
        if not done[rec.id - first + 1] then resumed = resumed + 1 end
        done[rec.id - first + 1] = true
      end
    end)
    log.info("resuming the scan", {date = date, already_done = resumed})
  end
  local journal = assert(state:open_journal(date, ctx.resume))
  local todo = {}
  for id = first, last do
    if not done[id - first + 1] then todo[#todo + 1] = id end
  end
  done = nil -- luacheck: ignore 311 (free it before the long part)
  local total = last - first + 1
  local progress = log.progress(total, {label = "scan", every_n = 500})
  if resumed > 0 then progress:tick(resumed) end
  task.map(todo, {limit = ctx.concurrency}, function(id)
    local rec = M.fetch_one(id, ctx)
    journal:append(rec)
    progress:tick(1)
  end)
  journal:close()
  progress:done()
  return M.summarize(state, date, first, last)
end

-- summarize(state, date, first, last) -> summary from the journal (the last line of an id
-- wins): counts per kind, eligible ids ascending, failed and blocked ids.
function M.summarize(state, date, first, last)
  local kind_of, eligible = {}, {}
  state:each_journal(date, function(rec)
    if rec.id >= first and rec.id <= last then
      local i = rec.id - first + 1
      kind_of[i] = KIND_CODE[rec.kind] or KIND_CODE.error
      eligible[i] = rec.eligible or nil
    end
  end)
  local s = {scanned = last - first + 1, by_kind = {profile = 0, no_profile = 0, blocked = 0,
    error = 0, missing = 0}, eligible_ids = {}, failed_ids = {}, blocked_ids = {}}
  for i = 1, last - first + 1 do
    local id, k = first + i - 1, kind_of[i]
    if k == KIND_CODE.profile then
      s.by_kind.profile = s.by_kind.profile + 1
      if eligible[i] then s.eligible_ids[#s.eligible_ids + 1] = id end
    elseif k == KIND_CODE.no_profile then
      s.by_kind.no_profile = s.by_kind.no_profile + 1
    elseif k == KIND_CODE.blocked then
      s.by_kind.blocked = s.by_kind.blocked + 1
      s.blocked_ids[#s.blocked_ids + 1] = id
    elseif k == KIND_CODE.error then
      s.by_kind.error = s.by_kind.error + 1
      s.failed_ids[#s.failed_ids + 1] = id
    else
      s.by_kind.missing = s.by_kind.missing + 1 -- never journaled: counts as failed
      s.failed_ids[#s.failed_ids + 1] = id
    end
  end
  s.eligible = #s.eligible_ids
  return s
end

return M
