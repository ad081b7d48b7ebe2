-- Benchmark for dm.store.sqlite and the eligibility checker: creates per second in and out of
-- a batch, listing, get + same() (the "unchanged" path of a re-run), eligibility checks.
-- Run: build/dmhost tests/bench/store_sqlite.lua [records]   (prints figures; not a test)
local store = require "dm.store.sqlite"
local time = require "dm.core.time"
local rules = require "dm.rules"

local N = tonumber(arg and arg[1]) or 10000

local function rec(i)
  return {id = tostring(100000 + i), firstName = "Avery Q", lastName = "Testdiver", gender = "F",
    finaAge = 16, hsGradYear = 2027, springboardRating = i / 7, platformRating = i / 11,
    totalRating = i / 7 + i / 11}
end

local function fresh()
  local path = os.tmpname()
  os.remove(path)
  return path, assert(store.open(path))
end

local function report(what, n, ms)
  print(string.format("%-34s %8d  %9.1f us each  %10.0f /s", what, n, ms * 1000 / n,
    n / math.max(ms, 0.001) * 1000))
end

-- Unbatched: every write is its own transaction (fsync); a few hundred are enough to measure.
do
  local path, db = fresh()
  local n = math.min(N, 300)
  local t0 = time.mono_ms()
  for i = 1, n do assert(db:create(rec(i))) end
  report("create, no batch", n, time.mono_ms() - t0)
  db:close()
  os.remove(path)
end

do
  local path, db = fresh()
  local t0 = time.mono_ms()
  assert(db:begin())
  for i = 1, N do assert(db:create(rec(i))) end
  assert(db:commit())
  report("create, one batch", N, time.mono_ms() - t0)

  t0 = time.mono_ms()
  local c = 0
  for _ in db:list() do c = c + 1 end
  assert(c == N)
  report("list (pages of 1000)", N, time.mono_ms() - t0)

  t0 = time.mono_ms()
  for i = 1, N do assert(store.same(db:get(tostring(100000 + i)), rec(i))) end
  report("get + same (unchanged re-run)", N, time.mono_ms() - t0)

  t0 = time.mono_ms()
  assert(db:begin())
  for i = 1, N do
    local r = rec(i)
    r.finaAge = 17
    assert(db:update(r, 1))
  end
  assert(db:commit())
  report("update, one batch", N, time.mono_ms() - t0)
  db:close()
  os.remove(path)
end

do
  local c = rules.eligibility("2023-11-30")
  local n = N * 10
  local t0 = time.mono_ms()
  for i = 1, n do c.check({fina_age = 10 + i % 12, hs_grad_year = 2020 + i % 12}) end
  report("eligibility check", n, time.mono_ms() - t0)
end
