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

-- Kind codes (1-4) and the eligible flag (8), packed 4 bits per id, 16 ids per integer, so the
-- per-id state of 125,000 ids takes about 60 KB (memory stays flat as the range grows).
local KIND_CODE = {profile = 1, no_profile = 2, blocked = 3, error = 4}
M.KIND_CODE = KIND_CODE
local ELIGIBLE_BIT = 8

local function packed_get(t, i) -- i >= 0
  return ((t[(i >> 4) + 1] or 0) >> ((i & 15) << 2)) & 15
end

local function packed_set(t, i, v)
  local slot, sh = (i >> 4) + 1, (i & 15) << 2
  t[slot] = ((t[slot] or 0) & ~(15 << sh)) | (v << sh)
end

-- run(ctx) -> summary. ctx: state, date, first, last, resume, concurrency, checker,
-- site_root, http. Journals every id of first..last; with resume, ids already classified
-- as profile or no_profile in the journal are not fetched again (errors are retried).
-- No per-id list is built: workers take the next id from a counter.
function M.run(ctx)
  local state, date = ctx.state, ctx.date
  local first, last = ctx.first, ctx.last
  local done = {} -- resume: 1 bit per id already final (packed_* with values 0/1)
  local resumed = 0
  if ctx.resume then
    state:each_journal(date, function(rec)
      local final = rec.kind == "profile" or rec.kind == "no_profile"
      if final and rec.id >= first and rec.id <= last then
        local i = rec.id - first
        if packed_get(done, i) == 0 then
          resumed = resumed + 1
          packed_set(done, i, 1)
        end
      end
    end)
    log.info("resuming the scan", {date = date, already_done = resumed})
  end
  local journal = assert(state:open_journal(date, ctx.resume))
  ctx.journal = journal -- flushed by the job's signal handler
  local total = last - first + 1
  local progress = log.progress(total, {label = "scan", every_n = 500})
  if resumed > 0 then progress:tick(resumed) end
  local next_id = first
  local function take()
    while next_id <= last do
      local id = next_id
      next_id = id + 1
      if resumed == 0 or packed_get(done, id - first) == 0 then return id end
    end
    return nil
  end
  local workers = {}
  for w = 1, math.max(1, math.min(ctx.concurrency, total - resumed)) do workers[w] = w end
  task.map(workers, {limit = #workers}, function()
    for id in take do
      local rec = M.fetch_one(id, ctx)
      journal:append(rec)
      progress:tick(1)
    end
  end)
  journal:close()
  ctx.journal = nil
  progress:done()
  return M.summarize(state, date, first, last)
end

-- summarize(state, date, first, last) -> summary from the journal (the last line of an id
-- wins): counts per kind, eligible ids ascending, failed and blocked ids.
function M.summarize(state, date, first, last)
  local codes = {}
  state:each_journal(date, function(rec)
    if rec.id >= first and rec.id <= last then
      local code = KIND_CODE[rec.kind] or KIND_CODE.error
      if rec.eligible then code = code | ELIGIBLE_BIT end
      packed_set(codes, rec.id - first, code)
    end
  end)
  local s = {scanned = last - first + 1, by_kind = {profile = 0, no_profile = 0, blocked = 0,
    error = 0, missing = 0}, eligible_ids = {}, failed_ids = {}, blocked_ids = {}}
  for i = 0, last - first do
    local id, code = first + i, packed_get(codes, i)
    local k = code & 7
    if k == KIND_CODE.profile then
      s.by_kind.profile = s.by_kind.profile + 1
      if code & ELIGIBLE_BIT ~= 0 then s.eligible_ids[#s.eligible_ids + 1] = id end
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
