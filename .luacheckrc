-- luacheck configuration: Lua 5.4 everywhere, a strict allow-list for analyst rules.
std = "lua54"
max_line_length = 100
include_files = {"lua/**/*.lua", "jobs/**/*.lua", "rules/**/*.lua", "tests/**/*.lua"}
exclude_files = {"build*/**"}
files["rules/**/*.lua"] = {
  std = "none",
  read_globals = {"pairs", "ipairs", "math", "string", "table", "tostring", "tonumber", "type",
                  "error", "select", "next"},
}
files["tests/**/*_spec.lua"] = {std = "+busted"}
