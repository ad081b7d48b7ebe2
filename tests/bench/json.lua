-- Benchmark for dm.json: MB/s for encode and decode of a realistic record list (diver
-- profiles shaped like dm.divemeets.parse output), with lua-cjson alongside for scale.
-- Run: build/dmhost tests/bench/json.lua [records]   (prints figures; not a test)
local json = require("dm.json")
local ok_cjson, cjson = pcall(require, "cjson")

local N = tonumber(arg and arg[1]) or 2000

local function clock()
  local ok, host = pcall(require, "dm.core.host")
  if ok and host.now then return host.now() / 1000 end
  return os.clock()
end

-- Deterministic pseudo-random records.
local seed = 42
local function rnd(n)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % n
end

local DIVES = {"101B", "103C", "201A", "303C", "5337D", "107B", "403B", "6243D"}
local NAMES = {"Avery", "Jordan", "José", "Mary-Kate", "Juan", "Li", "Søren", "Zoë"}
local SURN = {"Testdiver", "O'Brien", "de la Cruz", "Smith Jr.", "Nguyễn", "Müller"}

local records = {}
for i = 1, N do
  local stats = {}
  for k = 1, 10 + rnd(30) do
    local high = (rnd(200) + 100) / 4
    stats[k] = {
      number = DIVES[rnd(#DIVES) + 1], height = ({1, 3, 5, 7.5, 10})[rnd(5) + 1],
      description = "Forward Dive Pike, with a fairly long description " .. k,
      high_score = high, avg_score = high - rnd(40) / 8, times = rnd(20) + 1,
      high_score_url = "https://secure.meetcontrol.com/divemeets/system/judgesscoresext.php?"
        .. "meetnum=" .. rnd(99999) .. "&dvrnum=" .. (100000 + i),
      avg_score_url = "https://secure.meetcontrol.com/divemeets/system/diversdives.php?dvrnum="
        .. (100000 + i),
    }
  end
  local first, last = NAMES[rnd(#NAMES) + 1], SURN[rnd(#SURN) + 1]
  records[i] = {
    kind = "profile", warnings = json.array(),
    info = {name = first .. " " .. last, first_name = first, last_name = last,
            city_state = "Austin, TX", country = "US", gender = rnd(2) == 0 and "M" or "F",
            age = 12 + rnd(10), fina_age = 12 + rnd(10), hs_grad_year = 2025 + rnd(6),
            divemeets_id = 100000 + i},
    stats = stats,
  }
end

local function bench(label, bytes, fn)
  fn() -- warm up
  local iters, t0 = 0, clock()
  local elapsed
  repeat
    fn()
    iters = iters + 1
    elapsed = clock() - t0
  until elapsed >= 1.0
  local mbps = bytes * iters / elapsed / 1e6
  print(string.format("%-36s %8.1f MB/s  (%d x %.2f MB in %.2f s)", label, mbps, iters,
                      bytes / 1e6, elapsed))
end

local text = json.encode(records)
local pretty = json.encode(records, {pretty = true})
print(string.format("%d records, %.2f MB compact, %.2f MB pretty (%s)", N, #text / 1e6,
                    #pretty / 1e6, _VERSION))

bench("dm.json encode (sort_keys)", #text, function() json.encode(records) end)
bench("dm.json encode (sort_keys=false)", #text,
      function() json.encode(records, {sort_keys = false}) end)
bench("dm.json encode pretty", #pretty, function() json.encode(records, {pretty = true}) end)
bench("dm.json decode", #text, function() json.decode(text) end)
bench("dm.json decode pretty", #pretty, function() json.decode(pretty) end)
if ok_cjson then
  local ctext = cjson.encode(records)
  bench("lua-cjson encode (for scale)", #ctext, function() cjson.encode(records) end)
  bench("lua-cjson decode (for scale)", #text, function() cjson.decode(text) end)
end

local shared = os.getenv("DM_SHARED")
local f = shared and io.open(shared .. "/reference/diveTable.json")
if f then
  local dt = f:read("a")
  f:close()
  bench("dm.json decode diveTable.json", #dt, function() assert(json.decode(dt)) end)
end
