-- repl_helpers_spec: profile/explain/rating/site of dm.repl_helpers against the saved pages in
-- tests/fixtures/profiles/ and against the test page server (fixtures and generated pages):
-- what they print, what they return, and one clear line for every expected failure.
local helpers = require "dm.repl_helpers"
local divemeets = require "dm.divemeets"
local rating = require "dm.rating"
local json = require "dm.json"

local FIXTURES = "tests/fixtures/profiles"
local function fixture(id) return FIXTURES .. "/" .. id .. ".html" end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Runs fn(...) with the helpers' output captured; returns out, err, n, results...
local function capture(fn, ...)
  local out, err = {}, {}
  local old_out, old_err = helpers.out, helpers.err
  helpers.out = function(s) out[#out + 1] = s end
  helpers.err = function(s) err[#err + 1] = s end
  local res = table.pack(pcall(fn, ...))
  helpers.out, helpers.err = old_out, old_err
  assert(res[1], res[2])
  return table.concat(out), table.concat(err), res.n - 1, table.unpack(res, 2, res.n)
end

local function has(text, plain)
  if not text:find(plain, 1, true) then
    error(string.format("expected to find %q in:\n%s", plain, text), 2)
  end
end

-- One clear line, no traceback, nothing returned.
local function one_line_failure(err, n, out, pattern)
  assert.equal(0, n)
  assert.equal("", out)
  local _, lines = err:gsub("\n", "")
  assert.equal(1, lines, err)
  assert.is_nil(err:find("traceback", 1, true), err)
  assert.is_nil(err:find("%.lua:%d+:"), err)
  if pattern then has(err, pattern) end
end

describe("dm.repl_helpers with saved pages", function()
  local old_http
  setup(function()
    old_http = helpers.http
    helpers.http = {retries = 0, timeout_ms = 5000}
  end)
  teardown(function() helpers.http = old_http end)

  it("profile(file) prints kind, info and a stats table, and returns the parse result", function()
    local out, err, n, r = capture(helpers.profile, fixture(900001))
    assert.equal("", err)
    assert.equal(1, n)
    assert.same(divemeets.parse(read(fixture(900001))), setmetatable(r, nil))
    assert.equal("profile", r.kind)
    assert.equal("Avery Q Testdiver", r.info.name)
    has(out, "kind      profile   from file " .. fixture(900001))
    has(out, "first_name    Avery Q\n")
    has(out, "last_name     Testdiver\n")
    has(out, "fina_age      17\n")
    has(out, "stats     3 rows\n")
    -- the table: one line per row with number, height, description, high, avg, times
    assert.truthy(out:find("\n%s+1  101B%s+1 m  Forward Dive Pike%s+21%.00%s+19%.25%s+4\n"), out)
    assert.truthy(out:find("\n%s+3  107C%s+7%.5 m  Forward 3 1/2 Somersault Tuck%s+58%.80%s+"
      .. "51%.10%s+2\n"), out)
  end)

  it("profile's result shows as a one-line summary in the REPL", function()
    local _, _, _, r = capture(helpers.profile, fixture(900001))
    local pretty = require("dm.repl").pretty
    assert.equal("<profile 654321 Avery Q Testdiver: 3 stats rows>", pretty(r))
    local _, _, _, g = capture(helpers.profile, fixture(900016))
    assert.equal("<no_profile: 0 stats rows>", pretty(g))
  end)

  it("profile shows absent fields, a page without statistics and 150-row tables", function()
    local out = capture(helpers.profile, fixture(900015))
    has(out, "fina_age      -\n")
    has(out, "stats     none (no Dive Statistics table)")
    local out2, _, _, r2 = capture(helpers.profile, fixture(900013))
    assert.equal(150, #r2.stats)
    has(out2, "stats     150 rows\n")
    assert.truthy(out2:find("\n%s+150  5231D%s+10 m"), "row 150 is shown")
    local out3 = capture(helpers.profile, fixture(900016))
    has(out3, "kind      no_profile")
    has(out3, "no diver profile at this id")
  end)

  it("a missing file, a blocked page or a bad argument print one line and return nothing",
    function()
      local out, err, n = capture(helpers.profile, "/nonexistent/dir/9.html")
      one_line_failure(err, n, out, "profile: cannot read /nonexistent/dir/9.html")
      for _, id in ipairs({900018, 900026, 900027}) do
        for _, fname in ipairs({"profile", "explain", "rating"}) do
          out, err, n = capture(helpers[fname], fixture(id))
          one_line_failure(err, n, out, fname .. ": " .. fixture(id) .. ": blocked")
        end
      end
      out, err, n = capture(helpers.profile, 1.5)
      one_line_failure(err, n, out, "1.5 is not a DiveMeets id")
      out, err, n = capture(helpers.rating, true)
      one_line_failure(err, n, out, "expected a DiveMeets id (number), a saved page")
    end)

  it("explain says which rule decided and why (FINA age, graduation year, neither)", function()
    local _
    local out, err, n, e = capture(helpers.explain, fixture(900001), "2026-12-02")
    assert.equal("", err)
    assert.equal(1, n)
    assert.is_true(e.eligible)
    assert.equal("fina_age", e.rule)
    has(out, "654321 Avery Q Testdiver: eligible by fina_age: FINA age 17 is within 14-18\n")
    has(out, "rules for run date 2026-12-02: eligible if FINA age is 14-18, or else if the "
      .. "graduation year is 2027-2031")
    has(out, "decided by: the FINA age window")
    assert.equal("<eligible (fina_age)>", require("dm.repl").pretty(e))

    -- 900002: no FINA age, graduation year 2027
    out, _, _, e = capture(helpers.explain, fixture(900002), "2026-12-02")
    assert.is_true(e.eligible)
    assert.equal("hs_grad_year", e.rule)
    has(out, "no FINA age; graduation year 2027 is within 2027-2031 (run date 2026-12-02)")
    has(out, "decided by: the graduation-year window")
    -- the same page, run date 2023-11-30: the original's fixed window 2024-2028
    out, _, _, e = capture(helpers.explain, fixture(900002), "2023-11-30")
    assert.is_true(e.eligible)
    has(out, "graduation year 2027 is within 2024-2028 (run date 2023-11-30)")
    -- run date 2020-01-01: window 2020-2024, so 2027 is outside
    out, _, _, e = capture(helpers.explain, fixture(900002), "2020-01-01")
    assert.is_false(e.eligible)
    assert.equal("none", e.rule)
    has(out, "not eligible: no FINA age; graduation year 2027 is outside 2020-2024")
    has(out, "decided by: no rule matched")

    -- 900014: FINA age 19, no graduation year
    out, _, _, e = capture(helpers.explain, fixture(900014), "2026-12-02")
    assert.is_false(e.eligible)
    has(out, "FINA age 19 is outside 14-18; no graduation year")
    -- 900015: neither field
    out = capture(helpers.explain, fixture(900015), "2026-12-02")
    has(out, "neither a FINA age nor a graduation year on the profile")
    -- a FINA-age-19 senior is kept by the graduation year; a parse result is accepted too
    out, _, _, e = capture(helpers.explain, {kind = "profile",
      info = {name = "Kept Senior", fina_age = 19, hs_grad_year = 2027}}, "2026-12-02")
    assert.is_true(e.eligible)
    assert.equal("hs_grad_year", e.rule)
    has(out, "Kept Senior: eligible by hs_grad_year: FINA age 19 is outside 14-18; graduation "
      .. "year 2027 is within 2027-2031")
    -- no profile at all
    out, _, _, e = capture(helpers.explain, fixture(900016), "2026-12-02")
    assert.is_false(e.eligible)
    has(out, "not eligible: the page is not a diver profile (no_profile)")
  end)

  it("explain defaults to today in America/New_York", function()
    local today = require("dm.core.time").today("America/New_York")
    local out, _, _, e = capture(helpers.explain, fixture(900001))
    assert.equal(today, e.run_date)
    has(out, "rules for run date " .. today)
  end)

  it("explain: a bad date or a missing file is one line", function()
    local out, err, n = capture(helpers.explain, fixture(900001), "2026-13-01")
    one_line_failure(err, n, out, 'explain: bad date "2026-13-01"')
    out, err, n = capture(helpers.explain, fixture(900001), 20261201)
    one_line_failure(err, n, out, "the date must be a string")
    out, err, n = capture(helpers.explain, "missing.html", "2026-12-02")
    one_line_failure(err, n, out, "explain: cannot read missing.html")
  end)

  it("rating shows the chosen dives with avg x DD x (1.01 - 1/times) = value, and totals",
    function()
      local out, err, n, r = capture(helpers.rating, fixture(900001))
      assert.equal("", err)
      assert.equal(1, n)
      -- by hand (rules/dive_table.tsv: 101B 1 m 1.3, 5231D 3 m 2.0, 107C 7.5 m 2.8):
      --   1 m:      19.25 x 1.3 x (1.01 - 1/4) = 19.25 x 1.3 x 0.76     = 19.019
      --   3 m:      38.50 x 2.0 x (1.01 - 1/7) = 77.0 x 0.867142857...  = 66.77
      --   platform: 51.10 x 2.8 x (1.01 - 1/2) = 143.08 x 0.51          = 72.9708
      local m1, m3, pf = 19.25 * 1.3 * 0.76, 38.5 * 2.0 * (1.01 - 1 / 7), 51.1 * 2.8 * 0.51
      assert.near(m1 + m3, r.springboard, 1e-9)
      assert.near(pf, r.platform, 1e-9)
      assert.near(m1 + m3 + pf, r.total, 1e-9)
      has(out, "rating of 654321 Avery Q Testdiver (3 stats rows)\n")
      has(out, "1m: 1 stats row, 1 dive chosen, value 19.02\n")
      assert.truthy(out:find("101B%s+1 m  best front%s+19%.25 x 1%.3 x %(1%.01 %- 1/4 = 0%.7600%)"
        .. " =%s+19%.02\n"), out)
      assert.truthy(out:find("5231D%s+3 m  best twist%s+38%.50 x 2%.0 x %(1%.01 %- 1/7 = "
        .. "0%.8671%) =%s+66%.77\n"), out)
      assert.truthy(out:find("107C%s+7%.5 m  best front%s+51%.10 x 2%.8 x %(1%.01 %- 1/2 = "
        .. "0%.5100%) =%s+72%.97\n"), out)
      has(out, "springboard = 1m + 3m = 19.02 + 66.77 = 85.79\n")
      has(out, "platform    = 72.97\n")
      has(out, "total       = springboard + platform = 85.79 + 72.97 = 158.76\n")
      assert.equal("<total 158.76 = springboard 85.79 + platform 72.97>",
        require("dm.repl").pretty(r))
    end)

  it("rating agrees with dm.rating.compute on every fixture with statistics", function()
    for id = 900001, 900028 do
      local page = divemeets.parse(read(fixture(id)))
      if page.kind == "profile" and page.stats and #page.stats > 0 then
        local want = rating.compute(page.stats)
        local out, err, n, r = capture(helpers.rating, fixture(id))
        assert.equal("", err, "fixture " .. id)
        assert.equal(1, n)
        assert.same(want, setmetatable(r, nil), "fixture " .. id)
        -- every chosen dive has its arithmetic line
        for _, ev in pairs(want.events) do
          for _, d in ipairs(ev.dives) do
            has(out, string.format("x (1.01 - 1/%d = %.4f)", d.times, d.weight))
          end
        end
      end
    end
  end)

  it("rating: the sixth dive, unknown DDs and the armstand note", function()
    local out = capture(helpers.rating, fixture(900013))
    has(out, "1m: 30 stats rows, 6 dives chosen")
    assert.truthy(out:find("201A%s+1 m  sixth dive"), out)
    has(out, "warning: stats[32] 612B at 3 m: no DD for this dive at this height: DD 0")
    has(out, "the best armstand dive is not counted")
  end)

  it("rating: nothing to rate is one line", function()
    local out, err, n = capture(helpers.rating, fixture(900015))
    one_line_failure(err, n, out, "no Dive Statistics on this profile")
    out, err, n = capture(helpers.rating, fixture(900016))
    one_line_failure(err, n, out, "no diver profile (no_profile), nothing to rate")
  end)

  it("site() gets and sets the site root; install() sets the globals", function()
    local old = helpers.site()
    assert.equal("http://127.0.0.1:9", helpers.site("http://127.0.0.1:9//"))
    assert.equal("http://127.0.0.1:9", helpers.site())
    assert.has_error(function() helpers.site("ftp://x") end)
    helpers.site(old)
    local env = helpers.install({})
    assert.equal(helpers.profile, env.profile)
    assert.equal(helpers.explain, env.explain)
    assert.equal(helpers.rating, env.rating)
    assert.equal(helpers.site, env.site)
  end)

  it("the default site is the real one, or DM_DIVEMEETS_URL", function()
    local dmhost = (os.getenv("DM_BUILD_DIR") or "build") .. "/dmhost"
    local code = "print(require('dm.repl_helpers').site())"
    local p = assert(io.popen("env -u DM_DIVEMEETS_URL " .. dmhost .. " -e \"" .. code .. "\""))
    assert.equal("https://secure.meetcontrol.com", p:read("l"))
    p:close()
    p = assert(io.popen("DM_DIVEMEETS_URL=http://127.0.0.1:7/ " .. dmhost .. " -e \"" .. code
      .. "\""))
    assert.equal("http://127.0.0.1:7", p:read("l"))
    p:close()
  end)
end)

describe("dm.repl_helpers through the page server", function()
  local support = dofile("tests/lua/support/pageserver.lua")
  local server, faulty, old_site, old_http

  setup(function()
    server = support.start{"--fixtures", FIXTURES, "--year", "2026"}
    faulty = support.start{"--fault-5xx", "100", "--fault-times", "1000"}
    old_site, old_http = helpers.site(), helpers.http
    helpers.site(server.url)
    helpers.http = {retries = 0, timeout_ms = 5000}
  end)
  teardown(function()
    helpers.site(old_site)
    helpers.http = old_http
    if server then server.stop() end
    if faulty then faulty.stop() end
  end)

  it("profile(id) fetches from the site root and prints the page", function()
    local out, err, n, r = capture(helpers.profile, 900001)
    assert.equal("", err)
    assert.equal(1, n)
    assert.equal("Avery Q Testdiver", r.info.name)
    assert.equal(3, #r.stats)
    has(out, "kind      profile   from " .. server.url
      .. "/divemeets/system/profile.php?number=900001 (HTTP 200)")
    assert.truthy(out:find("\n%s+1  101B%s+1 m  Forward Dive Pike"), out)
  end)

  it("generated pages: profile matches the server's truth; rating matches dm.rating", function()
    local http = require "dm.http"
    local checked = 0
    for id = 1, 60 do
      local t = assert(http.get(server.url .. "/divemeets/system/truth.php?number=" .. id))
      local want = assert(json.decode(t.body))
      if want.kind == "profile" then
        local _, err, _, r = capture(helpers.profile, id)
        assert.equal("", err)
        assert.equal(want.info.name, r.info.name, "id " .. id)
        assert.equal(want.info.fina_age, r.info.fina_age, "id " .. id)
        assert.equal(#(want.stats or {}), #(r.stats or {}), "id " .. id)
        if r.stats and #r.stats > 0 then
          local _, rerr, _, rt = capture(helpers.rating, id)
          assert.equal("", rerr)
          assert.same(rating.compute(r.stats), setmetatable(rt, nil))
          checked = checked + 1
        end
      end
    end
    assert.is_true(checked >= 5, "rated " .. checked .. " generated divers")
  end)

  it("explain(id, date) and rating(id) fetch too", function()
    local out, _, _, e = capture(helpers.explain, 900002, "2026-12-02")
    assert.equal("hs_grad_year", e.rule)
    has(out, "900002 ")
    local rout, _, _, r = capture(helpers.rating, 900001)
    assert.near(19.25 * 1.3 * 0.76 + 77 * (1.01 - 1 / 7) + 51.1 * 2.8 * 0.51, r.total, 1e-9)
    has(rout, "total       = springboard + platform = 85.79 + 72.97 = 158.76")
  end)

  it("a blocked page (HTTP 403), a 5xx and a dead server are one line each", function()
    local out, err, n = capture(helpers.profile, 900018)
    one_line_failure(err, n, out, "profile: id 900018: blocked: the site answered with a "
      .. "bot-protection page (HTTP 403)")
    helpers.site(faulty.url)
    out, err, n = capture(helpers.rating, 12)
    one_line_failure(err, n, out, "rating: id 12: fetch failed: http 5")
    helpers.site("http://127.0.0.1:1")
    out, err, n = capture(helpers.explain, 12, "2026-12-02")
    one_line_failure(err, n, out, "explain: id 12: fetch failed: ")
    helpers.site(server.url)
  end)
end)
