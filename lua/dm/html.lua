-- dm.html: a small generic HTML API for the REPL and for quick looks at pages (gumbo, C).
--   local doc = html.parse(text)             -- bytes; non-UTF-8 bytes read as Windows-1252
--   for _, a in ipairs(doc:select("a", "href")) do print(a:attr("href"), a:text()) end
--   doc:select(tag [, attr [, value]])      -- tag "*" = any element; attr alone = has attr
--   node.tag, node:text(), node:attr(name), node:attrs(), node:children(), node:parent(),
--   node:select(...), doc:root(), doc:close() (also on garbage collection)
-- Nodes are created lazily and keep their document alive. Not for the hot path: the profile
-- extractor (dm.divemeets) never builds Lua nodes.
local core = require("dm.core.html")

local M = {}

function M.parse(text)
  if type(text) ~= "string" then
    error("parse: html text must be a string, got " .. type(text), 2)
  end
  return core.parse(text)
end

-- The text of a node with whitespace runs (and &nbsp;) collapsed to one space, trimmed.
function M.clean_text(node)
  local s = node:text():gsub("\194\160", " "):gsub("%s+", " ")
  return (s:gsub("^ ", ""):gsub(" $", ""))
end

return M
