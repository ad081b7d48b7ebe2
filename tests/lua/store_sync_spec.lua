-- store_sync_spec: dm.store.sync on the SQLite backend: outcomes, no _version churn, dry runs,
-- and conflicts injected between the read and the write.
local store = require "dm.store.sqlite"
local sync = require "dm.store.sync"

local function diver(id, age)
  return {id = id, firstName = "Avery Q", lastName = "Testdiver", gender = "F", finaAge = age,
    totalRating = 123.25}
end

-- Wraps db so that before each of the next n writes of kind `op`, another writer bumps the
-- record (an update by "someone else"), making the write conflict.
local function interfering(db, op, n)
  local proxy = setmetatable({}, {__index = function(_, k)
    local v = db[k]
    if type(v) == "function" then return function(_, ...) return v(db, ...) end end
    return v
  end})
  proxy[op] = function(_, a, ...)
    if n > 0 then
      n = n - 1
      local id = type(a) == "table" and a.id or a
      local cur = db:get(id)
      if cur and not cur._deleted then
        cur.lastName = cur.lastName .. "!"
        assert(db:update(cur))
      elseif op == "create" then
        assert(db:create(diver(id, 15)))
      end
    end
    return db[op](db, a, ...)
  end
  return proxy
end

describe("dm.store.sync", function()
  local path, db
  before_each(function()
    path = os.tmpname()
    os.remove(path)
    db = assert(store.open(path))
  end)
  after_each(function()
    db:close()
    os.remove(path)
  end)

  it("creates, then leaves unchanged records alone, then updates", function()
    assert.equal("created", (sync.put(db, diver("1", 16))))
    for _ = 1, 3 do assert.equal("unchanged", (sync.put(db, diver("1", 16)))) end
    assert.equal(1, db:get("1")._version)
    local outcome, rec = sync.put(db, diver("1", 17))
    assert.equal("updated", outcome)
    assert.equal(2, rec._version)
  end)

  it("does not revive a deleted record", function()
    assert(sync.put(db, diver("2", 16)))
    assert.equal("deleted", (sync.remove(db, "2")))
    assert.equal("skipped_deleted", (sync.put(db, diver("2", 16))))
    assert.equal("already_deleted", (sync.remove(db, "2")))
    assert.equal("absent", (sync.remove(db, "3")))
  end)

  it("writes nothing on a dry run", function()
    assert(sync.put(db, diver("4", 16)))
    assert.equal("created", (sync.put(db, diver("5", 16), {dry_run = true})))
    assert.equal("updated", (sync.put(db, diver("4", 17), {dry_run = true})))
    assert.equal("unchanged", (sync.put(db, diver("4", 16), {dry_run = true})))
    assert.equal("deleted", (sync.remove(db, "4", {dry_run = true})))
    assert.is_nil(db:get("5"))
    local r = db:get("4")
    assert.equal(1, r._version)
    assert.is_false(r._deleted)
  end)

  it("re-reads and retries when the version changed in between", function()
    assert(sync.put(db, diver("6", 16)))
    local outcome, rec = sync.put(interfering(db, "update", 1), diver("6", 17))
    assert.equal("updated", outcome)
    assert.equal(17, rec.finaAge)
    assert.equal(3, rec._version) -- 1, the other writer's 2, ours 3
    outcome, rec = sync.remove(interfering(db, "delete", 2), "6")
    assert.equal("deleted", outcome)
    assert.is_true(rec._deleted)
  end)

  it("retries a create that lost a race into an update", function()
    local outcome, rec = sync.put(interfering(db, "create", 1), diver("7", 16))
    assert.equal("updated", outcome)
    assert.equal(16, rec.finaAge)
  end)

  it("gives up after the retries with the conflict", function()
    assert(sync.put(db, diver("8", 16)))
    local r, msg, code = sync.put(interfering(db, "update", 10), diver("8", 17), {retries = 2})
    assert.is_nil(r)
    assert.equal("conflict", msg)
    assert.equal("ConflictUnhandled", code)
  end)

  it("passes other failures through", function()
    local r, msg, code = sync.put(db, diver("9", "sixteen"))
    assert.is_nil(r)
    assert.matches("^invalid:", msg)
    assert.equal("ValidationError", code)
    local broken = {get = function() return nil, "sqlite: disk I/O error", "StoreError" end}
    assert.same({nil, "sqlite: disk I/O error", "StoreError"}, {sync.put(broken, diver("1", 1))})
    assert.same({nil, "sqlite: disk I/O error", "StoreError"}, {sync.remove(broken, "1")})
  end)
end)
