/* ljson_encode.c: json.encode of dm.core.json, Lua value -> JSON text (see ljson.c).
 * Integers stay integers, floats are written to read back exactly, keys are sorted by
 * default, errors name the path ("... at $.a[3].b"). Owns: the escape tables and the
 * encoder-only parts of the scratch (sort keys, path); output goes to its buffer. */

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ljson.h"

/* the scratch's encoder-only arrays (freed by ljson.c with the rest of the scratch) */
typedef struct dm_json_key {
    const char *s; /* string key (points into a Lua string anchored in the table) */
    size_t len;
    lua_Integer ikey; /* the key, when isint */
    int isint;
    char ibuf[24]; /* decimal form of ikey, used for sorting and output */
} keyent;

typedef struct dm_json_step {
    const char *key; /* object member name, or NULL for an array index */
    size_t klen;
    lua_Integer index;
} pathent;

static void encode_value(lua_State *L, dm_json_scratch *e, int idx);

/* Push "$.a[3].b" for the current path. */
static void push_path(lua_State *L, dm_json_scratch *e)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '$');
    for (int i = 1; i <= e->depth; i++) {
        if (e->depth > 16 && i == 5) { /* deep (likely a cycle): first 4 and last 8 steps */
            luaL_addstring(&b, "...");
            i = e->depth - 8;
            continue;
        }
        pathent *pe = &e->path[i];
        if (pe->key != NULL) {
            luaL_addchar(&b, '.');
            luaL_addlstring(&b, pe->key, pe->klen > 60 ? 60 : pe->klen);
        } else {
            char n[32];
            snprintf(n, sizeof n, "[%lld]", (long long)pe->index);
            luaL_addstring(&b, n);
        }
    }
    luaL_pushresult(&b);
}

static _Noreturn void encode_fail(lua_State *L, dm_json_scratch *e, const char *what)
{
    lua_pushstring(L, what);
    lua_pushstring(L, " at ");
    push_path(L, e);
    lua_concat(L, 3);
    lua_error(L);
    abort(); /* not reached: lua_error longjmps */
}

static const char hexdigits[] = "0123456789abcdef";

/* 0 = copy as is, 1 = short escape (the char after the backslash), 2 = \u00XX, 3 = UTF-8 */
static unsigned char esc_class[256];
static char esc_short[256];

/* Fill the tables once (idempotent, constant data); luaopen_dm_core_json calls it. */
void dm_json_encode_init(void)
{
    static int tables_ready = 0;
    if (tables_ready) {
        return;
    }
    for (int c = 0; c < 256; c++) {
        esc_class[c] = (c < 0x20) ? 2 : (c >= 0x80) ? 3 : 0;
    }
    const char *from = "\"\\\b\f\n\r\t", *to = "\"\\bfnrt";
    for (int i = 0; from[i]; i++) {
        esc_class[(unsigned char)from[i]] = 1;
        esc_short[(unsigned char)from[i]] = to[i];
    }
    tables_ready = 1;
}

static void encode_string(lua_State *L, dm_json_scratch *e, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    dm_json_buf *b = &e->out;
    dm_json_buf_reserve(L, b, len + 2);
    b->p[b->len++] = '"';
    size_t run = 0, i = 0;
    while (i < len) {
        unsigned char cls = esc_class[s[i]];
        if (cls == 0) {
            i++;
            continue;
        }
        if (cls == 3) {
            size_t n = dm_json_utf8_len(s + i, len - i);
            if (n == 0) {
                encode_fail(L, e, "json.encode: string is not valid UTF-8");
            }
            i += n;
            continue;
        }
        dm_json_buf_add(L, b, str + run, i - run);
        if (cls == 1) {
            char esc[2] = {'\\', esc_short[s[i]]};
            dm_json_buf_add(L, b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hexdigits[s[i] >> 4], hexdigits[s[i] & 15]};
            dm_json_buf_add(L, b, esc, 6);
        }
        run = ++i;
    }
    dm_json_buf_reserve(L, b, len - run + 1);
    memcpy(b->p + b->len, str + run, len - run);
    b->len += len - run;
    b->p[b->len++] = '"';
}

