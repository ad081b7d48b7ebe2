-- dm.job.run: what the three jobs share: options, the run context (state dir, rules, HTTP
-- politeness, the diver table), the report (stderr summary + reports/<date>.json), the
-- StateMachineFailures metric, clean-up of temporary files, and the exit code.
-- jobs/weekly.lua = scan + publish + check + update; jobs/scan.lua and jobs/update.lua are
-- the two stages alone.
local host = require "dm.core.host"
local http = require "dm.http"
local json = require "dm.json"
local log = require "dm.log"
local rules = require "dm.rules"
local rating = require "dm.rating"
local options = require "dm.job.options"
local statemod = require "dm.job.state"
local scan = require "dm.job.scan"
local update = require "dm.job.update"

local M = {}

M.NAMESPACE = "UpdateDiveMeetsDiverTable"
M.METRIC = "StateMachineFailures"

local function now_s() return host.now() / 1000 end

-- The summary printed on stderr at the end.
local function summary_lines(rep)
  local out = {string.format("%s %srun for %s: %s (%.1f s)", rep.job, rep.dry_run and "dry "
    or "", rep.run_date, rep.ok and "OK" or "FAILED", rep.duration_s)}
  local s = rep.scan
  if s then
    out[#out + 1] = string.format("  scan %d-%d: %d ids, %d profiles, %d no profile, "
      .. "%d blocked, %d errors; %d eligible", rep.start_index, rep.end_index, s.scanned,
      s.by_kind.profile, s.by_kind.no_profile, s.by_kind.blocked,
      s.by_kind.error + s.by_kind.missing, s.eligible)
  end
  local u = rep.update
  if u then
    local skipped = {}
    for k, v in pairs(u.skipped) do skipped[#skipped + 1] = k .. " " .. v end
    table.sort(skipped)
    out[#out + 1] = string.format("  table: %d listed, %d excluded as linked, %d created, "
      .. "%d updated, %d unchanged, %d deleted, %d kept (unverified); skipped: %s",
      u.list_ids, u.excluded_linked, u.created, u.updated, u.unchanged, u.deleted,
      u.kept_unverified, #skipped > 0 and table.concat(skipped, ", ") or "none")
  end
  out[#out + 1] = string.format("  requests %d, retries %d, failed ids %d",
    rep.requests, rep.retries, #rep.failed_ids)
  if rep.error then out[#out + 1] = "  reason: " .. rep.error end
  return out
end

local function limited(list, n)
  local out = {}
  for i = 1, math.min(#list, n) do out[i] = list[i] end
  return out
end

-- main(job, argv): the whole job; sets the exit code. job: "weekly" | "scan" | "update".
function M.main(job, argv)
  local opts, err = options.parse(argv, job)
  if not opts then
    io.stderr:write(string.format("%s: %s\n", job, err))
    host.exit(2)
    return
  end
  if opts.help then
    print(opts.usage)
    return
  end
  local t0 = now_s()
  local state, serr = statemod.open(opts.state_dir)
  if not state then
    io.stderr:write(string.format("%s: %s\n", job, serr))
    host.exit(1)
    return
  end
  http.reset_stats()
  http.configure{rate = opts.rate > 0 and opts.rate or false,
    max_host_connections = opts.concurrency}
  local ctx = {
    state = state, date = opts.run_date, concurrency = opts.concurrency,
    site_root = opts.divemeets_url, resume = opts.resume, dry_run = opts.dry_run,
    http = {timeout_ms = opts.timeout_ms, retries = opts.retries},
  }
  local rep = {job = job, run_date = opts.run_date, dry_run = opts.dry_run or nil,
    start_index = opts.start_index, end_index = opts.end_index, ok = false,
    failed_ids = {}, state_dir = state.dir}

  -- A mistake in a rules file (or the linked-ids file) is the analyst's: one line naming the
  -- file, no traceback, and found before any request (the rating rules too, which dm.rating
  -- would otherwise load lazily, after the whole scan).
  local function rules_step(fn, ...)
    local res = table.pack(pcall(fn, ...))
    if not res[1] then error({reason = tostring(res[2]):gsub("\n.*", "")}, 0) end
    return table.unpack(res, 2, res.n)
  end

  -- finish(interrupted): the report, the metric, clean-up and the summary.
  local function finish(interrupted)
    local hs = http.stats
    rep.requests, rep.attempts, rep.retries = hs.requests, hs.attempts, hs.retries
    rep.duration_s = now_s() - t0
    table.sort(rep.failed_ids)
    rep.failed_count = #rep.failed_ids
    rep.failed_ids = limited(rep.failed_ids, 10000)

    -- JSON types that do not depend on emptiness: id lists are arrays, counts are objects
    local A, O = json.array, json.object
    A(rep.failed_ids)
    if rep.scan then A(rep.scan.failed_ids) A(rep.scan.blocked_ids) O(rep.scan.by_kind) end
    if rep.update then
      local u = rep.update
      A(u.failed_ids) A(u.blocked_ids) A(u.bad_list_lines) A(u.write_errors) O(u.skipped)
      if u.plan then A(u.plan.create) A(u.plan.update) A(u.plan.delete) end
    end

    if not opts.dry_run then
      local wok, werr = state:write_report(opts.run_date, rep)
      if not wok then log.error("cannot write the report", {error = werr}) end
      local mok, merr = state:put_metric(M.NAMESPACE, M.METRIC, rep.ok and 0 or 1)
      if not mok then log.error("cannot write the metric", {error = merr}) end
    end
    -- temporary files go, success or failure (a killed or interrupted run keeps its journal
    -- for --resume)
    if job ~= "update" and not interrupted then state:remove_journal(opts.run_date) end
    state:remove_temporaries()
    for _, line in ipairs(summary_lines(rep)) do io.stderr:write(line, "\n") end
  end

  -- SIGTERM / SIGINT / SIGHUP (a scheduler stopping the instance, Ctrl-C): stop at once, keep
  -- the journal (flushed) for --resume, report the failure with metric 1, exit 128 + signal.
  local signames = {[1] = "SIGHUP", [2] = "SIGINT", [15] = "SIGTERM"}
  local function on_stop(signum)
    local name = signames[signum] or tostring(signum)
    log.warn("stopping on " .. name .. "; a scan can continue with --resume")
    if ctx.journal then ctx.journal:flush() end
    rep.ok, rep.error = false, "interrupted by " .. name
    finish(true)
    os.exit(128 + signum)
  end
  for _, name in ipairs({"SIGTERM", "SIGINT", "SIGHUP"}) do host.on_signal(name, on_stop) end

  local ok, perr = xpcall(function()
    ctx.checker = rules_step(rules.eligibility, opts.run_date)
    ctx.filter = rules_step(rules.filters, {state_dir = state.dir})
    if job ~= "scan" then
      rules_step(function() rating.policy() rating.dd("101A", 1) end)
    end
    log.info(job .. " run", {date = opts.run_date, state_dir = state.dir,
      site = opts.divemeets_url, first = opts.start_index, last = opts.end_index})

    if job == "weekly" or job == "scan" then
      ctx.first, ctx.last = opts.start_index, opts.end_index
      local s = scan.run(ctx)
      rep.scan = {scanned = s.scanned, by_kind = s.by_kind, eligible = s.eligible,
        failed_ids = s.failed_ids, blocked_ids = s.blocked_ids}
      ctx.scan_summary = s
      for _, id in ipairs(s.failed_ids) do rep.failed_ids[#rep.failed_ids + 1] = id end
      for _, id in ipairs(s.blocked_ids) do rep.failed_ids[#rep.failed_ids + 1] = id end
      local safe, why = ctx.filter.safety({scanned = s.scanned, failed = #s.failed_ids,
        blocked = #s.blocked_ids})
      if not safe then error({reason = why}, 0) end
      if not opts.dry_run then
        -- 3. publish the list, 4. check it is there for stage 2
        assert(state:write_list(opts.run_date, s.eligible_ids))
        local back, berr = state:read_list(opts.run_date)
        if not back or #back ~= #s.eligible_ids then
          error({reason = "the published id list cannot be read back: " .. tostring(berr)}, 0)
        end
        rep.list = state:list_path(opts.run_date)
      end
    end

    if job == "weekly" or job == "update" then
      local list_date = job == "update" and opts.input_date or opts.run_date
      if job == "weekly" and opts.dry_run then
        -- nothing was published: show the update from a list kept in memory
        assert(state:write_list(".dry-run-" .. list_date, ctx.scan_summary.eligible_ids))
        list_date = ".dry-run-" .. list_date
      end
      local store = require "dm.store.sqlite"
      -- a dry run on a state dir without a table reads an empty one (it creates no file)
      local db_path = state:db_path()
      local exists = io.open(db_path, "rb")
      if exists then exists:close() elseif opts.dry_run then db_path = ":memory:" end
      local db = assert(store.open(db_path))
      ctx.db = db
      ctx.list_date = list_date
      ctx.journal_date = job == "weekly" and opts.run_date or nil
      local u, uok, why = update.run(ctx)
      if list_date:sub(1, 9) == ".dry-run-" then os.remove(state:list_path(list_date)) end
      db:close()
      rep.update = {list_ids = u.list_ids, bad_list_lines = u.bad_list_lines,
        existing = u.existing, excluded_linked = u.excluded_linked,
        excluded_other = u.excluded_other, created = u.created, updated = u.updated,
        unchanged = u.unchanged, deleted = u.deleted, kept_unverified = u.kept_unverified,
        kept_not_listed = u.kept_not_listed, skipped = u.skipped, fetched = u.fetched,
        unknown_dd = u.unknown_dd, failed_ids = u.failed_ids, blocked_ids = u.blocked_ids,
        write_errors = u.write_errors}
      if opts.dry_run then rep.update.plan = u.plan end
      for _, id in ipairs(u.failed_ids) do rep.failed_ids[#rep.failed_ids + 1] = id end
      for _, id in ipairs(u.blocked_ids) do rep.failed_ids[#rep.failed_ids + 1] = id end
      if not uok then error({reason = why}, 0) end
    end
  end, function(e)
    if type(e) == "table" and e.reason then return e end
    return {reason = tostring(e), traceback = debug.traceback(tostring(e), 2)}
  end)

  if ok then
    rep.ok = true
  else
    rep.error = perr.reason
    if perr.traceback then log.error("the run failed", {error = perr.traceback}) end
  end
  finish(false)
  if not rep.ok then host.exit(1) end
  return rep
end

return M
