/* dm.core.json: a strict JSON codec for Lua 5.4, written for dmhost (no third-party code).
 * Lua sees: encode(v [, opts]) -> s (raises on misuse); decode(s [, opts]) -> v | nil, msg.
 * This file: the module table, options, the per-call scratch (buffers malloc'd behind a
 * userdata, freed before returning), buffer/UTF-8 helpers. Codec: ljson_{encode,decode}.c. */

#include <lauxlib.h>
#include <locale.h>
#include <lua.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ljson.h"

#define SCRATCH_MT        "dm.core.json.Scratch"
#define DEFAULT_MAX_DEPTH 1000
#define LIMIT_MAX_DEPTH   10000 /* C recursion bound, whatever the caller asks */

/* upvalues shared by encode and decode */
#define UV_ARRAY_MT  lua_upvalueindex(1)
#define UV_OBJECT_MT lua_upvalueindex(2)

/* ====================================================================== */
/* growable byte buffer and UTF-8                                          */
/* ====================================================================== */

void dm_json_buf_grow(lua_State *L, dm_json_buf *b, size_t extra)
{
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) {
        if (cap > SIZE_MAX / 2) {
            luaL_error(L, "json: buffer too large");
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        luaL_error(L, "json: out of memory");
    }
    b->p = p;
    b->cap = cap;
}

size_t dm_json_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c >= 0xC2 && c <= 0xDF) {
        return (n >= 2 && (s[1] & 0xC0) == 0x80) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80) {
            return 0;
        }
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)) {
            return 0; /* overlong, or a surrogate */
        }
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80) {
            return 0;
        }
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)) {
            return 0; /* overlong, or above U+10FFFF */
        }
        return 4;
    }
    return 0;
}

/* ====================================================================== */
/* per-call scratch state, a userdata whose buffers are freed explicitly   */
/* ====================================================================== */

static char locale_decimal_point(void)
{
    const char *dp = localeconv()->decimal_point;
    return (dp != NULL && dp[0] != '\0') ? dp[0] : '.';
}

static void scratch_free(dm_json_scratch *st)
{
    free(st->out.p);
    free(st->keys);
    free(st->path);
    st->out.p = NULL;
    st->keys = NULL;
    st->path = NULL;
    st->out.len = st->out.cap = st->nkeys = st->capkeys = 0;
}

static int scratch_gc(lua_State *L) /* __gc: only if a call was interrupted */
{
    scratch_free(luaL_checkudata(L, 1, SCRATCH_MT));
    return 0;
}

dm_json_scratch *dm_json_scratch_new(lua_State *L)
{
    dm_json_scratch *st = lua_newuserdatauv(L, sizeof *st, 0);
    memset(st, 0, sizeof *st);
    luaL_setmetatable(L, SCRATCH_MT);
    st->dp = locale_decimal_point();
    return st;
}

int dm_json_opt_bool(lua_State *L, int opts, const char *name, int dflt)
{
    if (opts == 0) {
        return dflt;
    }
    int t = lua_getfield(L, opts, name);
    int v = (t == LUA_TNIL) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

int dm_json_opt_depth(lua_State *L, int opts)
{
    if (opts == 0) {
        return DEFAULT_MAX_DEPTH;
    }
    lua_getfield(L, opts, "max_depth");
    int isnum = 0;
    lua_Integer d = lua_tointegerx(L, -1, &isnum);
    int nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil) {
        return DEFAULT_MAX_DEPTH;
    }
    if (!isnum || d < 1 || d > LIMIT_MAX_DEPTH) {
        luaL_error(L, "json: max_depth must be an integer in 1..%d", LIMIT_MAX_DEPTH);
    }
    return (int)d;
}

int dm_json_run_protected(lua_State *L, lua_CFunction inner, dm_json_scratch *st, int arg)
{
    lua_pushcfunction(L, inner);
    lua_pushlightuserdata(L, st);
    lua_pushvalue(L, arg);
    lua_pushvalue(L, UV_ARRAY_MT);
    lua_pushvalue(L, UV_OBJECT_MT);
    int status = lua_pcall(L, 4, 1, 0);
    scratch_free(st);
    return status;
}

/* ====================================================================== */
/* the module                                                              */
/* ====================================================================== */

static const luaL_Reg json_funcs[] = {
    {"encode", dm_json_encode}, {"decode", dm_json_decode}, {NULL, NULL}};

int luaopen_dm_core_json(lua_State *L)
{
    dm_json_encode_init();
    if (luaL_newmetatable(L, SCRATCH_MT)) {
        lua_pushcfunction(L, scratch_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);

    luaL_newlibtable(L, json_funcs);
    lua_newtable(L); /* array_mt */
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__json");
    lua_newtable(L); /* object_mt */
    lua_pushliteral(L, "object");
    lua_setfield(L, -2, "__json");
    lua_pushvalue(L, -2);
    lua_setfield(L, -4, "array_mt");
    lua_pushvalue(L, -1);
    lua_setfield(L, -4, "object_mt");
    luaL_setfuncs(L, json_funcs, 2); /* both share the two marker tables as upvalues */
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    return 1;
}