static size_t format_integer(char *buf, lua_Integer v) /* buf >= 24 bytes */
{
    char tmp[24];
    size_t n = 0;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    size_t len = 0;
    if (v < 0) {
        buf[len++] = '-';
    }
    while (n > 0) {
        buf[len++] = tmp[--n];
    }
    buf[len] = '\0';
    return len;
}

static void encode_number(lua_State *L, dm_json_scratch *e, int idx)
{
    char buf[40];
    size_t n;
    if (lua_isinteger(L, idx)) {
        n = format_integer(buf, lua_tointeger(L, idx));
        dm_json_buf_add(L, &e->out, buf, n);
        return;
    }
    double d = lua_tonumber(L, idx);
    if (isnan(d) || isinf(d)) {
        encode_fail(L, e,
                    isnan(d) ? "json.encode: cannot encode NaN" : "json.encode: cannot encode inf");
    }
    /* shortest of %.14g .. %.17g that reads back as the same double */
    for (int prec = 14; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (prec == 17 || strtod(buf, NULL) == d) {
            break;
        }
    }
    n = strlen(buf);
    int looks_int = 1;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == e->dp) {
            buf[i] = '.';
        }
        if (buf[i] == '.' || buf[i] == 'e') {
            looks_int = 0;
        }
    }
    if (looks_int) { /* keep it a float when read back: 3.0 -> "3.0", not "3" */
        buf[n++] = '.';
        buf[n++] = '0';
    }
    dm_json_buf_add(L, &e->out, buf, n);
}

static void newline_indent(lua_State *L, dm_json_scratch *e, int depth)
{
    dm_json_buf_reserve(L, &e->out, 1 + 2 * (size_t)depth);
    e->out.p[e->out.len++] = '\n';
    memset(e->out.p + e->out.len, ' ', 2 * (size_t)depth);
    e->out.len += 2 * (size_t)depth;
}

enum { K_EMPTY, K_ARRAY, K_OBJECT };

/* Decide how the table at idx encodes; *n gets the array length. Raises on sparse or
 * mixed tables and on keys JSON cannot carry. */
static int classify_table(lua_State *L, dm_json_scratch *e, int idx, lua_Integer *n)
{
    int mark = 0; /* 1 array, 2 object */
    if (lua_getmetatable(L, idx)) {
        if (lua_rawequal(L, -1, DM_JSON_ARRAY_MT)) {
            mark = 1;
        } else if (lua_rawequal(L, -1, DM_JSON_OBJECT_MT)) {
            mark = 2;
        }
        lua_pop(L, 1);
    }
    lua_Integer count = 0, max = 0;
    int nstr = 0, nint = 0, nonpos = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
        int kt = lua_type(L, -1);
        if (kt == LUA_TSTRING) {
            nstr++;
        } else if (kt == LUA_TNUMBER && lua_isinteger(L, -1)) {
            lua_Integer k = lua_tointeger(L, -1);
            nint++;
            if (k < 1) {
                nonpos = 1;
            } else if (k > max) {
                max = k;
            }
        } else {
            lua_pushfstring(L, "json.encode: cannot encode a table key of type %s",
                            kt == LUA_TNUMBER ? "float" : luaL_typename(L, -1));
            encode_fail(L, e, lua_tostring(L, -1));
        }
    }
    *n = max;
    if (mark == 2) {
        return K_OBJECT;
    }
    if (mark == 1) {
        if (nstr > 0 || nonpos || count != max) {
            encode_fail(L, e,
                        nstr > 0 ? "json.encode: array-marked table has string keys"
                                 : "json.encode: array-marked table is sparse (holes or keys < 1)");
        }
        return K_ARRAY;
    }
    if (count == 0) {
        return K_EMPTY;
    }
    if (nstr > 0 && nint > 0) {
        encode_fail(L, e,
                    "json.encode: mixed table (both integer and string keys); "
                    "mark it with json.object() to encode integer keys as strings");
    }
    if (nstr > 0) {
        return K_OBJECT;
    }
    if (nonpos || count != max) {
        lua_pushfstring(L,
                        "json.encode: sparse array (%I entries, largest index %I); "
                        "fill holes with json.null or use json.object()",
                        count, max);
        encode_fail(L, e, lua_tostring(L, -1));
    }
    return K_ARRAY;
}

