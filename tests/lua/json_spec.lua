-- dm.json: the public wrapper over dm.core.json, as job code uses it.
local json = require("dm.json")

describe("dm.json", function()
  describe("numbers", function()
    it("decodes integer literals as Lua integers and the rest as floats", function()
      local v = json.decode('[3, -0, 9223372036854775807, 9223372036854775808, 3.0, 1e2, 0.5]')
      assert.are.equal("integer", math.type(v[1]))
      assert.are.equal("integer", math.type(v[2]))
      assert.are.equal(math.maxinteger, v[3])
      assert.are.equal("float", math.type(v[4]))
      assert.are.equal("float", math.type(v[5]))
      assert.are.equal("float", math.type(v[6]))
      assert.are.equal(0.5, v[7])
    end)

    it("keeps ids exact, never in exponent form", function()
      assert.are.equal("123456789012345", json.encode(123456789012345))
      assert.are.equal('{"divemeets_id":1234567890123}',
                       json.encode({divemeets_id = 1234567890123}))
      assert.are.equal("-9223372036854775808", json.encode(math.mininteger))
    end)

    it("round-trips floats exactly and keeps them floats", function()
      for _, x in ipairs({0.1, 0.1 + 0.2, 1 / 3, 21.0, 19.25, -0.0, 1e300, 2 ^ 60, 5e-324,
                          math.pi, 1e15, 123456.789}) do
        local back = json.decode(json.encode(x))
        assert.are.equal("float", math.type(back))
        assert.are.equal(string.format("%a", x), string.format("%a", back))
      end
      assert.are.equal("21.0", json.encode(21.0))
      assert.are.equal("0.30000000000000004", json.encode(0.1 + 0.2))
    end)

    it("refuses NaN and infinities", function()
      assert.has_error(function() json.encode(0 / 0) end)
      assert.has_error(function() json.encode({x = math.huge}) end)
      local v, err = json.decode("1e999")
      assert.is_nil(v)
      assert.matches("out of range", err)
    end)
  end)

  describe("arrays, objects and null", function()
    it("lets [] and {} survive decode -> encode", function()
      local s = '{"a":[],"b":{},"c":[[],{}],"d":[1,2]}'
      assert.are.equal(s, json.encode(json.decode(s)))
    end)

    it("marks decoded arrays and objects", function()
      local v = json.decode('{"a":[1]}')
      assert.are.equal(json.object_mt, getmetatable(v))
      assert.are.equal(json.array_mt, getmetatable(v.a))
      assert.is_true(json.is_array(v.a))
      assert.is_false(json.is_array(v))
    end)

    it("writes an unmarked empty table as {} unless asked", function()
      assert.are.equal("{}", json.encode({}))
      assert.are.equal("[]", json.encode({}, {empty_table = "array"}))
      assert.are.equal("[]", json.encode(json.array()))
      assert.are.equal('{"x":[]}', json.encode({x = json.array({})}))
      assert.are.equal("{}", json.encode(json.object()))
    end)

    it("json.object writes integer keys as strings", function()
      assert.are.equal('{"1":"a","2":"b"}', json.encode(json.object({"a", "b"})))
    end)

    it("refuses to remark a table with a foreign metatable", function()
      local t = setmetatable({}, {})
      assert.has_error(function() json.array(t) end)
    end)

    it("maps null to json.null and back", function()
      local v = json.decode('[1,null,3]')
      assert.are.equal(3, #v)
      assert.are.equal(json.null, v[2])
      assert.are.equal("[1,null,3]", json.encode(v))
      assert.are.equal(json.null, json.decode("null"))
      assert.are.equal('{"a":null}', json.encode({a = json.null}))
    end)

    it("treats cjson.null as null too", function()
      local ok, cjson = pcall(require, "cjson")
      if not ok then return end
      assert.are.equal("[null]", json.encode({cjson.null}))
    end)
  end)

  describe("encode errors", function()
    it("refuses sparse tables, naming the path", function()
      local ok, err = pcall(json.encode, {stats = {{a = 1}, nil, {a = 3}}})
      assert.is_false(ok)
      assert.matches("sparse array", err, 1, true)
      assert.matches("at $.stats", err, 1, true)
    end)

    it("refuses mixed tables", function()
      assert.has_error(function() json.encode({1, 2, name = "x"}) end)
    end)

    it("refuses functions and other values JSON cannot carry", function()
      local ok, err = pcall(json.encode, {a = {b = {print}}})
      assert.is_false(ok)
      assert.matches("cannot encode a function at $.a.b[1]", err, 1, true)
      assert.has_error(function() json.encode(coroutine.create(print)) end)
    end)

    it("points the error at the caller's line", function()
      local ok, err = pcall(function() json.encode(print) end)
      assert.is_false(ok)
      assert.matches("json_spec.lua:%d+:", err)
    end)

    it("refuses cycles and deep nesting instead of crashing", function()
      local t = {}
      t.self = t
      assert.has_error(function() json.encode(t) end)
      local deep = {}
      local c = deep
      for _ = 1, 1500 do c[1] = {} c = c[1] end
      assert.has_error(function() json.encode(deep) end)
      assert.has_no_error(function() json.encode(deep, {max_depth = 2000}) end)
    end)

    it("refuses invalid UTF-8 and unknown options", function()
      assert.has_error(function() json.encode("caf\xe9") end)
      assert.has_error(function() json.encode({}, {pretty = 1}) end)
      assert.has_error(function() json.encode({}, {indent = 2}) end)
    end)
  end)

  describe("decode", function()
    it("returns nil and a message with line and column for bad input", function()
      local v, err = json.decode('{\n  "a": 1,\n  "b": tru\n}')
      assert.is_nil(v)
      assert.are.equal("unexpected character 't', expected a JSON value at line 3 col 8", err)
      for _, bad in ipairs({"", "[1,]", "{'a':1}", "[1] 2", '"\\ud800"', '"\xff"', "01", "-"}) do
        local val, msg = json.decode(bad)
        assert.is_nil(val)
        assert.matches(" at line %d+ col %d+$", msg)
      end
    end)

    it("handles escapes, surrogate pairs and raw UTF-8", function()
      assert.are.equal("é😀\n\0/", json.decode('"\\u00e9\\ud83d\\ude00\\n\\u0000\\/"'))
      assert.are.equal("José", json.decode('"José"'))
    end)

    it("caps nesting", function()
      local v, err = json.decode(string.rep("[", 100000))
      assert.is_nil(v)
      assert.matches("nesting deeper than 1000", err, 1, true)
      assert.is_table(json.decode(string.rep("[", 1000) .. string.rep("]", 1000)))
    end)

    it("raises for a non-string argument (misuse, not bad input)", function()
      assert.has_error(function() json.decode(nil) end)
      assert.has_error(function() json.decode(42) end)
    end)
  end)

  describe("output", function()
    it("sorts keys by default and can keep table order off", function()
      assert.are.equal('{"a":1,"b":2,"c":3}', json.encode({c = 3, a = 1, b = 2}))
      local s = json.encode({c = 3, a = 1, b = 2}, {sort_keys = false})
      assert.are.same({a = 1, b = 2, c = 3}, json.decode(s))
    end)

    it("pretty-prints with two spaces", function()
      assert.are.equal('{\n  "a": [\n    1,\n    {}\n  ],\n  "b": "x"\n}',
                       json.encode({b = "x", a = {1, {}}}, {pretty = true}))
    end)

    it("round-trips a profile record", function()
      local rec = {
        kind = "profile", warnings = json.array(),
        info = {name = "Avery Q Testdiver", first_name = "Avery Q", last_name = "Testdiver",
                age = 17, divemeets_id = 123456, city_state = "Austin, TX"},
        stats = {{number = "101B", height = 1, description = "Forward Dive Pike",
                  high_score = 21.0, avg_score = 19.25, times = 4,
                  high_score_url = "https://secure.meetcontrol.com/divemeets/system/x.php?a=1&b=2"},
                 {number = "5337D", height = 7.5, description = "Back 1½", high_score = 60.5,
                  avg_score = 55.0, times = 1}},
      }
      local s = json.encode(rec)
      local back = json.decode(s)
      assert.are.equal(s, json.encode(back))
      assert.are.equal("integer", math.type(back.info.divemeets_id))
      assert.are.equal("float", math.type(back.stats[1].high_score))
      assert.are.equal("float", math.type(back.stats[2].height))
      assert.are.equal("integer", math.type(back.stats[1].height))
      assert.are.equal("[]", json.encode(back.warnings))
    end)
  end)
end)
