-- store_sqlite_spec: dm.store.sqlite, the embedded DiveMeetsDiver table with the AppSync /
-- DataStore semantics: versions, soft deletes, conflicts, batching, paging, same().
local store = require "dm.store.sqlite"

-- A clock that advances 1 ms per call from 2026-12-04T20:22:49.123Z.
local function fake_clock()
  local t = 1796415769122
  return function()
    t = t + 1
    return t
  end
end

-- NULL in a change table removes the field (nil cannot be stored in a table).
local NULL = {}

local function apply(r, changes)
  for k, v in pairs(changes or {}) do
    if v == NULL then r[k] = nil else r[k] = v end
  end
  return r
end

local function diver(id, changes)
  return apply({id = id, firstName = "Avery Q", lastName = "Testdiver", gender = "F",
    finaAge = 16, hsGradYear = 2027, springboardRating = 210.123456789, platformRating = 0.0,
    totalRating = 210.123456789}, changes)
end

describe("dm.store.sqlite", function()
  local path, db
  before_each(function()
    path = os.tmpname()
    os.remove(path)
    db = assert(store.open(path, {now_ms = fake_clock()}))
  end)
  after_each(function()
    db:close()
    os.remove(path)
  end)

  it("creates with _version 1, _deleted false and AWS timestamps", function()
    local r = assert(db:create(diver("12345")))
    assert.equal("12345", r.id)
    assert.equal(1, r._version)
    assert.is_false(r._deleted)
    assert.equal(1796415769123, r._lastChangedAt)
    assert.equal("2026-12-04T20:22:49.123Z", r.createdAt)
    assert.equal(r.createdAt, r.updatedAt)
    assert.equal("integer", math.type(r.finaAge))
    assert.equal("integer", math.type(r._version))
    assert.equal("float", math.type(r.platformRating))
    assert.equal(210.123456789, r.springboardRating) -- stored as computed, not rounded
    assert.same(r, db:get("12345"))
    assert.same(r, db:get(12345)) -- an integer id is the same id
  end)

  it("refuses to create an existing id (even a deleted one)", function()
    assert(db:create(diver("1")))
    local r, msg, code, current = db:create(diver("1", {firstName = "Other"}))
    assert.is_nil(r)
    assert.equal("conflict", msg)
    assert.equal("DynamoDB:ConditionalCheckFailedException", code)
    assert.equal("Avery Q", current.firstName)
    assert(db:delete("1", 1))
    assert.equal("conflict", select(2, db:create(diver("1"))))
  end)

  it("updates with the expected version and increments it", function()
    local r = assert(db:create(diver("7")))
    r.finaAge, r.totalRating = 17, 300.5
    local u = assert(db:update(r, 1))
    assert.equal(2, u._version)
    assert.equal(17, u.finaAge)
    assert.equal(r.createdAt, u.createdAt)
    assert.is_true(u.updatedAt > r.updatedAt)
    assert.is_true(u._lastChangedAt > r._lastChangedAt)
    -- expected_version defaults to rec._version
    u.lastName = "Testdiver Jr."
    assert.equal(3, assert(db:update(u))._version)
  end)

  it("answers a stale version with ConflictUnhandled and the current record", function()
    local r = assert(db:create(diver("7")))
    assert(db:update(r, 1))
    local u, msg, code, current = db:update(r, 1)
    assert.is_nil(u)
    assert.equal("conflict", msg)
    assert.equal("ConflictUnhandled", code)
    assert.equal(2, current._version)
    assert.equal(3, assert(db:update(r, current._version))._version) -- re-read and retry
  end)

  it("answers not_found for a missing id", function()
    local u, msg, code = db:update(diver("404"), 1)
    assert.is_nil(u)
    assert.equal("not_found", msg)
    assert.equal("DynamoDB:ConditionalCheckFailedException", code)
    assert.equal("not_found", select(2, db:delete("404", 1)))
    assert.is_nil(db:get("404"))
  end)

  it("replaces all model fields on update (an absent optional field becomes null)", function()
    local r = assert(db:create(diver("8")))
    local u = assert(db:update(diver("8", {finaAge = NULL}), 1))
    assert.is_nil(u.finaAge)
    assert.equal(2027, u.hsGradYear)
    assert.equal(r.firstName, u.firstName)
  end)

  it("soft-deletes: _deleted true, version + 1, still readable, hidden from list", function()
    assert(db:create(diver("1")))
    assert(db:create(diver("2")))
    local d = assert(db:delete("1", 1))
    assert.is_true(d._deleted)
    assert.equal(2, d._version)
    assert.is_true(db:get("1")._deleted)
    assert.equal(1, db:count())
    assert.equal(2, db:count{include_deleted = true})
    local ids = {}
    for rec in db:list() do ids[#ids + 1] = rec.id end
    assert.same({"2"}, ids)
    ids = {}
    for rec in db:list{include_deleted = true} do ids[#ids + 1] = rec.id end
    assert.same({"1", "2"}, ids)
    -- a deleted record cannot be deleted or updated again
    local _, msg, code = db:delete("1", 2)
    assert.equal("conflict", msg)
    assert.equal("ConflictUnhandled", code)
    _, msg, code = db:update(diver("1"), 2)
    assert.equal("conflict", msg)
    assert.equal("ConflictUnhandled", code)
    assert.equal("conflict", select(2, db:delete("2", 5))) -- stale version
  end)

  -- Worked examples of invalid records: {field changes, expected message part}
  local invalid = {
    {{finaAge = "16"}, 'finaAge must be an integer (got string "16")'},
    {{finaAge = 16.5}, "finaAge must be an integer (got 16.5)"},
    {{firstName = false}, "firstName must be a string (got boolean)"},
    {{gender = NULL}, "gender must be a string (got nil)"},
    {{totalRating = 0 / 0}, "totalRating must be a finite number"},
    {{totalRating = math.huge}, "totalRating must be a finite number"},
    {{favouriteDive = "105B"}, "unknown field favouriteDive"},
    {{id = ""}, "id must be a non-empty string"},
  }
  for _, case in ipairs(invalid) do
    it("refuses an invalid record: " .. case[2], function()
      local rec = diver("9", case[1])
      local r, msg, code = db:create(rec)
      assert.is_nil(r)
      assert.matches(case[2], msg, 1, true)
      assert.equal("ValidationError", code)
      assert.equal(0, db:count{include_deleted = true})
    end)
  end

  it("accepts integral floats for integer fields and integers for ratings", function()
    local r = assert(db:create(diver("10", {finaAge = 15.0, totalRating = 200})))
    assert.equal("integer", math.type(r.finaAge))
    assert.equal("float", math.type(r.totalRating))
  end)

  it("ignores the system fields of a record read back", function()
    local r = assert(db:create(diver("11")))
    r._version, r.createdAt = 1, "1999-01-01T00:00:00.000Z"
    local u = assert(db:update(r))
    assert.equal(2, u._version)
    assert.equal("2026-12-04T20:22:49.123Z", u.createdAt)
  end)

  it("batches writes in a transaction; rollback drops them", function()
    assert(db:begin())
    for i = 1, 100 do assert(db:create(diver(tostring(1000 + i)))) end
    assert(db:commit())
    assert.equal(100, db:count())
    assert(db:begin())
    assert.has_error(function() db:begin() end, "dm.store.sqlite: begin: a batch is already open")
    assert(db:create(diver("2000")))
    assert(db:rollback())
    assert.is_nil(db:get("2000"))
    assert.has_error(function() db:commit() end, "dm.store.sqlite: commit: no batch is open")
  end)

  it("pages through all records in id order", function()
    for i = 1, 50 do assert(db:create(diver(string.format("%05d", i)))) end
    for i = 1, 50, 10 do assert(db:delete(string.format("%05d", i), 1)) end
    local items, token = db:list_page{page_size = 7}
    assert.equal(7, #items)
    assert.equal("00008", token) -- 00001 is deleted
    local n, last = 0, ""
    for rec in db:list{page_size = 7} do
      n = n + 1
      assert.is_true(rec.id > last)
      last = rec.id
    end
    assert.equal(45, n)
    n = 0
    for _ in db:list{page_size = 5, include_deleted = true} do n = n + 1 end
    assert.equal(50, n) -- an exact multiple of the page size ends cleanly
  end)

  it("keeps the data when closed and reopened", function()
    assert(db:create(diver("5")))
    db:close()
    db:close()
    db = assert(store.open(path))
    assert.equal("Avery Q", db:get("5").firstName)
  end)

  it("refuses a file whose DiveMeetsDiver table lacks columns", function()
    local sqlite = require "dm.core.sqlite"
    local other = os.tmpname()
    local conn = assert(sqlite.open(other))
    conn:exec("CREATE TABLE DiveMeetsDiver (id TEXT PRIMARY KEY)")
    conn:close()
    local s, err = store.open(other)
    assert.is_nil(s)
    assert.matches("table DiveMeetsDiver has no column firstName", err, 1, true)
    os.remove(other)
    assert.is_nil((store.open("/nonexistent-dir/x.sqlite")))
    local junk = os.tmpname()
    local f = assert(io.open(junk, "w"))
    f:write(("not a database\n"):rep(100))
    f:close()
    s, err = store.open(junk)
    assert.is_nil(s)
    assert.matches("file is not a database", err, 1, true)
    os.remove(junk)
  end)

  describe("same()", function()
    local base = diver("1")
    -- Worked examples: {changes to a copy of base, expected same, differing field}
    local cases = {
      {{}, true},
      {{springboardRating = 210.123456789 + 1e-10}, true},  -- within 1e-9 relative
      {{springboardRating = 210.123456789 + 1e-5}, false, "springboardRating"},
      {{finaAge = 16.0}, true},                              -- 16 == 16.0
      {{finaAge = 17}, false, "finaAge"},
      {{hsGradYear = NULL}, false, "hsGradYear"},            -- value vs null
      {{platformRating = NULL}, false, "platformRating"},    -- 0.0 is not null
      {{firstName = "Avery"}, false, "firstName"},
      {{id = 1}, true},                                       -- integer id == "1"
      {{_version = 9, updatedAt = "x", _deleted = true}, true}, -- system fields ignored
    }
    for i, case in ipairs(cases) do
      it("example " .. i, function()
        local other = diver("1", case[1])
        local same, field = store.same(base, other)
        assert.equal(case[2], same)
        assert.equal(case[3], field)
        assert.equal(case[2], (db:same(base, other)))
      end)
    end

    it("lets a job skip unchanged records so _version does not churn", function()
      local function write(rec)
        local cur = db:get(rec.id)
        if cur == nil then return assert(db:create(rec)) end
        if store.same(cur, rec) then return cur end
        return assert(db:update(rec, cur._version))
      end
      write(diver("77"))
      for _ = 1, 3 do write(diver("77")) end
      assert.equal(1, db:get("77")._version)
      write(diver("77", {finaAge = 17}))
      assert.equal(2, db:get("77")._version)
    end)
  end)
end)
