-- rules_filters_spec: worked examples for rules/filters.lua: which ids are excluded before the
-- diver table is written (linked accounts, listed ids) and the safety limits that stop a run.
-- Each table row is one example; add rows freely.
local rules = require "dm.rules"

local function tmpdir()
  local dir = os.tmpname()
  os.remove(dir)
  assert(os.execute("mkdir -p '" .. dir .. "'"))
  return dir
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
  return path
end

-- A copy of the shipped rules with some values changed.
local function shipped(changes)
  local r = rules.load_filters()
  local copy = {linked_accounts = {}, exclude_ids = {}, safety = {}}
  for k, v in pairs(r.linked_accounts) do copy.linked_accounts[k] = v end
  for k, v in pairs(r.safety) do copy.safety[k] = v end
  for k, v in pairs(changes or {}) do
    if k == "exclude_ids" then copy.exclude_ids = v else
      for kk, vv in pairs(v) do copy[k][kk] = vv end
    end
  end
  return copy
end

describe("rules/filters.lua", function()
  it("loads and passes its schema", function()
    local r = rules.load_filters()
    assert.is_true(r.linked_accounts.exclude)
    assert.equal("linked-ids.txt", r.linked_accounts.file)
    assert.is_true(r.linked_accounts.scan_chunk_size <= 150)
    assert.equal(0.02, r.safety.max_failed_share)
    assert.equal(0.2, r.safety.max_delete_share)
  end)

  describe("exclusions", function()
    local dir
    before_each(function() dir = tmpdir() end)
    after_each(function() os.execute("rm -rf '" .. dir .. "'") end)

    it("drops linked ids read from the state dir, and the listed ids", function()
      write(dir .. "/linked-ids.txt", "# linked to Adrenaline accounts\n12345\n 67890 \n\n012\n")
      local f = rules.filters{state_dir = dir, rules = shipped{exclude_ids = {"555"}}}
      assert.equal(3, f.linked_count)
      assert.is_false(f.linked_absent)
      assert.equal("linked", f.excluded("12345"))
      assert.equal("linked", f.excluded(67890))
      assert.equal("linked", f.excluded("12")) -- leading zeros do not matter
      assert.equal("exclude_ids", f.excluded("555"))
      assert.is_nil(f.excluded("11111"))
    end)

    it("treats a missing linked-ids file as no linked accounts", function()
      local f = rules.filters{state_dir = dir}
      assert.equal(0, f.linked_count)
      assert.is_true(f.linked_absent)
      assert.is_nil(f.excluded("12345"))
    end)

    it("can be told not to exclude linked accounts", function()
      write(dir .. "/linked-ids.txt", "12345\n")
      local f = rules.filters{state_dir = dir, rules = shipped{linked_accounts = {exclude = false}}}
      assert.is_nil(f.excluded("12345"))
    end)

    it("takes the linked set from another backend", function()
      local f = rules.filters{state_dir = dir, linked = {["42"] = true}}
      assert.equal("linked", f.excluded("42"))
      assert.equal(1, f.linked_count)
    end)

    it("stops on a linked-ids file with a line that is not an id", function()
      write(dir .. "/linked-ids.txt", "12345\nabc\n")
      local ok, err = pcall(rules.filters, {state_dir = dir})
      assert.is_false(ok)
      assert.equal(dir .. '/linked-ids.txt:2: not a DiveMeets id: "abc"', err)
    end)
  end)

  describe("safety limits (shipped values: 2 % failed, 20 % deleted beyond 10)", function()
    local f = rules.filters{state_dir = "/nonexistent"}
    local cases = {
      -- scanned failed blocked existing deletes  ok     why
      {1000,    20,    0,      0,       0,       true},  -- exactly 2 %: allowed
      {1000,    15,    6,      0,       0,       false}, -- 2.1 % failed or blocked
      {1000,    0,     21,     0,       0,       false}, -- blocks count too
      {0,       0,     0,      0,       0,       true},  -- nothing scanned
      {125001,  2500,  0,      0,       0,       true},
      {1000,    0,     0,      100,     20,      true},  -- exactly 20 % deleted
      {1000,    0,     0,      100,     21,      false}, -- 21 %
      {1000,    0,     0,      5,       5,       true},  -- all, but within 10 deletions
      {1000,    0,     0,      0,       10,      true},
      {1000,    0,     0,      30,      11,      false},
      {1000,    0,     0,      1000,    201,     false},
    }
    for _, c in ipairs(cases) do
      local name = string.format("scanned %d, failed %d, blocked %d, existing %d, deletes %d: %s",
        c[1], c[2], c[3], c[4], c[5], c[6] and "runs" or "stops")
      it(name, function()
        local ok, reason = f.safety({scanned = c[1], failed = c[2], blocked = c[3],
          existing = c[4], deletes = c[5]})
        assert.equal(c[6], ok)
        if not ok then assert.matches("safety.max_", reason, 1, true) end
      end)
    end

    it("says why it stops", function()
      local _, reason = f.safety({scanned = 1000, failed = 15, blocked = 10})
      assert.matches("^2.5%% of the pages failed or were blocked %(25 of 1000%); "
        .. "the limit is 2.0%%", reason)
      _, reason = f.safety({existing = 100, deletes = 21})
      assert.matches("^the run would delete 21 of 100 existing records %(21.0%%%)", reason)
    end)
  end)

  describe("bad filters files give one clear line", function()
    local dir = tmpdir()
    teardown(function() os.execute("rm -rf '" .. dir .. "'") end)
    local function text(chunk, safety)
      return "return {\n  linked_accounts = { exclude = true, file = 'linked-ids.txt',\n"
        .. "    scan_chunk_size = " .. chunk .. " },\n  exclude_ids = {},\n  safety = {\n"
        .. "    max_failed_share = 0.02,\n    max_delete_share = " .. safety .. ",\n"
        .. "    deletes_always_allowed = 10,\n  },\n}\n"
    end
    local cases = {
      {text("151", "0.2"),
        ":3: linked_accounts.scan_chunk_size must be between 1 and 150 (got 151)"},
      {text("'150'", "0.2"),
        ':3: linked_accounts.scan_chunk_size must be an integer (got string "150")'},
      {text("150", "20"), ":7: safety.max_delete_share must be between 0 and 1 (got 20)"},
      {text("150", "0.2"):gsub("exclude_ids = {}", "exclude_ids = { 12345 }"),
        ":4: exclude_ids[1] must be a string (got integer 12345)"},
      {text("150", "0.2"):gsub("exclude_ids = {}", "exclude_ids = { '12a' }"),
        ':4: exclude_ids[1] must be a DiveMeets id (digits) (got string "12a")'},
      {text("150", "0.2"):gsub("deletes_always_allowed", "deletes_allowed"),
        ":8: safety.deletes_allowed: unknown key (known keys here: deletes_always_allowed, "
        .. "max_delete_share, max_failed_share)"},
      {text("150", "0.2"):gsub("file = 'linked%-ids.txt'", "file = io.open('x')"),
        ":2: unknown name 'io'"},
    }
    for i, c in ipairs(cases) do
      it(c[2], function()
        local path = write(dir .. "/filters" .. i .. ".lua", c[1])
        local ok, err = pcall(rules.filters, {path = path, state_dir = dir})
        assert.is_false(ok)
        assert.equal(path .. c[2], err:sub(1, #path + #c[2]))
        assert.is_nil(err:find("\n"))
      end)
    end
  end)
end)
