-- dm.store.sqlite: the embedded diver table: one SQLite file with a table DiveMeetsDiver whose
-- columns are the AppSync model's fields, with the DataStore versioning semantics (create sets
-- _version 1, update and delete check and increment it, delete is soft). A later AppSync
-- backend implements the same methods with the same results.
--
--   store.open(path [, opts]) -> db | nil, msg         opts: now_ms (clock function for tests),
--                                                       busy_timeout_ms (default 5000)
--   db:get(id) -> record | nil (absent) | nil, msg, "StoreError"
--   db:list([opts]) -> iterator of records            opts: include_deleted (default false),
--   db:list_page([opts]) -> items, next_token | nil, msg, code    page_size, next_token
--   db:count([opts]) -> n                              opts: include_deleted
--   db:create(rec) -> record | nil, msg, code [, current]
--   db:update(rec [, expected_version]) -> record | nil, msg, code [, current]
--   db:delete(id, expected_version) -> record | nil, msg, code [, current]
--   db:begin() / db:commit() / db:rollback() -> true | nil, msg, code;  db:close()
--   store.same(a, b) (also db.same) -> true | false, first differing field
--
-- Records are tables with the model's field names; finaAge/hsGradYear are integers, ratings
-- floats (stored as computed, unrounded), _deleted a boolean, _lastChangedAt ms since the epoch,
-- createdAt/updatedAt ISO-8601 UTC with ms ("2026-12-04T20:22:49.123Z"). Failures:
--   msg "conflict",  code "DynamoDB:ConditionalCheckFailedException"  create: the id exists
--   msg "conflict",  code "ConflictUnhandled"   update/delete: stale _version or record deleted
--   msg "not_found", code "DynamoDB:ConditionalCheckFailedException"  update/delete: no such id
--   msg "invalid: <why>", code "ValidationError"                      a bad field value
--   msg "sqlite: ...", code "StoreError"        the database failed (locked, disk full, ...)
-- With a conflict the 4th value is the record as stored now (re-read it, as with AppSync).
local sqlite = require "dm.core.sqlite"
local ctime = require "dm.core.time"

local M = {}

M.TABLE = "DiveMeetsDiver"
-- The model's own fields, in column order, and the fields the store manages.
M.FIELDS = {"id", "firstName", "lastName", "gender", "finaAge", "hsGradYear",
  "springboardRating", "platformRating", "totalRating"}
M.SYSTEM_FIELDS = {"_version", "_deleted", "_lastChangedAt", "createdAt", "updatedAt"}
-- Ratings are compared with this relative tolerance by same().
M.EPSILON = 1e-9
M.DEFAULT_PAGE_SIZE = 1000

local CREATE_SQL = [[
CREATE TABLE IF NOT EXISTS DiveMeetsDiver (
  id TEXT PRIMARY KEY NOT NULL,
  firstName TEXT NOT NULL,
  lastName TEXT NOT NULL,
  gender TEXT NOT NULL,
  finaAge INTEGER,
  hsGradYear INTEGER,
  springboardRating REAL,
  platformRating REAL,
  totalRating REAL,
  _version INTEGER NOT NULL,
  _deleted INTEGER NOT NULL DEFAULT 0 CHECK (_deleted IN (0, 1)),
  _lastChangedAt INTEGER NOT NULL,
  createdAt TEXT NOT NULL,
  updatedAt TEXT NOT NULL
) STRICT;
]]

local COLUMNS = table.concat(M.FIELDS, ", ") .. ", " .. table.concat(M.SYSTEM_FIELDS, ", ")

