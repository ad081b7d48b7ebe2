/* ldivemeets.c: Lua binding dm.core.divemeets over the pure-C extractor (divemeets.c).
 * Lua sees: parse(html [, opts | id]) -> {kind, info?, stats?, warnings}. Only the result
 * tables are built (never the DOM); they are built under lua_pcall so that a memory error
 * cannot leak the C result, which is always freed before returning or re-raising. */
#include "divemeets.h"

#include <lauxlib.h>
#include <lua.h>
#include <math.h>

static void set_str(lua_State *L, const char *key, const char *v)
{
    if (v != NULL) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, key);
    }
}

static void set_int(lua_State *L, const char *key, long v)
{
    if (v != DM_DIVEMEETS_ABSENT) {
        lua_pushinteger(L, (lua_Integer)v);
        lua_setfield(L, -2, key);
    }
}

static void set_num(lua_State *L, const char *key, double v)
{
    lua_pushnumber(L, (lua_Number)v);
    lua_setfield(L, -2, key);
}

/* Heights read nicer as integers when whole (1, 3, 10; 7.5 stays a float). */
static void set_height(lua_State *L, double h)
{
    if (h == floor(h) && h >= 0 && h < 1e9)
        lua_pushinteger(L, (lua_Integer)h);
    else
        lua_pushnumber(L, (lua_Number)h);
    lua_setfield(L, -2, "height");
}

/* Protected: converts the dm_profile (light userdata at 1) to the result table. */
static int push_result(lua_State *L)
{
    const dm_profile *p = lua_touserdata(L, 1);
    lua_createtable(L, 0, 4);
    lua_pushstring(L, dm_divemeets_kind_name(p->kind));
    lua_setfield(L, -2, "kind");
    if (p->has_info) {
        const dm_profile_info *in = &p->info;
        lua_createtable(L, 0, 10);
        set_str(L, "name", in->name);
        set_str(L, "first_name", in->first_name);
        set_str(L, "last_name", in->last_name);
        set_str(L, "city_state", in->city_state);
        set_str(L, "country", in->country);
        set_str(L, "gender", in->gender);
        set_int(L, "age", in->age);
        set_int(L, "fina_age", in->fina_age);
        set_int(L, "hs_grad_year", in->hs_grad_year);
        set_int(L, "divemeets_id", in->divemeets_id);
        lua_setfield(L, -2, "info");
    }
    if (p->has_stats) {
        lua_createtable(L, (int)p->nstats, 0);
        for (size_t i = 0; i < p->nstats; i++) {
            const dm_dive_stat *s = &p->stats[i];
            lua_createtable(L, 0, 8);
            set_str(L, "number", s->number);
            set_height(L, s->height);
            set_str(L, "description", s->description);
            set_num(L, "high_score", s->high_score);
            set_str(L, "high_score_url", s->high_score_url);
            set_num(L, "avg_score", s->avg_score);
            set_str(L, "avg_score_url", s->avg_score_url);
            lua_pushinteger(L, (lua_Integer)s->times);
            lua_setfield(L, -2, "times");
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        lua_setfield(L, -2, "stats");
    }
    lua_createtable(L, (int)p->nwarnings, 0);
    for (size_t i = 0; i < p->nwarnings; i++) {
        lua_pushstring(L, p->warnings[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "warnings");
    return 1;
}

static long opt_id(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return 0;
    lua_Integer id;
    if (lua_type(L, idx) == LUA_TSTRING) {
        int ok = 0;
        id = lua_tointegerx(L, idx, &ok);
        luaL_argcheck(L, ok, 2, "id must be an integer or a string of digits");
    } else {
        id = luaL_checkinteger(L, idx);
    }
    luaL_argcheck(L, id >= 0, 2, "id must not be negative");
    return (long)id;
}

/* divemeets.parse(html [, opts | id]) -> result
 * opts: id (integer), status (HTTP status), site_root (string), stats (boolean, default true) */
static int divemeets_parse(lua_State *L)
{
    size_t len;
    const char *html = luaL_checklstring(L, 1, &len);
    dm_divemeets_opts o = {NULL, 0, 0, 1, 0};
    if (lua_istable(L, 2)) {
        lua_getfield(L, 2, "id"); /* stack: html, opts, id */
        o.id = opt_id(L, -1);
        lua_getfield(L, 2, "status");
        if (!lua_isnil(L, -1))
            o.status = (int)luaL_checkinteger(L, -1);
        lua_getfield(L, 2, "stats");
        if (!lua_isnil(L, -1))
            o.want_stats = lua_toboolean(L, -1);
        lua_getfield(L, 2, "gumbo_only");
        o.gumbo_only = lua_toboolean(L, -1);
        lua_getfield(L, 2, "site_root"); /* stays on the stack while the parse runs */
        if (!lua_isnil(L, -1)) {
            luaL_argcheck(L, lua_type(L, -1) == LUA_TSTRING, 2, "site_root must be a string");
            o.site_root = lua_tostring(L, -1);
        }
    } else if (!lua_isnoneornil(L, 2)) {
        o.id = opt_id(L, 2);
    }
    dm_profile p;
    int rc = dm_divemeets_parse(html, len, &o, &p);
    if (rc < 0) {
        dm_divemeets_free(&p);
        return luaL_error(L, "dm.divemeets.parse: out of memory");
    }
    lua_pushcfunction(L, push_result);
    lua_pushlightuserdata(L, &p);
    int st = lua_pcall(L, 1, 1, 0);
    dm_divemeets_free(&p);
    if (st != LUA_OK)
        return lua_error(L);
    return 1;
}

/* divemeets.profile_url(id [, site_root]) -> url */
static int divemeets_profile_url(lua_State *L)
{
    long id = opt_id(L, 1);
    size_t rl;
    const char *root = luaL_optlstring(L, 2, DM_DIVEMEETS_SITE_ROOT, &rl);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    lua_pushlstring(L, root, rl);
    lua_pushfstring(L, "/divemeets/system/profile.php?number=%I", (lua_Integer)id);
    lua_concat(L, 2);
    return 1;
}

static const luaL_Reg divemeets_funcs[] = {
    {"parse", divemeets_parse},
    {"profile_url", divemeets_profile_url},
    {NULL, NULL},
};

int luaopen_dm_core_divemeets(lua_State *L)
{
    luaL_newlib(L, divemeets_funcs);
    lua_pushstring(L, DM_DIVEMEETS_SITE_ROOT);
    lua_setfield(L, -2, "SITE_ROOT");
    return 1;
}
