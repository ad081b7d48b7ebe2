/* lhttp.c: Lua module dm.core.http: one libcurl transfer per Request userdata.
 * Owns: the module's dm_http (closed by the module's __gc) and, while a transfer runs,
 * refs to its callback and to the Request itself. Retry and rate policy live in dm.http.
 * Lua sees: request(opts, cb) -> Request; Request:cancel(); configure{...}. */
#include "curl_uv.h"
#include "host.h"
#include "laux.h"

#include <string.h>

#define REQUEST_MT "dm.core.http.Request"
#define STATE_MT   "dm.core.http.State"

typedef struct request_box {
    dm_request *req; /* NULL once completed or cancelled */
    lua_State *L;
    int cb_ref, self_ref;
} request_box;

typedef struct http_state {
    dm_http *http;
} http_state;

static dm_http *module_http(lua_State *L)
{
    http_state *st = lua_touserdata(L, lua_upvalueindex(1));
    if (st->http == NULL)
        luaL_error(L, "dm.core.http is closed");
    return st->http;
}

static request_box *check_request(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, REQUEST_MT);
}

static void push_headers(lua_State *L, const dm_buf *head)
{
    lua_newtable(L);
    if (head->data == NULL)
        return;
    const char *p = head->data, *end = head->data + head->len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        const char *colon = memchr(p, ':', (size_t)(line_end - p));
        if (colon != NULL && colon > p) {
            luaL_Buffer name;
            luaL_buffinit(L, &name);
            for (const char *c = p; c < colon; c++)
                luaL_addchar(&name, (*c >= 'A' && *c <= 'Z') ? (char)(*c + 32) : *c);
            luaL_pushresult(&name);
            const char *v = colon + 1, *ve = line_end;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            lua_pushvalue(L, -1);
            if (lua_rawget(L, -3) == LUA_TSTRING) { /* repeated header: join with ", " */
                lua_pushliteral(L, ", ");
                lua_pushlstring(L, v, (size_t)(ve - v));
                lua_concat(L, 3);
            } else {
                lua_pop(L, 1);
                lua_pushlstring(L, v, (size_t)(ve - v));
            }
            lua_rawset(L, -3);
        }
        p = line_end + 1;
    }
}

static void set_num(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

/* Builds resp or (nil, message, code) on the stack; returns the number of values. */
static int push_result(lua_State *L, dm_request *req)
{
    const char *message, *code;
    if (dm_http_result(req, &message, &code) != CURLE_OK) {
        const char *url = dm_http_effective_url(req);
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", code, message);
        if (url != NULL) {
            lua_pushfstring(L, " (%s)", url);
            lua_concat(L, 2);
        }
        lua_pushstring(L, code);
        return 3;
    }
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, dm_http_status(req));
    lua_setfield(L, -2, "status");
    const dm_buf *body = dm_http_body(req);
    lua_pushlstring(L, body->data ? body->data : "", body->len);
    lua_setfield(L, -2, "body");
    push_headers(L, dm_http_headers(req));
    lua_setfield(L, -2, "headers");
    const char *url = dm_http_effective_url(req);
    lua_pushstring(L, url ? url : "");
    lua_setfield(L, -2, "url");
    lua_pushinteger(L, dm_http_version(req));
    lua_setfield(L, -2, "http_version");
    dm_http_timings t;
    dm_http_get_timings(req, &t);
    lua_createtable(L, 0, 5);
    set_num(L, "dns_ms", t.dns_ms);
    set_num(L, "connect_ms", t.connect_ms);
    set_num(L, "tls_ms", t.tls_ms);
    set_num(L, "ttfb_ms", t.ttfb_ms);
    set_num(L, "total_ms", t.total_ms);
    lua_setfield(L, -2, "timings");
    return 1;
}

/* on_transfer_done: hand the result to the Lua callback, then release everything. */
static void on_transfer_done(dm_request *req, void *ud)
{
    request_box *box = ud;
    lua_State *L = box->L;
    int cb = box->cb_ref;
    box->cb_ref = LUA_NOREF;
    box->req = NULL;
    int n = push_result(L, req);
    dm_http_request_free(req);
    dm_unref(L, &box->self_ref); /* the box may be collected after this */
    dm_call_ref(L, cb, n);
    luaL_unref(L, LUA_REGISTRYINDEX, cb);
}

