/* lrating.c: Lua module dm.rating: compute(stats [, policy]), dd(code, height [, policy]),
 * policy(), reload() over core/rating.c and core/divetable.c.
 * Owns: the cache of loaded dive tables (registry table: resolved path -> DiveTable userdata,
 * whose __gc frees the C table) and the default policy read once from rules/rating.lua. */
#include "host.h"
#include "rating.h"

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define TABLE_MT      "dm.rating.DiveTable"
#define DEFAULT_RULES "rules/rating.lua"
#define DEFAULT_TABLE "rules/dive_table.tsv"
#define MAX_NUMBER    15

static const char cache_key = 'c';  /* registry[&cache_key]: path -> DiveTable */
static const char policy_key = 'p'; /* registry[&policy_key]: the default policy table */

static const char *const event_names[DM_RATING_NEVENTS] = {"1m", "3m", "platform"};

typedef struct table_box {
    dm_divetable *t; /* NULL once freed */
} table_box;

typedef struct row_copy {
    char number[MAX_NUMBER + 1];
    lua_Integer index; /* position in the stats array */
} row_copy;

/* DiveTable __gc: free the C table; idempotent. */
static int table_gc(lua_State *L)
{
    table_box *box = luaL_checkudata(L, 1, TABLE_MT);
    dm_divetable_free(box->t);
    box->t = NULL;
    return 0;
}

/* A relative path is taken from the dmhost root (where lua/, jobs/ and rules/ live), never
 * from the working directory (the app's diveTable.json was, defect 15). Pushes the path. */
static const char *push_resolved(lua_State *L, const char *path)
{
    dm_host *h = dm_host_of(L);
    if (path[0] != '/' && h != NULL && h->L != NULL && h->root[0] != '\0') {
        return lua_pushfstring(L, "%s/%s", h->root, path);
    }
    return lua_pushstring(L, path);
}

/* The dive table at path, loaded on first use and cached for the life of the Lua state. */
static const dm_divetable *get_table(lua_State *L, const char *path)
{
    int top = lua_gettop(L);
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &cache_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawsetp(L, LUA_REGISTRYINDEX, &cache_key);
    }
    const char *full = push_resolved(L, path); /* stack: cache, full */
    lua_pushvalue(L, -1);
    if (lua_rawget(L, -3) == LUA_TUSERDATA) {
        const dm_divetable *t = ((table_box *)lua_touserdata(L, -1))->t;
        lua_settop(L, top);
        return t;
    }
    lua_pop(L, 1);
    table_box *box = lua_newuserdatauv(L, sizeof *box, 0); /* owned by Lua before loading */
    box->t = NULL;
    luaL_setmetatable(L, TABLE_MT);
    char err[512];
    box->t = dm_divetable_load(full, err, sizeof err);
    if (box->t == NULL) {
        return luaL_error(L, "dm.rating: %s", err), NULL;
    }
    lua_rawset(L, -3); /* cache[full] = box */
    const dm_divetable *t = box->t;
    lua_settop(L, top);
    return t;
}

/* Read a number field of the policy table at idx (nil keeps *out). */
static void policy_number(lua_State *L, int idx, const char *key, double *out)
{
    int t = lua_getfield(L, idx, key);
    if (t == LUA_TNUMBER) {
        *out = lua_tonumber(L, -1);
    } else if (t != LUA_TNIL) {
        luaL_error(L, "dm.rating: policy.%s must be a number (got %s)", key, lua_typename(L, t));
    }
    lua_pop(L, 1);
}

static const char *const policy_keys[] = {"times_weight_base",     "event_1m_max_height_m",
                                          "event_3m_max_height_m", "count_armstand_best",
                                          "dive_table_path",       NULL};

/* Fill p and *path from the policy table at idx; missing fields take the app's values.
 * Unknown keys are an error (a misspelt knob must not be silently ignored). */
