-- jobs/scan.lua: stage 1 alone: scan the id range and publish the list of eligible ids
-- (divemeets-divers-lists/<date>.csv), as the original GetDiveMeetsDiverIDList stage.
-- usage: dmhost jobs/scan.lua --help
require("dm.job.run").main("scan", arg)
