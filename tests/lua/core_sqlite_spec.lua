-- core_sqlite_spec: the low-level binding dm.core.sqlite (core/lsqlite.c): value mapping,
-- binding, stepping, iteration, errors, and idempotent closing.
local sqlite = require "dm.core.sqlite"

describe("dm.core.sqlite", function()
  local db
  before_each(function()
    db = assert(sqlite.open(":memory:"))
    db:exec("CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER, r REAL, s TEXT) STRICT")
  end)
  after_each(function() db:close() end)

  it("keeps integers integers, floats floats and NULL as an absent field", function()
    local ins = db:prepare("INSERT INTO t VALUES (?, ?, ?, ?)")
    ins:bind("a", 16, 1.5, "x"):step()
    ins:bind("b", 9007199254740993, 1 / 3):step() -- 2^53 + 1 survives; s is NULL
    assert.equal(1, db:changes())
    ins:finalize()
    local a = db:prepare("SELECT * FROM t WHERE id = 'a'"):step()
    assert.same({id = "a", n = 16, r = 1.5, s = "x"}, a)
    assert.equal("integer", math.type(a.n))
    assert.equal("float", math.type(a.r))
    local b = db:prepare("SELECT * FROM t WHERE id = ?"):bind("b"):step()
    assert.equal(9007199254740993, b.n)
    assert.equal(1 / 3, b.r)
    assert.is_nil(b.s)
  end)

  it("binds by name from a table; absent keys bind NULL", function()
    local st = db:prepare("INSERT INTO t VALUES (:id, :n, $r, @s)")
    st:bind_named({id = "c", n = 3, r = 0.25}):step()
    local row = db:prepare("SELECT * FROM t"):step()
    assert.same({id = "c", n = 3, r = 0.25}, row)
  end)

  it("steps to nil at the end and can be reset and reused", function()
    db:exec("INSERT INTO t (id) VALUES ('x'); INSERT INTO t (id) VALUES ('y')")
    local st = db:prepare("SELECT id FROM t ORDER BY id")
    assert.equal("x", st:step().id)
    assert.equal("y", st:step().id)
    assert.is_nil(st:step())
    assert.equal("x", st:step().id) -- reset automatically after the end
    st:reset()
    assert.equal("x", st:step().id)
  end)

  it("iterates with rows(), binding positional or named arguments", function()
    for i = 1, 5 do db:exec(string.format("INSERT INTO t (id, n) VALUES ('k%d', %d)", i, i)) end
    local seen = {}
    for row in db:rows("SELECT id, n FROM t WHERE n >= ? ORDER BY n", 3) do
      seen[#seen + 1] = row.n
    end
    assert.same({3, 4, 5}, seen)
    seen = {}
    for row in db:rows("SELECT n FROM t WHERE n < :lim ORDER BY n", {lim = 3}) do
      seen[#seen + 1] = row.n
    end
    assert.same({1, 2}, seen)
    for _ in db:rows("SELECT * FROM t") do break end -- luacheck: ignore 512
    -- leaving the loop early closed the statement (its to-be-closed 4th value),
    db:exec("DELETE FROM t") -- so nothing is left locked
  end)

  it("raises clear errors for SQL and constraint failures", function()
    local ok, err = pcall(db.exec, db, "SELEC 1")
    assert.is_false(ok)
    assert.matches('sqlite: near "SELEC": syntax error (SQLITE_ERROR)', err, 1, true)
    db:exec("INSERT INTO t (id) VALUES ('dup')")
    ok, err = pcall(function() db:prepare("INSERT INTO t (id) VALUES (?)"):bind("dup"):step() end)
    assert.is_false(ok)
    assert.matches("UNIQUE constraint failed: t.id (SQLITE_CONSTRAINT)", err, 1, true)
    ok, err = pcall(function()
      db:prepare("INSERT INTO t (id, n) VALUES ('z', ?)"):bind("x"):step()
    end)
    assert.is_false(ok)
    assert.matches("SQLITE_CONSTRAINT", err, 1, true) -- STRICT: text in an INTEGER column
    assert.has_error(function() db:prepare("SELECT 1; SELECT 2") end)
    assert.has_error(function() db:prepare("SELECT ?"):bind({}) end)
    assert.has_error(function() db:prepare("SELECT ?"):bind(1, 2) end)
  end)

  it("returns nil, message, code when a file cannot be opened", function()
    local d, err, code = sqlite.open("/nonexistent-dir/x.sqlite")
    assert.is_nil(d)
    assert.matches("/nonexistent-dir/x.sqlite", err, 1, true)
    assert.equal("SQLITE_CANTOPEN", code)
    local empty = os.tmpname()
    d = assert(sqlite.open(empty, "ro")) -- an empty file is an empty database
    assert.has_error(function() d:exec("CREATE TABLE x (a)") end)
    d:close()
    os.remove(empty)
  end)

  it("closes idempotently; use after close raises", function()
    local st = db:prepare("SELECT 1 AS one")
    db:close()
    db:close()
    assert.is_false(db:is_open())
    assert.has_error(function() st:step() end,
      "sqlite: attempt to use a statement of a closed database")
    assert.has_error(function() db:exec("SELECT 1") end, "sqlite: attempt to use a closed database")
    st:finalize()
    st:finalize()
    do
      local d <close> = assert(sqlite.open(":memory:"))
      d:exec("SELECT 1")
    end
    collectgarbage()
    collectgarbage()
  end)
end)