static long opt_integer(lua_State *L, int t, const char *k, long dflt)
{
    long v = dflt;
    if (lua_getfield(L, t, k) != LUA_TNIL) {
        if (!lua_isinteger(L, -1) && !lua_isnumber(L, -1))
            luaL_error(L, "option '%s' must be a number", k);
        v = (long)lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static int opt_boolean(lua_State *L, int t, const char *k, int dflt)
{
    int v = dflt;
    if (lua_getfield(L, t, k) != LUA_TNIL)
        v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* The headers option: {["Name"] = "value", ...} or {"Name: value", ...}. */
static struct curl_slist *opt_headers(lua_State *L, int t)
{
    struct curl_slist *list = NULL;
    if (lua_getfield(L, t, "headers") == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) { /* stack: headers, key, value */
            int keyed = lua_type(L, -2) == LUA_TSTRING;
            const char *value = luaL_tolstring(L, -1, NULL);
            const char *line =
                keyed ? lua_pushfstring(L, "%s: %s", lua_tostring(L, -3), value) : value;
            struct curl_slist *next = curl_slist_append(list, line);
            lua_pop(L, keyed ? 3 : 2);
            if (next == NULL) {
                curl_slist_free_all(list);
                luaL_error(L, "out of memory");
            }
            list = next;
        }
    }
    lua_pop(L, 1);
    return list;
}

/* http.request(opts, cb) -> Request
 * opts: url, method, headers, body, timeout_ms, connect_timeout_ms, decode (true),
 * follow (true), max_redirects (5), max_body (bytes, 0 = unlimited), user_agent.
 * cb(resp) or cb(nil, message, code) runs later on the loop, never before this returns. */
static int http_request(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    dm_http *http = module_http(L);
    dm_http_opts o;
    memset(&o, 0, sizeof o);
    lua_getfield(L, 1, "url");
    o.url = lua_tostring(L, -1);
    luaL_argcheck(L, o.url != NULL, 1, "opts.url must be a string");
    lua_getfield(L, 1, "method");
    o.method = lua_tostring(L, -1);
    lua_getfield(L, 1, "body");
    o.body = lua_tolstring(L, -1, &o.body_len);
    lua_getfield(L, 1, "user_agent");
    o.user_agent = lua_isnil(L, -1) ? "dmhost/" DM_VERSION : lua_tostring(L, -1);
    /* stack: opts, cb, url, method, body, user_agent (kept until the options are copied) */
    o.timeout_ms = opt_integer(L, 1, "timeout_ms", 0);
    o.connect_timeout_ms = opt_integer(L, 1, "connect_timeout_ms", 0);
    o.max_redirects = opt_integer(L, 1, "max_redirects", 5);
    o.max_body = (size_t)opt_integer(L, 1, "max_body", 0);
    o.decode = opt_boolean(L, 1, "decode", 1);
    o.follow = opt_boolean(L, 1, "follow", 1);

    /* Lua-owned box first, so nothing leaks if anything below raises. */
    request_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->req = NULL;
    box->L = dm_host_of(L)->L;
    box->cb_ref = box->self_ref = LUA_NOREF;
    luaL_setmetatable(L, REQUEST_MT);
    o.headers = opt_headers(L, 1); /* owned by the request from here on */
    box->req = dm_http_start(http, &o, on_transfer_done, box);
    if (box->req == NULL)
        return luaL_error(L, "cannot start request: out of memory");
    lua_pushvalue(L, 2);
    box->cb_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, -1);
    box->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 1;
}

/* Request:cancel(), __close: stop the transfer and free it; cb is never called. */
static int req_cancel(lua_State *L)
{
    request_box *box = check_request(L, 1);
    if (box->req != NULL) {
        dm_http_cancel(box->req);
        box->req = NULL;
        dm_unref(L, &box->cb_ref);
        dm_unref(L, &box->self_ref);
    }
    return 0;
}

/* Request:active() -> boolean */
static int req_active(lua_State *L)
{
    lua_pushboolean(L, check_request(L, 1)->req != NULL);
    return 1;
}

/* http.configure{max_host_connections = n, max_total_connections = n} */
static int http_configure(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    dm_http_set_limits(module_http(L), opt_integer(L, 1, "max_host_connections", 0),
                       opt_integer(L, 1, "max_total_connections", 0));
    return 0;
}

/* http.version() -> libcurl's version string, with its features */
static int http_version(lua_State *L)
{
    lua_pushstring(L, curl_version());
    return 1;
}

static int state_gc(lua_State *L)
{
    http_state *st = luaL_checkudata(L, 1, STATE_MT);
    if (st->http != NULL) {
        dm_http_close(st->http);
        st->http = NULL;
    }
    return 0;
}

static const luaL_Reg request_methods[] = {
    {"cancel", req_cancel}, {"active", req_active}, {NULL, NULL}};
static const luaL_Reg request_meta[] = {
    {"__gc", req_cancel}, {"__close", req_cancel}, {"__index", NULL}, {NULL, NULL}};
static const luaL_Reg http_funcs[] = {{"request", http_request},
                                      {"configure", http_configure},
                                      {"version", http_version},
                                      {NULL, NULL}};

int luaopen_dm_core_http(lua_State *L)
{
    luaL_newmetatable(L, REQUEST_MT);
    luaL_setfuncs(L, request_meta, 0);
    luaL_newlib(L, request_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);

    lua_newtable(L);
    http_state *st = lua_newuserdatauv(L, sizeof *st, 0);
    st->http = NULL;
    luaL_newmetatable(L, STATE_MT);
    lua_pushcfunction(L, state_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    st->http = dm_http_new(&dm_host_of(L)->loop);
    if (st->http == NULL)
        return luaL_error(L, "cannot create the HTTP client");
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "_state"); /* stack: lib, state */
    luaL_setfuncs(L, http_funcs, 1);
    return 1;
}