static void read_policy(lua_State *L, int idx, dm_rating_policy *p, const char **path)
{
    idx = lua_absindex(L, idx);
    dm_rating_policy_default(p);
    *path = DEFAULT_TABLE;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        int known = 0;
        if (lua_type(L, -2) == LUA_TSTRING) {
            for (int i = 0; policy_keys[i] != NULL; i++) {
                known |= strcmp(lua_tostring(L, -2), policy_keys[i]) == 0;
            }
        }
        if (!known) {
            lua_pushvalue(L, -2);
            luaL_error(L, "dm.rating: unknown policy field '%s'", luaL_tolstring(L, -1, NULL));
        }
        lua_pop(L, 1);
    }
    policy_number(L, idx, "times_weight_base", &p->times_weight_base);
    policy_number(L, idx, "event_1m_max_height_m", &p->event_1m_max_height_m);
    policy_number(L, idx, "event_3m_max_height_m", &p->event_3m_max_height_m);
    int t = lua_getfield(L, idx, "count_armstand_best");
    if (t == LUA_TBOOLEAN) {
        p->count_armstand_best = lua_toboolean(L, -1);
    } else if (t != LUA_TNIL) {
        luaL_error(L, "dm.rating: policy.count_armstand_best must be a boolean (got %s)",
                   lua_typename(L, t));
    }
    lua_pop(L, 1);
    t = lua_getfield(L, idx, "dive_table_path");
    if (t == LUA_TSTRING) {
        *path = lua_tostring(L, -1); /* anchored by the policy table */
    } else if (t != LUA_TNIL) {
        luaL_error(L, "dm.rating: policy.dive_table_path must be a string (got %s)",
                   lua_typename(L, t));
    }
    lua_pop(L, 1);
    const char *bad = dm_rating_policy_check(p);
    if (bad != NULL) {
        luaL_error(L, "dm.rating: policy: %s", bad);
    }
}

/* Loads rules/rating.lua through dm.rules (sandbox, instruction budget, "file:line:" schema
 * errors). The argument is the path. */
static const char load_policy_lua[] =
    "local rules = require('dm.rules')\n"
    "local height = rules.number{min = 0, max = 20}\n"
    "return rules.load(..., rules.record({\n"
    "  times_weight_base = rules.number{min = 1, max = 10},\n"
    "  event_1m_max_height_m = height, event_3m_max_height_m = height,\n"
    "  count_armstand_best = rules.boolean{}, dive_table_path = rules.string{},\n"
    "}))\n";

/* Push the default policy table: rules/rating.lua under the root, read once and cached. */
static void push_default_policy(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &policy_key) == LUA_TTABLE) {
        return;
    }
    lua_pop(L, 1);
    if (luaL_loadbufferx(L, load_policy_lua, sizeof load_policy_lua - 1, "=dm.rating", "t") !=
        LUA_OK) {
        lua_error(L);
    }
    push_resolved(L, DEFAULT_RULES);
    lua_call(L, 1, 1); /* errors propagate with the rules file's message */
    dm_rating_policy p;
    const char *tpath;
    read_policy(L, -1, &p, &tpath); /* also the cross-field checks */
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &policy_key);
}

/* Policy from argument idx (nil/none -> the default); leaves one table pushed. */
static void get_policy(lua_State *L, int idx, dm_rating_policy *p, const char **path)
{
    if (lua_isnoneornil(L, idx)) {
        push_default_policy(L);
    } else {
        luaL_checktype(L, idx, LUA_TTABLE);
        lua_pushvalue(L, idx);
    }
    read_policy(L, -1, p, path);
}

static void push_height(lua_State *L, double h)
{
    if (h == floor(h) && fabs(h) < 1e15) {
        lua_pushinteger(L, (lua_Integer)h);
    } else {
        lua_pushnumber(L, h);
    }
}

static void set_num(lua_State *L, const char *key, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, key);
}

static void add_warning(lua_State *L, int warnings, const char *msg)
{
    lua_pushstring(L, msg);
    lua_rawseti(L, warnings, (lua_Integer)lua_rawlen(L, warnings) + 1);
}

/* A number field of a stats row; 0 when missing or not a number. */
static int row_number(lua_State *L, const char *key, double *out)
{
    int isnum = 0;
    lua_getfield(L, -1, key);
    *out = lua_tonumberx(L, -1, &isnum);
    lua_pop(L, 1);
    return isnum;
}

