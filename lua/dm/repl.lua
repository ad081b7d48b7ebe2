-- dm.repl: the Lua side of the REPL: runs each line as a task, prints its values with a
-- pretty-printer (nested tables, sorted keys, cycles marked), reports errors without
-- leaving the REPL, and cancels the running line on Ctrl-C. Also the REPL's globals.
local host = require "dm.core.host"
local task = require "dm.task"

local M = {}

local function is_identifier(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

local function key_order(a, b)
  local ta, tb = type(a), type(b)
  if ta ~= tb then
    if ta == "number" then return true end
    if tb == "number" then return false end
    return ta < tb
  end
  if ta == "number" or ta == "string" then return a < b end
  return tostring(a) < tostring(b)
end

-- pretty(v [, {indent = "  ", max_depth = 8, max_items = 200}]) -> string
function M.pretty(v, opts)
  opts = opts or {}
  local indent = opts.indent or "  "
  local max_depth = opts.max_depth or 8
  local max_items = opts.max_items or 200
  local out, seen = {}, {}
  local function emit(s) out[#out + 1] = s end
  local function value(x, depth)
    local tx = type(x)
    if tx == "string" then
      emit(string.format("%q", x):gsub("\\\n", "\\n"))
    elseif tx ~= "table" then
      emit(tostring(x))
    elseif seen[x] then
      emit("<cycle " .. tostring(x) .. ">")
    elseif depth >= max_depth then
      emit("{...}")
    else
      local mt = getmetatable(x)
      if mt and mt.__tostring then emit(tostring(x)) return end
      seen[x] = true
      local n = #x
      local keys = {}
      for k in pairs(x) do
        if not (math.type(k) == "integer" and k >= 1 and k <= n) then keys[#keys + 1] = k end
      end
      table.sort(keys, key_order)
      if n == 0 and #keys == 0 then
        emit("{}")
      else
        local pad = string.rep(indent, depth + 1)
        emit("{\n")
        local count = 0
        for i = 1, n do
          count = count + 1
          if count > max_items then emit(pad .. "...\n") break end
          emit(pad)
          value(x[i], depth + 1)
          emit(",\n")
        end
        for _, k in ipairs(keys) do
          count = count + 1
          if count > max_items then emit(pad .. "...\n") break end
          emit(pad)
          if is_identifier(k) then
            emit(k)
          else
            emit("[")
            value(k, depth + 1)
            emit("]")
          end
          emit(" = ")
          value(x[k], depth + 1)
          emit(",\n")
        end
        emit(string.rep(indent, depth) .. "}")
      end
      seen[x] = nil
    end
  end
  value(v, 0)
  return table.concat(out)
end

-- pp(...): print values pretty-printed.
function M.pp(...)
  local n = select("#", ...)
  for i = 1, n do print(M.pretty((select(i, ...)))) end
end

local line -- the task running the current line

local function report(t)
  if t.status == "done" then
    local r = t.results
    if r.n > 0 then
      local parts = {}
      for i = 1, r.n do parts[i] = M.pretty(r[i]) end
      print(table.concat(parts, "\t"))
    end
  elseif t.status == "failed" then
    io.stderr:write(tostring(t.error), "\n")
  elseif t.status == "cancelled" then
    io.stderr:write("interrupted\n")
  end
  io.stdout:flush()
end

-- start(fn): run one line's chunk as a task.
function M.start(fn)
  line = task.spawn(fn)
  line.observed = true
  line.on_done = report
  return true
end

function M.finished()
  return line == nil or (line.status ~= "ready" and line.status ~= "suspended"
    and line.status ~= "running")
end

-- abandon(): the loop has nothing left that could finish the line.
function M.abandon()
  if line and line.status == "suspended" then
    line:cancel()
    io.stderr:write("(the line was waiting for something that can no longer happen)\n")
  end
  line = nil
  return true
end

-- A background task's error is printed; it does not end the REPL.
local function uncaught(t)
  io.stderr:write("background task failed: ", tostring(t.error), "\n")
end

host.on_interrupt(function()
  if line and line.status == "suspended" then line:cancel() end
end)

local function help()
  print([[
dmhost REPL: type Lua; expressions print their value; each line runs as a task, so
HTTP calls work here. Multi-line input continues with '>>'. Ctrl-C interrupts the
running line; Ctrl-D exits.
Globals: http (dm.http), task (dm.task), json (dm.json), pp(...) pretty-prints.
Diver helpers (x = a DiveMeets id, or a saved page's file path as a string):
  profile(x)        fetch or read, parse, show kind, info and the statistics table
  explain(x [, d])  which eligibility rule decides and why (run date d, default today)
  rating(x)         the chosen dives per event: avg x DD x (1.01 - 1/times) = value, totals
  site([url])       the site root ids are fetched from (default $DM_DIVEMEETS_URL or the
                    real site)]])
end

function M.banner()
  task.on_uncaught = uncaught
  _G.pp = M.pp
  _G.help = help
  _G.http = require "dm.http"
  _G.task = task
  _G.json = require "dm.json"
  -- the diver helpers; a broken module is reported, and the REPL still starts
  local ok, helpers = pcall(require, "dm.repl_helpers")
  if ok then
    helpers.install(_G)
  else
    io.stderr:write("dmhost: the REPL helpers did not load: ", tostring(helpers), "\n")
  end
  print(string.format("dmhost %s (%s) - help() for help, Ctrl-D to exit", host.version,
    _VERSION))
  return true
end

return M
