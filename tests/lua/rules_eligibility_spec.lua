-- rules_eligibility_spec: worked examples for rules/eligibility.lua, which an analyst can read
-- and extend. Each table row is one example; add rows freely. nil means "not on the profile".
-- Run: ctest -R lua_rules_eligibility (or see rules/README.md).
local rules = require "dm.rules"

-- The graduation-year window computed from the run date (both ends included).
local windows = {
  -- run date      first  last
  {"2023-11-30",   2024,  2028}, -- the original's fixed window, for its own run date
  {"2026-12-02",   2027,  2031},
  {"2026-06-15",   2026,  2030}, -- before August the class of 2026 are still seniors
  {"2026-07-31",   2026,  2030},
  {"2026-08-01",   2027,  2031}, -- the school year starts in August
  {"2027-01-05",   2027,  2031},
  {"2024-02-29",   2024,  2028},
}

-- Who is eligible on a run date.
local examples = {
  -- run date     FINA age  grad year  eligible  rule             why
  {"2023-11-30",  16,       nil,       true,     "fina_age"},     -- in the FINA window
  {"2023-11-30",  14,       nil,       true,     "fina_age"},     -- lower bound included
  {"2023-11-30",  18,       nil,       true,     "fina_age"},     -- upper bound included
  {"2023-11-30",  13,       nil,       false,    "none"},         -- too young, no grad year
  {"2023-11-30",  19,       nil,       false,    "none"},         -- too old, no grad year
  {"2023-11-30",  19,       2024,      true,     "hs_grad_year"}, -- a FINA-age-19 senior: kept
  {"2023-11-30",  nil,      2024,      true,     "hs_grad_year"}, -- first year of the window
  {"2023-11-30",  nil,      2028,      true,     "hs_grad_year"}, -- last year of the window
  {"2023-11-30",  nil,      2023,      false,    "none"},         -- already graduated
  {"2023-11-30",  nil,      2029,      false,    "none"},         -- too young
  {"2023-11-30",  nil,      nil,       false,    "none"},         -- neither field
  {"2023-11-30",  25,       2015,      false,    "none"},         -- an adult
  {"2026-12-02",  nil,      2026,      false,    "none"},         -- graduated in June 2026
  {"2026-12-02",  nil,      2027,      true,     "hs_grad_year"},
  {"2026-12-02",  nil,      2031,      true,     "hs_grad_year"},
  {"2026-12-02",  nil,      2032,      false,    "none"},
  {"2026-12-02",  12,       2031,      true,     "hs_grad_year"}, -- FINA too young, year in
  {"2026-12-02",  16,       2040,      true,     "fina_age"},     -- FINA age decides first
  {"2026-06-15",  nil,      2026,      true,     "hs_grad_year"}, -- still a senior in June
}

describe("rules/eligibility.lua", function()
  it("loads and passes its schema", function()
    local r = rules.load(rules.path("eligibility.lua"), rules.ELIGIBILITY_SCHEMA)
    assert.same({min = 14, max = 18}, r.fina_age)
  end)

  for _, w in ipairs(windows) do
    it(string.format("a run on %s looks at graduation years %d-%d", w[1], w[2], w[3]), function()
      local c = rules.eligibility(w[1])
      assert.same({first = w[2], last = w[3]}, c.hs_grad_year)
    end)
  end

  for _, e in ipairs(examples) do
    local name = string.format("on %s, FINA age %s, graduation year %s: %s (%s)", e[1],
      tostring(e[2]), tostring(e[3]), e[4] and "eligible" or "not eligible", e[5])
    it(name, function()
      local c = rules.eligibility(e[1])
      local eligible, rule, reason = c.check({fina_age = e[2], hs_grad_year = e[3]})
      assert.equal(e[4], eligible)
      assert.equal(e[5], rule)
      assert.is_string(reason)
      -- the record's field names work the same way
      assert.equal(e[4], (c.check({finaAge = e[2], hsGradYear = e[3]})))
    end)
  end

  it("says why", function()
    local c = rules.eligibility("2023-11-30")
    assert.same({true, "fina_age", "FINA age 16 is within 14-18"},
      {c.check({fina_age = 16})})
    assert.same({true, "hs_grad_year", "FINA age 19 is outside 14-18; graduation year 2024 is "
      .. "within 2024-2028 (run date 2023-11-30)"}, {c.check({fina_age = 19, hs_grad_year = 2024})})
    assert.same({false, "none", "neither a FINA age nor a graduation year on the profile"},
      {c.check({})})
    assert.same({false, "none", "no FINA age; graduation year 2030 is outside 2024-2028 "
      .. "(run date 2023-11-30)"}, {c.check({hs_grad_year = 2030})})
  end)

  it("refuses a bad run date", function()
    assert.has_error(function() rules.eligibility("2023-11-31") end)
    assert.has_error(function() rules.eligibility("11/30/2023") end)
  end)
end)

describe("dm.rules.explain", function()
  local ctx = {run_date = "2023-11-30"}

  it("explains a parsed profile", function()
    local profile = {kind = "profile", info = {divemeets_id = 12345, name = "Avery Q Testdiver",
      fina_age = 19, hs_grad_year = 2024}}
    local text, eligible, rule = rules.explain(profile, ctx)
    assert.equal("12345 Avery Q Testdiver: eligible by hs_grad_year: FINA age 19 is outside "
      .. "14-18; graduation year 2024 is within 2024-2028 (run date 2023-11-30)", text)
    assert.is_true(eligible)
    assert.equal("hs_grad_year", rule)
  end)

  it("explains pages that are not profiles, and profiles without information", function()
    assert.equal("not eligible: the page is not a diver profile (no_profile)",
      (rules.explain({kind = "no_profile"}, ctx)))
    assert.equal("not eligible: no personal information on the profile",
      (rules.explain({kind = "profile"}, ctx)))
    local text, eligible, rule = rules.explain({name = "Pat Doe"}, ctx) -- a bare info table
    assert.equal("Pat Doe: not eligible: neither a FINA age nor a graduation year on the profile",
      text)
    assert.is_false(eligible)
    assert.equal("none", rule)
  end)

  it("accepts a checker or a rules table as the context", function()
    local c = rules.eligibility("2026-12-02")
    assert.is_true(select(2, rules.explain({hs_grad_year = 2031}, c)))
    local strict = {fina_age = {min = 15, max = 16},
      hs_grad_year = {school_year_start_month = 9, classes = 1},
      grad_year_window = function(y, m, hs)
        local first = m >= hs.school_year_start_month and y + 1 or y
        return first, first + hs.classes - 1
      end}
    -- 2026-08-15 is before a September start: the window is the class of 2026 alone
    local _, eligible, rule = rules.explain({fina_age = 14, hs_grad_year = 2026},
      {run_date = "2026-08-15", eligibility = strict})
    assert.is_true(eligible)
    assert.equal("hs_grad_year", rule)
    assert.is_false(select(2, rules.explain({fina_age = 14, hs_grad_year = 2027},
      {run_date = "2026-08-15", eligibility = strict})))
  end)
end)
