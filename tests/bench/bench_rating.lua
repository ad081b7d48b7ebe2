-- bench_rating.lua: cost of require("dm.rating").compute per diver from Lua (stats tables as the
-- parser returns them), including the Lua<->C conversion. Run from the source root:
--   build/dmhost tests/bench/bench_rating.lua [divers]
local rating = require("dm.rating")
local clock = os.clock

local divers = tonumber(arg and arg[1]) or 20000
local codes = {"101B", "103B", "105B", "107C", "201B", "203B", "205C", "301B", "303C", "305C",
  "401B", "403B", "405C", "5132D", "5134D", "5231D", "5233D", "612B", "614B", "626C"}
local heights = {1, 3, 5, 7.5, 10}

local function diver(n, seed)
  local stats, x = {}, seed
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    stats[i] = {number = codes[x % #codes + 1], height = heights[x % 5 + 1],
      description = "Some Dive", high_score = 21.0, avg_score = 2 + (x % 800) / 100,
      times = 1 + x % 40, high_score_url = "https://example.invalid/a",
      avg_score_url = "https://example.invalid/b"}
  end
  return stats
end

rating.compute(diver(10, 1)) -- load the table and policy once
for _, n in ipairs({10, 40, 150}) do
  local sets = {}
  for s = 1, 32 do sets[s] = diver(n, s) end
  local t0, sink = clock(), 0
  for i = 1, divers do
    sink = sink + rating.compute(sets[i % 32 + 1]).total
  end
  local us = (clock() - t0) * 1e6 / divers
  print(string.format("compute from Lua: %3d rows/diver: %.2f us/diver (%d divers, checksum %.3f)",
    n, us, divers, sink / divers))
end