static void encode_array(lua_State *L, dm_json_scratch *e, int idx, lua_Integer n)
{
    dm_json_buf_addc(L, &e->out, '[');
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1) {
            dm_json_buf_addc(L, &e->out, ',');
        }
        if (e->pretty) {
            newline_indent(L, e, e->depth);
        }
        e->path[e->depth].key = NULL;
        e->path[e->depth].index = i;
        lua_rawgeti(L, idx, i);
        encode_value(L, e, lua_gettop(L));
        lua_pop(L, 1);
    }
    if (e->pretty && n > 0) {
        newline_indent(L, e, e->depth - 1);
    }
    dm_json_buf_addc(L, &e->out, ']');
}

static void encode_key(lua_State *L, dm_json_scratch *e, const char *s, size_t len)
{
    encode_string(L, e, s, len);
    if (e->pretty) {
        dm_json_buf_add(L, &e->out, ": ", 2);
    } else {
        dm_json_buf_addc(L, &e->out, ':');
    }
}

static const char *key_str(const keyent *k)
{
    return k->isint ? k->ibuf : k->s;
}

static int keyent_cmp(const void *a, const void *b)
{
    const keyent *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(key_str(x), key_str(y), n);
    if (c != 0) {
        return c;
    }
    return (x->len > y->len) - (x->len < y->len);
}

static void encode_object(lua_State *L, dm_json_scratch *e, int idx)
{
    int first = 1;
    dm_json_buf_addc(L, &e->out, '{');
    if (e->sort_keys) {
        size_t base = e->nkeys;
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            lua_pop(L, 1);
            if (e->nkeys == e->capkeys) {
                size_t cap = e->capkeys ? e->capkeys * 2 : 64;
                keyent *k = realloc(e->keys, cap * sizeof *k);
                if (k == NULL) {
                    luaL_error(L, "json: out of memory");
                }
                e->keys = k;
                e->capkeys = cap;
            }
            keyent *k = &e->keys[e->nkeys++];
            k->isint = lua_type(L, -1) != LUA_TSTRING;
            if (k->isint) {
                k->ikey = lua_tointeger(L, -1);
                k->len = format_integer(k->ibuf, k->ikey);
            } else {
                k->s = lua_tolstring(L, -1, &k->len); /* anchored: it is a key of the table */
            }
        }
        if (e->nkeys - base > 1) {
            qsort(e->keys + base, e->nkeys - base, sizeof *e->keys, keyent_cmp);
        }
        for (size_t i = base; i < e->nkeys; i++) {
            keyent k = e->keys[i]; /* a copy: e->keys may move while encoding children */
            const char *ks = key_str(&k);
            if (!first) {
                dm_json_buf_addc(L, &e->out, ',');
            }
            first = 0;
            if (e->pretty) {
                newline_indent(L, e, e->depth);
            }
            if (k.isint) {
                lua_pushinteger(L, k.ikey);
            } else {
                lua_pushlstring(L, k.s, k.len);
            }
            lua_rawget(L, idx);
            e->path[e->depth].key = ks;
            e->path[e->depth].klen = k.len;
            encode_key(L, e, ks, k.len);
            encode_value(L, e, lua_gettop(L));
            lua_pop(L, 1);
        }
        e->nkeys = base;
    } else {
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            if (!first) {
                dm_json_buf_addc(L, &e->out, ',');
            }
            first = 0;
            if (e->pretty) {
                newline_indent(L, e, e->depth);
            }
            size_t klen;
            const char *ks;
            char ibuf[24];
            if (lua_type(L, -2) == LUA_TSTRING) {
                ks = lua_tolstring(L, -2, &klen);
            } else { /* do not lua_tolstring an integer key: it would confuse lua_next */
                klen = format_integer(ibuf, lua_tointeger(L, -2));
                ks = ibuf;
            }
            e->path[e->depth].key = ks;
            e->path[e->depth].klen = klen;
            encode_key(L, e, ks, klen);
            encode_value(L, e, lua_gettop(L));
            lua_pop(L, 1);
        }
    }
    if (e->pretty && !first) {
        newline_indent(L, e, e->depth - 1);
    }
    dm_json_buf_addc(L, &e->out, '}');
}

