-- dm.job.state: the embedded layout of the state dir and its files:
--   divemeets-divers-lists/<date>.csv  the published id list (one id per line, atomic)
--   dmhost.sqlite                      the DiveMeetsDiver table
--   reports/<date>.json                the run report;  metrics.jsonl  one line per metric
--   linked-ids.txt                     ids linked to Adrenaline accounts (may be absent)
--   .scan-<date>.journal               while a scan runs (kept only if it is killed): one
--                                      JSON line per finished id, for --resume and stage 2
local fs = require "dm.core.fs"
local json = require "dm.json"
local ctime = require "dm.core.time"

local M = {}

local State = {}
State.__index = State

-- open(dir) -> state | nil, message: creates the folders it needs.
function M.open(dir)
  dir = dir:gsub("/+$", "")
  if dir == "" then dir = "/" end
  for _, sub in ipairs({"", "/divemeets-divers-lists", "/reports"}) do
    local ok, err = fs.mkdir_p(dir .. sub)
    if not ok then return nil, err end
  end
  return setmetatable({dir = dir}, State)
end

function State:path(name) return self.dir .. "/" .. name end
function State:list_path(date) return self:path("divemeets-divers-lists/" .. date .. ".csv") end
function State:report_path(date) return self:path("reports/" .. date .. ".json") end
function State:journal_path(date) return self:path(".scan-" .. date .. ".journal") end
function State:db_path() return self:path("dmhost.sqlite") end
function State:metrics_path() return self:path("metrics.jsonl") end

-- write_list(date, ids) -> true | nil, msg: one id per line, ascending, atomically.
function State:write_list(date, ids)
  local body = #ids > 0 and table.concat(ids, "\n") .. "\n" or "" -- integers concat as digits
  return fs.write_atomic(self:list_path(date), body)
end

-- read_list(date) -> ids (integers, in file order), bad_lines | nil, msg
-- A line that is not a positive integer is reported, not fatal (the original aborted).
function State:read_list(date)
  local path = self:list_path(date)
  local f, err = io.open(path, "rb")
  if not f then return nil, "cannot read the id list: " .. err end
  local ids, bad = {}, {}
  local seen -- duplicates: only built once the file is not strictly ascending (ours always is)
  local n, prev = 0, 0
  for line in f:lines() do
    n = n + 1
    local s = line:gsub("^%s+", ""):gsub("%s+$", "")
    if s ~= "" then
      local id = s:match("^%d+$") and math.tointeger(tonumber(s))
      if id and id > 0 then
        if not seen and id <= prev then
          seen = {}
          for _, x in ipairs(ids) do seen[x] = true end
        end
        if id > prev then prev = id end
        if not seen then
          ids[#ids + 1] = id
        elseif not seen[id] then
          seen[id] = true
          ids[#ids + 1] = id
        end
      else
        bad[#bad + 1] = {line = n, text = s}
      end
    end
  end
  f:close()
  return ids, bad
end

-- write_report(date, report) -> true | nil, msg (pretty JSON, atomically)
function State:write_report(date, report)
  return fs.write_atomic(self:report_path(date), json.encode(report, {pretty = true}) .. "\n")
end

-- put_metric(name, value): appends {"ts","namespace","metric","value","unit"} to metrics.jsonl
function State:put_metric(namespace, name, value)
  local f, err = io.open(self:metrics_path(), "ab")
  if not f then return nil, err end
  f:write(json.encode({ts = ctime.iso_utc(), namespace = namespace, metric = name,
    value = value, unit = "Count"}), "\n")
  f:close()
  return true
end

---------------------------------------------------------------------------------------------
-- The scan journal: append-only JSON lines {"id":n,"kind":k,...}; a torn last line (the
-- process was killed mid-write) is ignored on reading.

local Journal = {}
Journal.__index = Journal

-- open_journal(date, resume) -> journal | nil, msg. Without resume an old journal of the
-- same date is discarded.
function State:open_journal(date, resume)
  local path = self:journal_path(date)
  if not resume then os.remove(path) end
  local f, err = io.open(path, "ab")
  if not f then return nil, "cannot write the scan journal: " .. err end
  f:setvbuf("full", 64 * 1024)
  return setmetatable({path = path, f = f, pending = 0}, Journal)
end

function Journal:append(rec)
  self.f:write(json.encode(rec), "\n")
  self.pending = self.pending + 1
  if self.pending >= 200 then self:flush() end
end

function Journal:flush()
  self.f:flush()
  self.pending = 0
end

function Journal:close()
  if self.f then
    self.f:close()
    self.f = nil
  end
end

-- each_journal(date, fn): calls fn(rec) for every complete line; returns count or nil, msg.
function State:each_journal(date, fn)
  local f = io.open(self:journal_path(date), "rb")
  if not f then return 0 end
  local n = 0
  for line in f:lines() do
    local rec = json.decode(line)
    if type(rec) == "table" and math.type(rec.id) == "integer" and rec.kind then
      n = n + 1
      fn(rec)
    end
  end
  f:close()
  return n
end

function State:remove_journal(date)
  os.remove(self:journal_path(date))
end

-- Removes temporary files a crashed atomic write may have left (<name>.tmp.<pid>) and the
-- list a dry run keeps while it plans (.dry-run-<date>.csv).
function State:remove_temporaries()
  for _, sub in ipairs({"", "/divemeets-divers-lists", "/reports"}) do
    for _, name in ipairs(fs.list(self.dir .. sub) or {}) do
      if name:match("%.tmp%.%d+$") or name:match("^%.dry%-run%-") then
        os.remove(self.dir .. sub .. "/" .. name)
      end
    end
  end
end

return M
