/* laux.c: helpers shared by the Lua bindings (see laux.h). Owns nothing. */
#include "laux.h"
#include "host.h"

#include <stdio.h>

int dm_msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int dm_call_ref(lua_State *L, int ref, int nargs)
{
    int base = lua_gettop(L) - nargs; /* stack: args */
    lua_pushcfunction(L, dm_msghandler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_rotate(L, base + 1, 2); /* stack: handler, fn, args */
    int status = lua_pcall(L, nargs, 0, base + 1);
    if (status != LUA_OK) {
        fprintf(stderr, "dmhost: error in callback: %s\n", lua_tostring(L, -1));
        fflush(stderr);
        lua_pop(L, 1);
        dm_host_fail(dm_host_of(L));
    }
    lua_pop(L, 1); /* handler */
    return status == LUA_OK;
}

int dm_pushfail(lua_State *L, const char *message, const char *code)
{
    lua_pushnil(L);
    lua_pushstring(L, message);
    lua_pushstring(L, code);
    return 3;
}

void dm_unref(lua_State *L, int *ref)
{
    if (*ref != LUA_NOREF && *ref != LUA_REFNIL)
        luaL_unref(L, LUA_REGISTRYINDEX, *ref);
    *ref = LUA_NOREF;
}
