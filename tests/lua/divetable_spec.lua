-- rules/dive_table.tsv, as dm.rating reads it, equals the app's diveTable.json for all 686
-- code/height entries (read with cjson from $DM_SHARED; skipped only when that is absent).
local rating = require("dm.rating")
local cjson = require("cjson")

local HEIGHTS = {"1", "3", "5", "7.5", "10"}

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

describe("rules/dive_table.tsv", function()
  local shared = os.getenv("DM_SHARED") or "../shared"
  local json = read(shared .. "/reference/diveTable.json")

  if not json then
    pending("skipped: " .. shared .. "/reference/diveTable.json is absent")
    return
  end

  it("has every entry of the app's table, with the same name and DD", function()
    local app = cjson.decode(json)
    local entries, codes = 0, 0
    for code, dive in pairs(app) do
      codes = codes + 1
      for _, h in ipairs(HEIGHTS) do
        local dd, name = rating.dd(code, tonumber(h))
        assert.are.equal(dive.name, name, code)
        if dive.dd[h] then
          entries = entries + 1
          assert.are.equal(dive.dd[h], dd, code .. " at " .. h .. " m")
        else
          assert.are.equal(0.0, dd, code .. " at " .. h .. " m is not in the app's table")
        end
      end
    end
    assert.are.equal(210, codes)
    assert.are.equal(686, entries)
  end)

  it("has no code that the app's table lacks", function()
    local app = cjson.decode(json)
    local src = assert(read("rules/dive_table.tsv"))
    local n = 0
    for line in src:gmatch("[^\n]+") do
      local code = line:match("^(%d+%u)\t")
      if code then
        n = n + 1
        assert.is_truthy(app[code], code .. " is not in the app's table")
      end
    end
    assert.are.equal(210, n)
  end)
end)