/* Read stats row i (on top of the stack) into d/copy; on a malformed row push a warning. */
static int read_row(lua_State *L, lua_Integer i, dm_rating_dive *d, row_copy *copy, int warnings)
{
    char msg[200];
    size_t len = 0;
    double times;
    const char *what = NULL;
    if (!lua_istable(L, -1)) {
        what = "not a table";
    } else {
        lua_getfield(L, -1, "number");
        const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
        if (s == NULL || len == 0 || len > MAX_NUMBER) {
            what = "number is missing, not a string or too long";
        } else {
            memcpy(copy->number, s, len);
            copy->number[len] = '\0';
        }
        lua_pop(L, 1);
    }
    if (what == NULL && !row_number(L, "height", &d->height_m)) {
        what = "height is missing or not a number";
    }
    if (what == NULL && !row_number(L, "avg_score", &d->avg_score)) {
        what = "avg_score is missing or not a number";
    }
    if (what == NULL && (!row_number(L, "times", &times) || times != floor(times))) {
        what = "times is missing or not a whole number";
    }
    if (what != NULL) {
        snprintf(msg, sizeof msg, "stats[%lld]: %s: row ignored", (long long)i, what);
        add_warning(L, warnings, msg);
        return 0;
    }
    d->number = copy->number;
    d->number_len = len;
    d->times = times > 1e9 ? 1000000000L : times < -1e9 ? -1000000000L : (long)times;
    copy->index = i;
    return 1;
}

static void row_warning(lua_State *L, int warnings, const row_copy *c, const dm_rating_dive *d,
                        int status)
{
    static const char *const why[] = {
        [DM_ROW_UNKNOWN_CODE] = "unknown dive code: DD 0",
        [DM_ROW_UNKNOWN_HEIGHT] = "no DD for this dive at this height: DD 0",
        [DM_ROW_NO_GROUP] = "dive number does not start with 1-6: row ignored",
        [DM_ROW_BAD_TIMES] = "times is below 1: row ignored",
        [DM_ROW_BAD_SCORE] = "avg_score is negative or not finite: row ignored",
        [DM_ROW_BAD_HEIGHT] = "height is not finite: row ignored",
    };
    char msg[200];
    snprintf(msg, sizeof msg, "stats[%lld] %s at %g m: %s", (long long)c->index, c->number,
             d->height_m, why[status]);
    add_warning(L, warnings, msg);
}