local SQL = {
  get = "SELECT " .. COLUMNS .. " FROM DiveMeetsDiver WHERE id = ?",
  insert = "INSERT INTO DiveMeetsDiver (" .. COLUMNS .. ") VALUES (:id, :firstName, :lastName, "
    .. ":gender, :finaAge, :hsGradYear, :springboardRating, :platformRating, :totalRating, 1, 0, "
    .. ":now, :iso, :iso) ON CONFLICT (id) DO NOTHING",
  update = "UPDATE DiveMeetsDiver SET firstName = :firstName, lastName = :lastName, "
    .. "gender = :gender, finaAge = :finaAge, hsGradYear = :hsGradYear, "
    .. "springboardRating = :springboardRating, platformRating = :platformRating, "
    .. "totalRating = :totalRating, _version = _version + 1, _lastChangedAt = :now, "
    .. "updatedAt = :iso WHERE id = :id AND _version = :expected AND _deleted = 0",
  delete = "UPDATE DiveMeetsDiver SET _deleted = 1, _version = _version + 1, "
    .. "_lastChangedAt = :now, updatedAt = :iso "
    .. "WHERE id = :id AND _version = :expected AND _deleted = 0",
  page_all = "SELECT " .. COLUMNS .. " FROM DiveMeetsDiver WHERE id > ? ORDER BY id LIMIT ?",
  page_live = "SELECT " .. COLUMNS .. " FROM DiveMeetsDiver WHERE id > ? AND _deleted = 0 "
    .. "ORDER BY id LIMIT ?",
  count_all = "SELECT count(*) AS n FROM DiveMeetsDiver",
  count_live = "SELECT count(*) AS n FROM DiveMeetsDiver WHERE _deleted = 0",
}

local Store = {}
Store.__index = Store

local function store_error(err)
  return nil, tostring(err), "StoreError"
end

-- A stored row as a record: _deleted becomes a boolean.
local function to_record(row)
  if row then row._deleted = row._deleted == 1 end
  return row
end

-- store.open(path [, opts]) -> db | nil, msg
function M.open(path, opts)
  opts = opts or {}
  local conn, err = sqlite.open(path)
  if not conn then return nil, err end
  local ok, perr = pcall(function()
    conn:busy_timeout(opts.busy_timeout_ms or 5000)
    conn:exec(CREATE_SQL)
    local have = {}
    for row in conn:rows("PRAGMA table_info(DiveMeetsDiver)") do have[row.name] = true end
    for _, list in ipairs{M.FIELDS, M.SYSTEM_FIELDS} do
      for _, col in ipairs(list) do
        if not have[col] then
          error(string.format("%s: table DiveMeetsDiver has no column %s", path, col), 0)
        end
      end
    end
  end)
  if not ok then
    conn:close()
    return nil, tostring(perr)
  end
  local self = setmetatable({path = path, conn = conn, stmts = {}, in_tx = false,
    now_ms = opts.now_ms or ctime.now_ms}, Store)
  return self
end

function Store:stmt(name)
  local st = self.stmts[name]
  if not st then
    st = self.conn:prepare(SQL[name])
    self.stmts[name] = st
  end
  return st
end

-- Runs fn(self) protected; returns its results or nil, msg, "StoreError".
function Store:protected(fn, ...)
  if not self.conn:is_open() then error("dm.store.sqlite: the store is closed", 3) end
  local res = table.pack(pcall(fn, self, ...))
  if not res[1] then return store_error(res[2]) end
  return table.unpack(res, 2, res.n)
end

local function read(self, id)
  local st = self:stmt("get")
  st:bind(id)
  local row = st:step()
  st:reset()
  return to_record(row)
end

local function norm_id(id)
  if math.type(id) == "integer" then return tostring(id) end
  if type(id) == "string" and id ~= "" then return id end
  return nil
end

-- db:get(id) -> record | nil | nil, msg, code
function Store:get(id)
  local key = norm_id(id)
  if not key then error("dm.store.sqlite: get: id must be a non-empty string", 2) end
  return self:protected(read, key)
end

-- Validates rec and returns the bind table (model fields only), or nil, message.
local SYSTEM = {}
for _, f in ipairs(M.SYSTEM_FIELDS) do SYSTEM[f] = true end
local KNOWN = {}
for _, f in ipairs(M.FIELDS) do KNOWN[f] = true end

