-- tests/jobs/e2e.lua: the independent oracle and table tools of the end-to-end job tests
-- (tests/sh/e2e_*.sh). The oracle never looks at a job's output: it reads the page server's
-- truth (/divemeets/system/truth.php = the exact expected parse of each page) and applies
-- rules/eligibility.lua (dm.rules) and dm.rating to it.
--
--   dmhost tests/jobs/e2e.lua oracle URL FIRST LAST DATE OUT [LINKED_FILE]
--       writes OUT.list (the expected list file, byte for byte), OUT.rows (the expected live
--       table rows, one TSV line each: id first last gender finaAge hsGradYear springboard
--       platform total, ratings %.17g, ascending id) and OUT.json (counts and id sets)
--   dmhost tests/jobs/e2e.lua rows DB            every row (deleted ones too) as TSV with
--       id first last gender finaAge hsGradYear sb pf total _version _deleted updatedAt
--   dmhost tests/jobs/e2e.lua cmp DB EXPECTED.rows [VERSION]
--       the live rows of DB equal EXPECTED.rows (strings/integers exactly, ratings within
--       1e-9); with VERSION, every live row also has _version VERSION. Exit 1 with the
--       differences on stderr otherwise.
--   dmhost tests/jobs/e2e.lua put DB ID FIRST LAST GENDER FINA HSGY SB PF TOTAL [deleted]
--       creates a record directly with dm.store.sqlite (fields "-" are nil); "deleted"
--       soft-deletes it right after (so it has _version 2, _deleted 1)
local http = require "dm.http"
local json = require "dm.json"
local task = require "dm.task"
local rules = require "dm.rules"
local rating = require "dm.rating"
local store = require "dm.store.sqlite"

local cmd = arg[1]

local function die(msg)
  io.stderr:write("e2e.lua: ", msg, "\n")
  os.exit(1)
end

local function fmtnum(v)
  if v == nil then return "-" end
  if math.type(v) == "integer" then return tostring(v) end
  return string.format("%.17g", v)
end

local function write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