static void encode_table(lua_State *L, dm_json_scratch *e, int idx)
{
    if (e->depth >= e->max_depth) {
        lua_pushfstring(L, "json.encode: nesting deeper than %d (a cycle?)", e->max_depth);
        encode_fail(L, e, lua_tostring(L, -1));
    }
    luaL_checkstack(L, 6, "json.encode: nesting too deep");
    lua_Integer n;
    int kind = classify_table(L, e, idx, &n);
    e->depth++;
    if (kind == K_EMPTY) {
        dm_json_buf_add(L, &e->out, e->empty_array ? "[]" : "{}", 2);
    } else if (kind == K_ARRAY) {
        encode_array(L, e, idx, n);
    } else {
        encode_object(L, e, idx);
    }
    e->depth--;
}

static void encode_value(lua_State *L, dm_json_scratch *e, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        dm_json_buf_add(L, &e->out, "null", 4);
        break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx)) {
            dm_json_buf_add(L, &e->out, "true", 4);
        } else {
            dm_json_buf_add(L, &e->out, "false", 5);
        }
        break;
    case LUA_TNUMBER:
        encode_number(L, e, idx);
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        encode_string(L, e, s, len);
        break;
    }
    case LUA_TTABLE:
        encode_table(L, e, idx);
        break;
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) { /* json.null (== cjson.null) */
            dm_json_buf_add(L, &e->out, "null", 4);
            break;
        }
        /* fallthrough */
    default:
        lua_pushfstring(L, "json.encode: cannot encode a %s", luaL_typename(L, idx));
        encode_fail(L, e, lua_tostring(L, -1));
    }
}

static int encode_inner(lua_State *L)
{
    dm_json_scratch *e = lua_touserdata(L, 1);
    encode_value(L, e, 2);
    lua_pushlstring(L, e->out.p ? e->out.p : "", e->out.len);
    return 1;
}

/* json.encode(v [, {pretty=, sort_keys=true, empty_table="object"|"array", max_depth=}]) -> s */
int dm_json_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 2);
    int opts = 0;
    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        opts = 2;
    }
    dm_json_scratch *e = dm_json_scratch_new(L);
    e->pretty = dm_json_opt_bool(L, opts, "pretty", 0);
    e->sort_keys = dm_json_opt_bool(L, opts, "sort_keys", 1);
    e->max_depth = dm_json_opt_depth(L, opts);
    if (opts) {
        lua_getfield(L, opts, "empty_table");
        const char *et = lua_tostring(L, -1);
        if (et != NULL && strcmp(et, "array") == 0) {
            e->empty_array = 1;
        } else if (!lua_isnil(L, -1) && (et == NULL || strcmp(et, "object") != 0)) {
            return luaL_error(L, "json.encode: empty_table must be \"object\" or \"array\"");
        }
        lua_pop(L, 1);
    }
    e->path = malloc(((size_t)e->max_depth + 2) * sizeof *e->path);
    if (e->path == NULL) {
        return luaL_error(L, "json: out of memory");
    }
    if (dm_json_run_protected(L, encode_inner, e, 1) != LUA_OK) {
        return lua_error(L);
    }
    return 1;
}
