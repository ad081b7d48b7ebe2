-- dm.divemeets and dm.html: every hand-made fixture against its expected JSON, the
-- classification rules, options, bad input, fetch through the test page server
-- (fixtures, generated pages, 403 and 5xx faults), and the dm.html REPL API.
local dm = require "dm.divemeets"
local html = require "dm.html"
local json = require "dm.json"

local FIXTURES = "tests/fixtures/profiles"
local ROOT = "https://secure.meetcontrol.com/divemeets/system/"

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function fixture_ids()
  local ids = {}
  local p = assert(io.popen("ls " .. FIXTURES))
  for name in p:lines() do
    local id = name:match("^(%d+)%.html$")
    if id then ids[#ids + 1] = tonumber(id) end
  end
  p:close()
  table.sort(ids)
  return ids
end

-- The contract's part of a result (what truth files hold): kind, info, stats.
local function contract(r)
  return {kind = r.kind, info = r.info, stats = r.stats}
end

local INT_FIELDS = {"age", "fina_age", "hs_grad_year", "divemeets_id"}

-- Every string of a result is valid UTF-8 (results go into JSON).
local function check_utf8(t)
  for _, v in pairs(t) do
    if type(v) == "string" then
      assert.is_truthy(utf8.len(v), "invalid UTF-8: " .. v)
    elseif type(v) == "table" then
      check_utf8(v)
    end
  end
end

local function check_types(r)
  check_utf8(r)
  if r.info then
    for _, k in ipairs(INT_FIELDS) do
      if r.info[k] ~= nil then assert.equal("integer", math.type(r.info[k]), k) end
    end
  end
  for _, s in ipairs(r.stats or {}) do
    assert.equal("integer", math.type(s.times))
    assert.is_number(s.height)
    assert.is_number(s.high_score)
    assert.is_number(s.avg_score)
  end
  assert.is_table(r.warnings)
end

describe("dm.divemeets.parse", function()
  local ids = fixture_ids()

  it("has the hand-made fixtures", function()
    assert.is_true(#ids >= 28)
  end)

  for _, id in ipairs(ids) do
    it("fixture " .. id .. " gives its expected JSON", function()
      local page = read(FIXTURES .. "/" .. id .. ".html")
      local want = assert(json.decode(read(FIXTURES .. "/" .. id .. ".json")))
      local got = dm.parse(page, {id = id})
      assert.same(contract(want), contract(got))
      check_types(got)
      -- warnings: as many as expected, each expected text found in one of them
      assert.equal(#want.warnings, #got.warnings, table.concat(got.warnings, " | "))
      for _, w in ipairs(want.warnings) do
        local found = false
        for _, g in ipairs(got.warnings) do
          if g:find(w, 1, true) then found = true end
        end
        assert.is_true(found, "no warning mentions '" .. w .. "': "
          .. table.concat(got.warnings, " | "))
      end
      -- the href shortcut and the all-gumbo path agree
      assert.same(got, dm.parse(page, {id = id, gumbo_only = true}))
      -- stats = false: the same info, no statistics
      local lean = dm.parse(page, {id = id, stats = false})
      assert.equal(got.kind, lean.kind)
      assert.same(got.info, lean.info)
      assert.is_nil(lean.stats)
    end)
  end

  it("prefixes relative links exactly once with the configured site root", function()
    local page = read(FIXTURES .. "/900001.html")
    local r = dm.parse(page, {site_root = "http://127.0.0.1:9/"})
    for _, s in ipairs(r.stats) do
      local want = "^http://127%.0%.0%.1:9/divemeets/system/judgesscoresext"
      assert.truthy(s.high_score_url:find(want))
      local _, n = s.avg_score_url:gsub("divemeets/system/", "")
      assert.equal(1, n)
    end
    local old = dm.site_root
    dm.site_root = "http://example.test"
    local r2 = dm.parse(page)
    dm.site_root = old
    assert.equal("http://example.test/divemeets/system/"
      .. "diversdives.php?dvrnum=654321&height=1&dive=101B", r2.stats[1].avg_score_url)
    assert.equal(ROOT .. "diversdives.php?dvrnum=654321&height=1&dive=101B",
      dm.parse(page).stats[1].avg_score_url)
  end)

  it("never calls a refused or challenged answer no_profile", function()
    local page = read(FIXTURES .. "/900001.html")
    for _, status in ipairs({403, 404, 429, 500, 503, 301}) do
      local r = dm.parse(page, {status = status})
      assert.equal("blocked", r.kind, status)
      assert.is_nil(r.info)
    end
    assert.equal("profile", dm.parse(page, {status = 200}).kind)
    local challenge = read(FIXTURES .. "/900018.html")
    assert.equal("blocked", dm.parse(challenge, {status = 200}).kind)
    assert.equal("blocked", dm.parse(challenge, {status = 403}).kind)
    assert.equal("blocked", dm.parse("").kind)
    assert.equal("blocked", dm.parse(" \r\n\t ").kind)
    assert.equal("no_profile", dm.parse("<html><body></body></html>").kind)
    assert.equal("no_profile", dm.parse("No such diver.").kind)
  end)

  it("returns a kind and warnings for bad input, never an error", function()
    local junk = {}
    local seed = 12345
    for i = 1, 20000 do
      seed = (seed * 1103515245 + 12345) % 2147483648
      junk[i] = string.char(seed % 256)
    end
    local inputs = {
      table.concat(junk),
      "\0\1\2\3",
      string.rep("<div>", 100000) .. "<strong>Name: </strong>Deep Diver<br>",
      string.rep("<table><tr><td>", 20000) .. "Dive Statistics",
      "<strong>Name: </strong>\255\254\253 \192\128<br><strong>Gender: </strong>F<br></html>",
      read(FIXTURES .. "/900001.html"):sub(1, 1800),
      string.rep(read(FIXTURES .. "/900013.html"), 40), -- about 5 MB
    }
    for i, s in ipairs(inputs) do
      local ok, r = pcall(dm.parse, s, {id = 1})
      assert.is_true(ok, "input " .. i .. ": " .. tostring(r))
      assert.is_string(r.kind)
      check_types(r)
    end
    local deep = dm.parse(inputs[3])
    assert.equal("profile", deep.kind)
    assert.equal("Deep Diver", deep.info.name)
    local bad = dm.parse(inputs[5])
    assert.equal("profile", bad.kind)
    assert.equal("ÿþý À€", bad.info.name) -- bytes that are not UTF-8 read as Windows-1252
    local big = dm.parse(inputs[7])
    assert.equal("profile", big.kind)
    assert.equal(150, #big.stats)
  end)

  it("checks its arguments", function()
    assert.has_error(function() dm.parse(nil) end)
    assert.has_error(function() dm.parse("x", -1) end)
    assert.has_error(function() dm.parse("x", {site_root = 5}) end)
    assert.has_error(function() dm.profile_url("abc") end)
  end)

  it("builds profile URLs", function()
    assert.equal("https://secure.meetcontrol.com/divemeets/system/profile.php?number=56961",
      dm.profile_url(56961))
    assert.equal("http://127.0.0.1:8/divemeets/system/profile.php?number=7",
      dm.profile_url("7", "http://127.0.0.1:8/"))
  end)
end)

describe("dm.divemeets.fetch", function()
  local support = dofile("tests/lua/support/pageserver.lua")
  local server, faulty
  local old_root

  setup(function()
    server = support.start{"--fixtures", FIXTURES, "--year", "2026"}
    faulty = support.start{"--fault-5xx", "50", "--fault-403", "50", "--fault-times", "1000"}
    old_root = dm.site_root
    dm.site_root = server.url
  end)
  teardown(function()
    dm.site_root = old_root
    if server then server.stop() end
    if faulty then faulty.stop() end
  end)

  it("fetches fixtures and generated pages and matches their truth", function()
    local http = require "dm.http"
    for _, id in ipairs({900001, 900010, 900013, 900016, 900017, 1, 2, 3, 5, 17, 123, 4567}) do
      local r, msg = dm.fetch(id, {http = {retries = 0}})
      assert.truthy(r, msg)
      local t = assert(http.get(server.url .. "/divemeets/system/truth.php?number=" .. id))
      local want = assert(json.decode(t.body))
      if want.info and want.stats then
        -- generated truth uses the server's own URL as the site root
        for _, s in ipairs(want.stats) do
          local function rebase(u) return u and (u:gsub("^https?://[^/]+", server.url)) end
          s.high_score_url = rebase(s.high_score_url)
          s.avg_score_url = rebase(s.avg_score_url)
        end
      end
      assert.same(contract(want), contract(r), "id " .. id)
      assert.equal(want.http_status or 200, r.status)
    end
  end)

  it("a 403 challenge is blocked; the stats option is passed on", function()
    local r = assert(dm.fetch(900018))
    assert.equal(403, r.status)
    assert.equal("blocked", r.kind)
    local lean = assert(dm.fetch(900001, {stats = false}))
    assert.equal("profile", lean.kind)
    assert.is_nil(lean.stats)
  end)

  it("5xx is an error, 403 is blocked, a dead server is a transport error", function()
    local seen5xx, seen403 = 0, 0
    for id = 1, 40 do
      local r, msg, code = dm.fetch(id, {site_root = faulty.url, http = {retries = 0}})
      if r == nil then
        assert.equal("http_status", code)
        assert.truthy(msg:find("^http 5%d%d "))
        seen5xx = seen5xx + 1
      elseif r.status == 403 then
        assert.equal("blocked", r.kind)
        seen403 = seen403 + 1
      end
    end
    assert.is_true(seen5xx > 0 and seen403 > 0)
    local r, msg, code = dm.fetch(1, {site_root = "http://127.0.0.1:1", http = {retries = 0}})
    assert.is_nil(r)
    assert.is_string(msg)
    assert.is_string(code)
  end)
end)

describe("dm.html", function()
  local page = read(FIXTURES .. "/900001.html")

  it("selects by tag, attribute and value", function()
    local doc = html.parse(page)
    local links = doc:select("a", "href")
    assert.equal(11, #links)
    assert.equal("profilec.php?number=600001", links[1]:attr("href"))
    assert.equal("Coachman Pat", links[1]:text())
    assert.equal("a", links[1].tag)
    assert.equal(#doc:select("tr", "bgcolor"), 3)
    assert.equal(2, #doc:select("tr", "bgcolor", "DDDDDD"))
    assert.equal(0, #doc:select("blink"))
    assert.is_true(#doc:select("*") > 100)
    assert.equal(links[1], doc:select("a")[1]) -- one userdata per node
  end)

  it("walks children, parents and text", function()
    local doc = html.parse(page)
    local row = doc:select("tr", "bgcolor")[1]
    local cells = row:children()
    assert.equal(6, #cells)
    assert.equal("td", cells[1].tag)
    assert.equal("101B", cells[1]:text())
    assert.equal("tr", cells[1]:parent().tag)
    assert.equal("21.00", cells[4]:select("a")[1]:text())
    assert.equal("DDDDDD", row:attrs().bgcolor)
    assert.equal("html", doc:root().tag)
    assert.equal("#document", doc:root():parent().tag)
    assert.is_nil(doc:root():parent():parent())
    local td = doc:select("td")[1]
    local text = html.clean_text(td)
    assert.truthy(text:find("Name: Avery Q TestdiverCity/State: Lakeview OH", 1, true))
    assert.equal("#text", td:children()[1].tag)
  end)

  it("keeps the document alive through its nodes, and refuses a closed one", function()
    local node = html.parse(page):select("strong")[1]
    collectgarbage()
    collectgarbage()
    assert.equal("Name: ", node:text())
    local doc = html.parse("<p>x</p>")
    local p = doc:select("p")[1]
    doc:close()
    doc:close()
    assert.has_error(function() return p:text() end)
    assert.has_error(function() return doc:select("p") end)
  end)

  it("copes with deep nesting, junk and non-UTF-8", function()
    local doc = html.parse(string.rep("<div>", 10000) .. "deep")
    assert.equal(10000, #doc:select("div"))
    assert.equal("deep", doc:root():text())
    assert.equal("café", html.parse("<b>caf\233</b>"):select("b")[1]:text())
    assert.is_table(html.parse("\0\1\2<<>>&&&;"):select("*"))
  end)
end)