local function finite(v) return v == v and v ~= math.huge and v ~= -math.huge end

local function show(v)
  if type(v) == "string" then return string.format("string %q", v) end
  return tostring(v)
end

local function validate(rec)
  if type(rec) ~= "table" then return nil, "the record must be a table" end
  for k in pairs(rec) do
    if not KNOWN[k] and not SYSTEM[k] then
      return nil, string.format("unknown field %s", tostring(k))
    end
  end
  local b = {}
  b.id = norm_id(rec.id)
  if not b.id then return nil, "id must be a non-empty string" end
  for _, f in ipairs{"firstName", "lastName", "gender"} do
    if type(rec[f]) ~= "string" then
      return nil, string.format("%s must be a string (got %s)", f, type(rec[f]))
    end
    b[f] = rec[f]
  end
  for _, f in ipairs{"finaAge", "hsGradYear"} do
    local v = rec[f]
    if v ~= nil then
      local i = type(v) == "number" and math.tointeger(v) or nil
      if not i then return nil, string.format("%s must be an integer (got %s)", f, show(v)) end
      b[f] = i
    end
  end
  for _, f in ipairs{"springboardRating", "platformRating", "totalRating"} do
    local v = rec[f]
    if v ~= nil then
      if type(v) ~= "number" or not finite(v) then
        return nil, string.format("%s must be a finite number (got %s)", f, show(v))
      end
      b[f] = v + 0.0
    end
  end
  return b
end

local function invalid(rec, why)
  local id = type(rec) == "table" and rec.id or "?"
  return nil, string.format("invalid: DiveMeetsDiver %s: %s", tostring(id), why), "ValidationError"
end

local function stamp(self, b)
  local now = self.now_ms()
  b.now = now
  b.iso = ctime.iso_utc(now)
  return b
end

-- db:create(rec) -> record | nil, "conflict", "DynamoDB:ConditionalCheckFailedException", current
function Store:create(rec)
  local b, why = validate(rec)
  if not b then return invalid(rec, why) end
  return self:protected(function()
    local st = self:stmt("insert")
    st:bind_named(stamp(self, b))
    st:step()
    if self.conn:changes() ~= 1 then
      return nil, "conflict", "DynamoDB:ConditionalCheckFailedException", read(self, b.id)
    end
    return read(self, b.id)
  end)
end

-- After a guarded UPDATE changed nothing: not found, or a conflict with the current record.
local function refused(self, id)
  local current = read(self, id)
  if not current then return nil, "not_found", "DynamoDB:ConditionalCheckFailedException" end
  return nil, "conflict", "ConflictUnhandled", current
end

local function check_version(v, fname)
  local i = type(v) == "number" and math.tointeger(v) or nil
  if not i then
    error(string.format("dm.store.sqlite: %s: expected_version must be an integer (got %s)",
      fname, tostring(v)), 3)
  end
  return i
end

-- db:update(rec [, expected_version]) -> record | nil, msg, code [, current]
-- A full replace of the model fields: an absent optional field becomes null. expected_version
-- defaults to rec._version; a stale one gives nil, "conflict", "ConflictUnhandled", current.
function Store:update(rec, expected_version)
  local b, why = validate(rec)
  if not b then return invalid(rec, why) end
  b.expected = check_version(expected_version or rec._version, "update")
  return self:protected(function()
    local st = self:stmt("update")
    st:bind_named(stamp(self, b))
    st:step()
    if self.conn:changes() ~= 1 then return refused(self, b.id) end
    return read(self, b.id)
  end)
end

-- db:delete(id, expected_version) -> record | nil, msg, code [, current]
-- Soft delete: _deleted = true, _version + 1. Deleting a deleted record is a conflict.
function Store:delete(id, expected_version)
  local key = norm_id(id)
  if not key then error("dm.store.sqlite: delete: id must be a non-empty string", 2) end
  local b = {id = key, expected = check_version(expected_version, "delete")}
  return self:protected(function()
    local st = self:stmt("delete")
    st:bind_named(stamp(self, b))
    st:step()
    if self.conn:changes() ~= 1 then return refused(self, key) end
    return read(self, key)
  end)