/* rating.compute(stats [, policy]) -> result table (see docs/rating.md). */
static int rating_compute(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    dm_rating_policy policy;
    const char *path;
    get_policy(L, 2, &policy, &path); /* stack: stats, [policy], policy table */
    const dm_divetable *table = get_table(L, path);

    lua_Integer n = luaL_len(L, 1);
    luaL_argcheck(L, n >= 0 && n <= 100000, 1, "too many stats rows");
    size_t un = (size_t)n;
    /* scratch owned by Lua, so an error cannot leak it */
    size_t bytes = un * (sizeof(dm_rating_dive) + sizeof(row_copy) + 1) + 1;
    dm_rating_dive *dives = lua_newuserdatauv(L, bytes, 0);
    row_copy *copies = (row_copy *)(dives + un);
    unsigned char *status = (unsigned char *)(copies + un);

    lua_newtable(L); /* the result */
    int result = lua_gettop(L);
    lua_newtable(L);
    int warnings = lua_gettop(L);
    size_t k = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        k += (size_t)read_row(L, i, &dives[k], &copies[k], warnings);
        lua_pop(L, 1);
    }

    dm_rating_result r;
    if (dm_rating_compute(table, &policy, dives, k, &r, status) != 0) {
        return luaL_error(L, "dm.rating: cannot compute (policy rejected or out of memory)");
    }
    for (size_t i = 0; i < k; i++) {
        if (status[i] != DM_ROW_OK) {
            row_warning(L, warnings, &copies[i], &dives[i], status[i]);
        }
    }

    lua_pushvalue(L, result);
    set_num(L, "springboard", r.springboard);
    set_num(L, "platform", r.platform);
    set_num(L, "total", r.total);
    lua_pushboolean(L, r.empty);
    lua_setfield(L, -2, "empty");
    lua_pushinteger(L, (lua_Integer)(r.unknown_code + r.unknown_height));
    lua_setfield(L, -2, "unknown_dd");
    lua_pushinteger(L, (lua_Integer)r.unknown_code);
    lua_setfield(L, -2, "unknown_code");
    lua_pushinteger(L, (lua_Integer)r.unknown_height);
    lua_setfield(L, -2, "unknown_height");
    lua_pushinteger(L, (lua_Integer)(r.ignored + (size_t)n - k));
    lua_setfield(L, -2, "ignored");
    lua_newtable(L); /* events */
    for (int e = 0; e < DM_RATING_NEVENTS; e++) {
        const dm_rating_event *ev = &r.events[e];
        lua_createtable(L, 0, 2);
        set_num(L, "value", ev->value);
        lua_createtable(L, ev->npicks, 0);
        for (int j = 0; j < ev->npicks; j++) {
            const dm_rating_pick *pk = &ev->picks[j];
            const dm_rating_dive *d = &dives[pk->row];
            lua_createtable(L, 0, 11);
            lua_pushstring(L, copies[pk->row].number);
            lua_setfield(L, -2, "number");
            push_height(L, d->height_m);
            lua_setfield(L, -2, "height");
            set_num(L, "avg_score", d->avg_score);
            set_num(L, "dd", pk->dd);
            lua_pushinteger(L, d->times);
            lua_setfield(L, -2, "times");
            set_num(L, "skill", pk->skill);
            set_num(L, "weight", pk->weight);
            set_num(L, "value", pk->value);
            lua_pushinteger(L, pk->group);
            lua_setfield(L, -2, "group");
            lua_pushboolean(L, pk->sixth);
            lua_setfield(L, -2, "sixth");
            lua_rawseti(L, -2, j + 1);
        }
        lua_setfield(L, -2, "dives");
        lua_setfield(L, -2, event_names[e]);
    }
    lua_setfield(L, -2, "events");
    lua_pushvalue(L, warnings);
    lua_setfield(L, -2, "warnings");
    return 1;
}

/* rating.dd(code, height [, policy]) -> dd (0 if unknown), name or nil */
static int rating_dd(lua_State *L)
{
    size_t len;
    const char *code = luaL_checklstring(L, 1, &len);
    double height = luaL_checknumber(L, 2);
    dm_rating_policy policy;
    const char *path;
    get_policy(L, 3, &policy, &path);
    const dm_divetable *table = get_table(L, path);
    lua_pushnumber(L, dm_divetable_dd(table, code, len, height, NULL));
    const dm_dive_entry *e = dm_divetable_find(table, code, len);
    if (e != NULL) {
        lua_pushstring(L, e->name);
    } else {
        lua_pushnil(L);
    }
    return 2;
}

/* rating.policy() -> a copy of the default policy, every field filled in */
static int rating_policy(lua_State *L)
{
    dm_rating_policy p;
    const char *path;
    get_policy(L, 1, &p, &path);
    lua_createtable(L, 0, 5);
    set_num(L, "times_weight_base", p.times_weight_base);
    set_num(L, "event_1m_max_height_m", p.event_1m_max_height_m);
    set_num(L, "event_3m_max_height_m", p.event_3m_max_height_m);
    lua_pushboolean(L, p.count_armstand_best);
    lua_setfield(L, -2, "count_armstand_best");
    lua_pushstring(L, path);
    lua_setfield(L, -2, "dive_table_path");
    return 1;
}

/* rating.reload(): forget the cached tables and default policy (after editing them) */
static int rating_reload(lua_State *L)
{
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &cache_key); /* the boxes are freed by __gc */
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &policy_key);
    return 0;
}

static const luaL_Reg rating_funcs[] = {{"compute", rating_compute},
                                        {"dd", rating_dd},
                                        {"policy", rating_policy},
                                        {"reload", rating_reload},
                                        {NULL, NULL}};

int luaopen_dm_rating(lua_State *L)
{
    if (luaL_newmetatable(L, TABLE_MT)) {
        lua_pushcfunction(L, table_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    luaL_newlib(L, rating_funcs);
    return 1;
}
