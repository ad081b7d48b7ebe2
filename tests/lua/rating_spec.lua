-- dm.rating: the skill rating as job code and the REPL use it (the C core has its own tests in
-- tests/c/test_rating.c; this checks the Lua surface: shapes, policy, caching, bad input).
local rating = require("dm.rating")
local rules = require("dm.rules")

local function row(number, height, avg, times)
  return {number = number, height = height, avg_score = avg, times = times}
end

-- A throwaway dive table file; returns its path.
local function temp_table(lines)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write("# test table\ncode\tname\t1m\t3m\t5m\t7.5m\t10m\n", table.concat(lines, "\n"), "\n")
  f:close()
  return path
end

local function shuffled(t, seed)
  local copy = table.move(t, 1, #t, 1, {})
  local x = seed
  for i = #copy, 2, -1 do
    x = (x * 1103515245 + 12345) % 2147483648
    local j = x % i + 1
    copy[i], copy[j] = copy[j], copy[i]
  end
  return copy
end

describe("dm.rating", function()
  -- The real table: 101B 1.3 @1m, 103B 1.7 @1m, 201B 1.6 @1m, 105B 2.3 @10m, 612B 1.9 @10m.
  local stats = {
    row("101B", 1, 10.0, 4),  -- skill 13.0, weight 1.01 - 1/4 = 0.76 -> 9.88 (group 1 best)
    row("103B", 1, 6.0, 2),   -- skill 10.2, weight 0.51 -> 5.202 (sixth: group 1's second)
    row("201B", 1, 5.0, 10),  -- skill 8.0, weight 0.91 -> 7.28 (group 2 best)
    row("105B", 10, 8.0, 5),  -- skill 18.4, weight 0.81 -> 14.904 (platform group 1 best)
    row("612B", 10, 10.0, 100), -- skill 19.0: best armstand, not counted by the app
  }

  it("computes the app's rating (arithmetic in the comments)", function()
    local r = rating.compute(stats)
    -- 1 m = 9.88 + 7.28 + 5.202 = 22.362; platform = 14.904; total = 37.266
    assert.is_near(22.362, r.events["1m"].value, 1e-9)
    assert.is_near(0, r.events["3m"].value, 1e-12)
    assert.is_near(22.362, r.springboard, 1e-9)
    assert.is_near(14.904, r.platform, 1e-9)
    assert.is_near(37.266, r.total, 1e-9)
    assert.is_false(r.empty)
    assert.are.equal(0, r.unknown_dd)
    assert.are.equal(0, r.ignored)
    assert.are.same({}, r.warnings)
  end)

  it("describes every chosen dive", function()
    local r = rating.compute(stats)
    local dives = r.events["1m"].dives
    assert.are.equal(3, #dives)
    local d = dives[1]
    assert.are.equal("101B", d.number)
    assert.are.equal(1, d.height)
    assert.are.equal("integer", math.type(d.height))
    assert.are.equal(10.0, d.avg_score)
    assert.are.equal(1.3, d.dd)
    assert.are.equal(4, d.times)
    assert.are.equal(1, d.group)
    assert.is_false(d.sixth)
    assert.is_near(9.88, d.value, 1e-9)
    assert.is_near(13.0, d.skill, 1e-9)
    assert.is_near(0.76, d.weight, 1e-12)
    assert.are.equal("201B", dives[2].number)
    assert.are.equal("103B", dives[3].number)
    assert.is_true(dives[3].sixth)
    assert.are.same({}, r.events["3m"].dives)
    assert.are.equal(1, #r.events.platform.dives)
  end)

  it("counts the best armstand dive only when the policy says so", function()
    local r = rating.compute(stats, {count_armstand_best = true})
    -- platform = 14.904 + 612B 19.0 x (1.01 - 1/100) = 14.904 + 19.0 = 33.904
    assert.is_near(33.904, r.platform, 1e-9)
    assert.are.equal("612B", r.events.platform.dives[2].number)
  end)

  it("does not depend on row order (defect 19)", function()
    -- skill values 8, 10, 9 with DD 2.0: the app gave 16.38 or 17.29 depending on the order
    local path = temp_table({"103B\tx\t2.0", "103C\tx\t2.0", "105B\tx\t2.0"})
    local policy = {dive_table_path = path}
    local a = {row("103B", 1, 4.0, 10), row("105B", 1, 5.0, 10), row("103C", 1, 4.5, 10)}
    local b = {a[3], a[2], a[1]}
    local ra, rb = rating.compute(a, policy), rating.compute(b, policy)
    -- best 105B 10 x 0.91 + sixth 103C 9 x 0.91 = 17.29, both orders
    assert.is_near(17.29, ra.total, 1e-9)
    assert.are.same(ra, rb)
    os.remove(path)
  end)

  it("gives identical results for shuffled rows", function()
    local many = {}
    for i = 1, 40 do
      local codes = {"101B", "103B", "105B", "201B", "203B", "301B", "401B", "5132D", "612B"}
      many[i] = row(codes[i % #codes + 1], ({1, 3, 5, 7.5, 10})[i % 5 + 1], (i * 7) % 10,
                    i % 4 + 1)
    end
    -- warnings name row positions, which move with the rows: compare their count only
    local function without_warnings(r)
      local n = #r.warnings
      r.warnings = nil
      return r, n
    end
    local want, nwarn = without_warnings(rating.compute(many))
    assert.are.equal(2, nwarn) -- 612B at 1 m and 3 m
    for seed = 1, 30 do
      local got, n = without_warnings(rating.compute(shuffled(many, seed)))
      assert.are.same(want, got)
      assert.are.equal(nwarn, n)
    end
  end)

  it("gives a defined result for an empty table, flagged empty", function()
    local r = rating.compute({})
    assert.is_true(r.empty)
    assert.are.equal(0.0, r.springboard)
    assert.are.equal(0.0, r.platform)
    assert.are.equal(0.0, r.total)
    assert.are.same({value = 0.0, dives = {}}, r.events["1m"])
  end)

  it("ignores times = 0 and malformed rows with a warning, and counts unknown DDs", function()
    local r = rating.compute({
      row("101B", 1, 10.0, 0),   -- times 0: ignored (the app divided by zero)
      row("103B", 1, 6.0, 2),    -- the only candidate: 10.2 x 0.51 = 5.202
      row("109Z", 1, 9.0, 3),    -- unknown code: DD 0, counted
      row("612B", 1, 9.0, 3),    -- armstand has no DD at 1 m: DD 0, counted
      row("812B", 1, 9.0, 3),    -- no group 8: ignored
      {number = "101B", height = "x", avg_score = 1, times = 1},
      {number = "101B", height = 1, avg_score = 1, times = 1.5},
      "not a row",
      {number = "101B", height = 1, avg_score = 10, times = 4.0,  -- a float count is fine
       description = "Forward Dive Pike", high_score = 21.0,       -- parser fields are ignored
       high_score_url = "https://x/", avg_score_url = "https://y/"},
    })
    -- 101B (4.0 times) is now group 1's best: 9.88; 103B the sixth: 5.202 -> 15.082
    assert.is_near(15.082, r.total, 1e-9)
    assert.is_false(r.empty)
    assert.are.equal(2, r.unknown_dd)
    assert.are.equal(1, r.unknown_code)
    assert.are.equal(1, r.unknown_height)
    assert.are.equal(5, r.ignored)
    assert.are.equal(7, #r.warnings)
    local all = table.concat(r.warnings, "\n")
    assert.matches("stats%[1%] 101B at 1 m: times is below 1: row ignored", all)
    assert.matches("stats%[3%] 109Z at 1 m: unknown dive code: DD 0", all)
    assert.matches("stats%[4%] 612B at 1 m: no DD for this dive at this height: DD 0", all)
    assert.matches("stats%[5%] 812B at 1 m: dive number does not start with 1%-6", all)
    assert.matches("stats%[6%]: height is missing or not a number", all)
    assert.matches("stats%[7%]: times is missing or not a whole number", all)
    assert.matches("stats%[8%]: not a table", all)
  end)

  it("flags a table whose every row is ignored as empty", function()
    local r = rating.compute({row("101B", 1, 10.0, 0), row("101B", 3, 10.0, 0)})
    assert.is_true(r.empty)
    assert.are.equal(0.0, r.total)
  end)

  it("looks up DDs, 0 and no name when unknown", function()
    assert.are.same({1.3, "Forward Dive Pike"}, {rating.dd("101B", 1)})
    assert.are.same({1.5, "Forward Dive Pike"}, {rating.dd("101B", 7.5)})
    assert.are.same({0.0, "Forward Dive Pike"}, {rating.dd("101B", 2)})
    assert.are.same({0.0}, {rating.dd("999B", 1)})
    assert.has_error(function() rating.dd(nil, 1) end)
  end)

  it("has defaults equal to rules/rating.lua, which reproduce the app", function()
    local file = rules.load(rules.path("rating.lua"))
    assert.are.same(file, rating.policy())
    assert.are.same({times_weight_base = 1.01, event_1m_max_height_m = 1,
                     event_3m_max_height_m = 3, count_armstand_best = false,
                     dive_table_path = "rules/dive_table.tsv"}, rating.policy())
    -- an explicit empty policy falls back to the same built-in app values
    assert.are.same(rating.compute(stats), rating.compute(stats, {}))
  end)

  it("applies the policy knobs", function()
    -- base 1.5: 13 x 1.25 + 8 x 1.4 + 10.2 x 1.0 = 16.25 + 11.2 + 10.2 = 37.65 on 1 m
    assert.is_near(37.65, rating.compute(stats, {times_weight_base = 1.5}).springboard, 1e-9)
    -- 10 m rows count as springboard when the 3 m event reaches 10 m
    local r = rating.compute(stats, {event_3m_max_height_m = 10})
    assert.is_near(14.904, r.events["3m"].value, 1e-9)
    assert.are.equal(0.0, r.platform)
  end)

  it("refuses a bad policy with a message naming the field", function()
    assert.has_error(function() rating.compute(stats, {times_weight_bse = 1.01}) end,
      "dm.rating: unknown policy field 'times_weight_bse'")
    assert.has_error(function() rating.compute(stats, {times_weight_base = "1.01"}) end,
      "dm.rating: policy.times_weight_base must be a number (got string)")
    assert.has_error(function() rating.compute(stats, {count_armstand_best = 1}) end,
      "dm.rating: policy.count_armstand_best must be a boolean (got number)")
    assert.has_error(function() rating.compute(stats, {times_weight_base = 0.5}) end)
    assert.has_error(function()
      rating.compute(stats, {event_1m_max_height_m = 5, event_3m_max_height_m = 3})
    end)
    assert.has_error(function() rating.compute("stats") end)
  end)

  it("raises a clear error for a missing or malformed dive table (never silent zeros)", function()
    local ok, err = pcall(rating.compute, stats, {dive_table_path = "/nonexistent/t.tsv"})
    assert.is_false(ok)
    assert.matches("/nonexistent/t.tsv: cannot open the dive table", err)
    local path = temp_table({"101B\tx\t1.3", "101C\tx\t1,2"})
    ok, err = pcall(rating.compute, stats, {dive_table_path = path})
    assert.is_false(ok)
    assert.matches(":4: dive 101C, column 1m: bad DD '1,2'", err, 1, true)
    os.remove(path)
  end)

  it("caches a table until reload()", function()
    local path = temp_table({"101B\tx\t2.0"})
    local policy = {dive_table_path = path}
    assert.are.equal(2.0, (rating.dd("101B", 1, policy)))
    local f = assert(io.open(path, "w"))
    f:write("code\tname\t1m\t3m\t5m\t7.5m\t10m\n101B\tx\t3.0\n")
    f:close()
    assert.are.equal(2.0, (rating.dd("101B", 1, policy)))
    rating.reload()
    assert.are.equal(3.0, (rating.dd("101B", 1, policy)))
    os.remove(path)
  end)
end)
