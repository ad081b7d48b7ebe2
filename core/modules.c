/* modules.c: the C modules the host puts in package.preload, in one table (as linit.c).
 * Add one line (and its extern) per Lua C module; nothing else belongs here. */
#include "host.h"

extern int luaopen_dm_core_fs(lua_State *L);
extern int luaopen_dm_core_host(lua_State *L);
extern int luaopen_dm_core_http(lua_State *L);
extern int luaopen_dm_core_json(lua_State *L);
extern int luaopen_dm_core_sqlite(lua_State *L);
extern int luaopen_dm_core_time(lua_State *L);
extern int luaopen_dm_rating(lua_State *L);
extern int luaopen_dm_core_divemeets(lua_State *L);
extern int luaopen_dm_core_html(lua_State *L);
extern int luaopen_cjson(lua_State *L);
extern int luaopen_cjson_safe(lua_State *L);

const luaL_Reg dm_preload_modules[] = {
    {"dm.core.fs", luaopen_dm_core_fs},         {"dm.core.host", luaopen_dm_core_host},
    {"dm.core.http", luaopen_dm_core_http},     {"dm.core.json", luaopen_dm_core_json},
    {"dm.core.sqlite", luaopen_dm_core_sqlite}, {"dm.core.time", luaopen_dm_core_time},
    {"dm.rating", luaopen_dm_rating},           {"dm.core.divemeets", luaopen_dm_core_divemeets},
    {"dm.core.html", luaopen_dm_core_html},     {"cjson", luaopen_cjson},
    {"cjson.safe", luaopen_cjson_safe},         {NULL, NULL},
};