local function row_line(r, extra)
  local t = {tostring(r.id), r.firstName, r.lastName, r.gender, fmtnum(r.finaAge),
    fmtnum(r.hsGradYear), fmtnum(r.springboardRating), fmtnum(r.platformRating),
    fmtnum(r.totalRating)}
  if extra then
    t[#t + 1] = tostring(r._version)
    t[#t + 1] = r._deleted and "1" or "0"
    t[#t + 1] = r.updatedAt
  end
  return table.concat(t, "\t")
end

local function read_ids(path)
  local set = {}
  local f = path and io.open(path, "rb")
  if not f then return set end
  for line in f:lines() do
    local s = line:match("^%s*(%d+)%s*$")
    if s then set[tonumber(s)] = true end
  end
  f:close()
  return set
end

local function oracle(url, first, last, date, out, linked_file)
  first, last = math.tointeger(tonumber(first)), math.tointeger(tonumber(last))
  local checker = rules.eligibility(date)
  local linked = read_ids(linked_file)
  local ids = {}
  for id = first, last do ids[#ids + 1] = id end
  http.configure{max_host_connections = 32}
  local truths = task.map(ids, {limit = 32}, function(id)
    local r, msg = http.get(url .. "/divemeets/system/truth.php?number=" .. id)
    if not r or r.status ~= 200 then error("truth " .. id .. ": " .. tostring(msg)) end
    return assert(json.decode(r.body))
  end)
  local c = {scanned = #ids, by_kind = {profile = 0, no_profile = 0, blocked = 0},
    eligible = 0, rows = 0, linked_eligible = 0, skipped = {}, blocked_ids = {},
    no_profile_ids = {}, not_eligible_ids = {}, eligible_ids = {}, row_ids = {}}
  local list, rows = {}, {}
  for i, t in ipairs(truths) do
    local id = ids[i]
    assert(t.id == id, "truth id mismatch")
    c.by_kind[t.kind] = c.by_kind[t.kind] + 1
    if t.kind == "blocked" then
      c.blocked_ids[#c.blocked_ids + 1] = id
    elseif t.kind == "no_profile" then
      c.no_profile_ids[#c.no_profile_ids + 1] = id
    elseif t.kind == "profile" then
      local info = t.info or {}
      if checker.check(info) then
        list[#list + 1] = tostring(id)
        c.eligible_ids[#c.eligible_ids + 1] = id
        local why
        if linked[id] then why = "linked"
        elseif not info.gender or info.gender == "" then why = "no_gender"
        elseif not info.first_name or info.first_name == "" then why = "no_name"
        elseif type(t.stats) ~= "table" or #t.stats == 0 then why = "no_statistics" end
        local rt
        if not why then
          rt = rating.compute(t.stats)
          if rt.empty then why = "no_rated_dives" end
        end
        if why == "linked" then
          c.linked_eligible = c.linked_eligible + 1
        elseif why then
          c.skipped[why] = (c.skipped[why] or 0) + 1
        else
          rows[#rows + 1] = row_line({id = id, firstName = info.first_name,
            lastName = info.last_name or "", gender = info.gender, finaAge = info.fina_age,
            hsGradYear = info.hs_grad_year, springboardRating = rt.springboard + 0.0,
            platformRating = rt.platform + 0.0, totalRating = rt.total + 0.0})
          c.row_ids[#c.row_ids + 1] = id
        end
      else
        c.not_eligible_ids[#c.not_eligible_ids + 1] = id
      end
    else
      error("unexpected kind " .. tostring(t.kind) .. " for " .. id)
    end
  end
  c.eligible, c.rows = #list, #rows
  write(out .. ".list", #list > 0 and table.concat(list, "\n") .. "\n" or "")
  write(out .. ".rows", #rows > 0 and table.concat(rows, "\n") .. "\n" or "")
  write(out .. ".json", json.encode(c, {pretty = true, empty_table = "array"}) .. "\n")
end

local function all_rows(path)
  local db = assert(store.open(path))
  local out = {}
  for r in db:list({include_deleted = true}) do out[#out + 1] = r end
  db:close()
  table.sort(out, function(a, b) return tonumber(a.id) < tonumber(b.id) end)
  return out
end

local function split(line)
  local t = {}
  for f in (line .. "\t"):gmatch("([^\t]*)\t") do t[#t + 1] = f end
  return t
end

local function same_field(i, want, got)
  if want == got then return true end
  if i >= 7 then -- ratings
    local a, b = tonumber(want), tonumber(got)
    return a ~= nil and b ~= nil and math.abs(a - b) <= 1e-9
  end
  return false
end

local function cmp(path, expected, version)
  local want = {}
  local order = {}
  for line in io.lines(expected) do
    local f = split(line)
    want[f[1]] = f
    order[#order + 1] = f[1]
  end
  local diffs = {}
  local function diff(s) if #diffs < 30 then diffs[#diffs + 1] = s end end
  local seen, live = {}, 0
  for _, r in ipairs(all_rows(path)) do
    if not r._deleted then
      live = live + 1
      local got = split(row_line(r))
      local w = want[r.id]
      seen[r.id] = true
      if not w then
        diff("unexpected live row: " .. row_line(r, true))
      else
        for i = 1, 9 do
          if not same_field(i, w[i], got[i]) then
            diff(string.format("id %s field %d: want %q got %q", r.id, i, w[i], got[i]))
          end
        end
      end
      if version and r._version ~= math.tointeger(tonumber(version)) then
        diff(string.format("id %s: _version %d, want %s", r.id, r._version, version))
      end
    end
  end
  for _, id in ipairs(order) do
    if not seen[id] then diff("missing live row: " .. id) end
  end
  if #diffs > 0 then
    io.stderr:write(string.format("table differs (%d live rows, %d expected):\n", live, #order))
    for _, d in ipairs(diffs) do io.stderr:write("  ", d, "\n") end
    os.exit(1)
  end
  print(string.format("table ok: %d live rows", live))
end

local function put(path, a)
  local function opt(v, num)
    if v == nil or v == "-" then return nil end
    if num == "int" then return math.tointeger(tonumber(v)) end
    if num == "float" then return tonumber(v) + 0.0 end
    return v
  end
  local db = assert(store.open(path))
  local rec = {id = a[1], firstName = a[2], lastName = a[3], gender = a[4],
    finaAge = opt(a[5], "int"), hsGradYear = opt(a[6], "int"),
    springboardRating = opt(a[7], "float"), platformRating = opt(a[8], "float"),
    totalRating = opt(a[9], "float")}
  local r, msg = db:create(rec)
  if not r then die("create " .. a[1] .. ": " .. tostring(msg)) end
  if a[10] == "deleted" then assert(db:delete(a[1], r._version)) end
  db:close()
end

if cmd == "oracle" then
  if not arg[6] then die("usage: oracle URL FIRST LAST DATE OUT [LINKED_FILE]") end
  oracle(arg[2], arg[3], arg[4], arg[5], arg[6], arg[7])
elseif cmd == "rows" then
  for _, r in ipairs(all_rows(arg[2])) do print(row_line(r, true)) end
elseif cmd == "cmp" then
  cmp(arg[2], arg[3], arg[4])
elseif cmd == "put" then
  put(arg[2], {table.unpack(arg, 3, 12)})
else
  die("unknown command " .. tostring(cmd))
end
