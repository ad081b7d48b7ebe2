-- time_spec: dm.core.time (core/ltime.c, core/dmtime.c): the run date in New York time,
-- epoch milliseconds and AWSDateTime-style ISO-8601 UTC strings.
local time = require "dm.core.time"

describe("dm.core.time", function()
  it("formats milliseconds as ISO-8601 UTC with milliseconds", function()
    assert.equal("1970-01-01T00:00:00.000Z", time.iso_utc(0))
    assert.equal("1969-12-31T23:59:59.999Z", time.iso_utc(-1))
    assert.equal("2026-12-04T20:22:49.123Z", time.iso_utc(1796415769123))
    assert.equal("2024-02-29T12:00:00.007Z", time.iso_utc(1709208000007))
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$", time.iso_utc())
  end)

  it("gives now_ms as an integer close to os.time()", function()
    local ms = time.now_ms()
    assert.equal("integer", math.type(ms))
    assert.is_true(math.abs(ms // 1000 - os.time()) <= 2)
    assert.equal("integer", math.type(time.mono_ms()))
  end)

  -- Worked examples: {ms since the epoch, zone, expected local date}
  local dates = {
    {1701320400000, "America/New_York", "2023-11-30"},     -- midnight EST (UTC-5)
    {1701320400000 - 1, "America/New_York", "2023-11-29"}, -- one ms before
    {1701320400000 - 1, "UTC", "2023-11-30"},
    {1782878399000, "America/New_York", "2026-06-30"},     -- 23:59:59 EDT (UTC-4)
    {1782878400000, "America/New_York", "2026-07-01"},
    {1796415769123, "Asia/Tokyo", "2026-12-05"},
  }
  for _, case in ipairs(dates) do
    it(string.format("dates %d in %s as %s", case[1], case[2], case[3]), function()
      assert.equal(case[3], time.local_date(case[1], case[2]))
    end)
  end

  it("defaults to America/New_York", function()
    assert.equal("America/New_York", time.DEFAULT_ZONE)
    assert.equal("2023-11-29", time.local_date(1701320400000 - 1))
    local before = time.local_date(time.now_ms())
    local today = time.today()
    local after = time.local_date(time.now_ms())
    assert.is_true(today == before or today == after)
  end)

  it("reports the UTC offset and DST", function()
    local p = time.local_parts(1772955000000, "America/New_York") -- 2026-03-08 03:30 EDT
    assert.same({2026, 3, 8, 3, 30, 0}, {p.year, p.month, p.day, p.hour, p.min, p.sec})
    assert.equal(-4 * 3600, p.utc_offset_s)
    assert.is_true(p.isdst)
    p = time.local_parts(1772951400000, "America/New_York") -- one hour earlier: 01:30 EST
    assert.equal(1, p.hour)
    assert.equal(-5 * 3600, p.utc_offset_s)
    assert.is_false(p.isdst)
  end)

  it("returns nil and a message for an unknown zone", function()
    local d, err = time.today("Nowhere/Atlantis")
    assert.is_nil(d)
    assert.matches("unknown time zone 'Nowhere/Atlantis'", err, 1, true)
    assert.is_nil((time.local_date(0, "../../etc/passwd")))
    assert.is_false(time.zone_exists("America"))
    assert.is_true(time.zone_exists("UTC"))
  end)

  it("leaves TZ as it was", function()
    local tz = os.getenv("TZ")
    time.local_date(0, "Asia/Tokyo")
    time.today("Europe/Paris")
    assert.equal(tz, os.getenv("TZ"))
  end)
end)
