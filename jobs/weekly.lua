-- jobs/weekly.lua: the whole weekly mission: scan the id range, publish the eligible ids,
-- check the list, update the DiveMeetsDiver table, report (see dm.job.run).
-- usage: dmhost jobs/weekly.lua --help
require("dm.job.run").main("weekly", arg)
