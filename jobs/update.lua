-- jobs/update.lua: stage 2 alone: read the list published for --input-date and update the
-- DiveMeetsDiver table from it, as the original ForceUpdateDiveMeetsDiverTable stage.
-- usage: dmhost jobs/update.lua --help
require("dm.job.run").main("update", arg)