end

-- db:list_page([opts]) -> items, next_token (nil after the last page) | nil, msg, code
-- Pages in id order (text order); next_token is the last id of the page.
function Store:list_page(opts)
  opts = opts or {}
  local size = opts.page_size or M.DEFAULT_PAGE_SIZE
  return self:protected(function()
    local st = self:stmt(opts.include_deleted and "page_all" or "page_live")
    st:bind(opts.next_token or "", size)
    local items = {}
    while true do
      local row = st:step()
      if not row then break end
      items[#items + 1] = to_record(row)
    end
    local token = #items == size and items[#items].id or nil
    return items, token
  end)
end

-- db:list([opts]) -> iterator over records (live ones unless opts.include_deleted), reading
-- page_size records at a time so no cursor stays open between iterations; raises on failure.
function Store:list(opts)
  opts = opts or {}
  local page, i, token, done = {}, 0, nil, false
  return function()
    i = i + 1
    if page[i] == nil and not done then
      local items, next_token, code = self:list_page({include_deleted = opts.include_deleted,
        page_size = opts.page_size, next_token = token})
      if not items then error(next_token .. " (" .. tostring(code) .. ")", 2) end
      page, i, token = items, 1, next_token
      done = next_token == nil
    end
    return page[i]
  end
end

-- db:count([opts]) -> number of records (live ones unless opts.include_deleted)
function Store:count(opts)
  opts = opts or {}
  return self:protected(function()
    local st = self:stmt(opts.include_deleted and "count_all" or "count_live")
    local row = st:step()
    st:reset()
    return row.n
  end)
end

-- db:begin() -> true | nil, msg, code; starts a batch (one transaction) until commit/rollback.
function Store:begin()
  if self.in_tx then error("dm.store.sqlite: begin: a batch is already open", 2) end
  return self:protected(function()
    self.conn:exec("BEGIN IMMEDIATE")
    self.in_tx = true
    return true
  end)
end

-- db:commit() -> true | nil, msg, code
function Store:commit()
  if not self.in_tx then error("dm.store.sqlite: commit: no batch is open", 2) end
  return self:protected(function()
    self.conn:exec("COMMIT")
    self.in_tx = false
    return true
  end)
end

-- db:rollback() -> true | nil, msg, code; drops the writes of the open batch.
function Store:rollback()
  if not self.in_tx then return true end
  return self:protected(function()
    self.in_tx = false
    self.conn:exec("ROLLBACK")
    return true
  end)
end

-- db:close(); idempotent. An open batch is rolled back.
function Store:close()
  if not self.conn:is_open() then return end
  if self.in_tx then pcall(self.conn.exec, self.conn, "ROLLBACK") end
  self.in_tx = false
  for _, st in pairs(self.stmts) do st:finalize() end
  self.stmts = {}
  self.conn:close()
end
Store.__close = Store.close
Store.__gc = Store.close

-- store.same(a, b) -> true | false, field
-- Whether two records have the same model values (id and the diver fields; the store's
-- _version/_deleted/timestamps are ignored). Strings and integers must be equal; floats
-- may differ by M.EPSILON relative to their size (at least 1e-9 absolute).
function M.same(a, b)
  for _, f in ipairs(M.FIELDS) do
    local x, y = a[f], b[f]
    if f == "id" then x, y = norm_id(x) or x, norm_id(y) or y end
    if x ~= y then
      if type(x) ~= "number" or type(y) ~= "number" then return false, f end
      local scale = math.max(1.0, math.abs(x), math.abs(y))
      if x ~= x or y ~= y or math.abs(x - y) > M.EPSILON * scale then return false, f end
    end
  end
  return true
end

-- db:same(a, b) and db.same(a, b) both work.
function Store.same(x, a, b)
  if getmetatable(x) == Store then return M.same(a, b) end
  return M.same(x, a)
end

return M
