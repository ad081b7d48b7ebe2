/* dm.core.json: a strict JSON codec for Lua 5.4, written for dmhost (no third-party code).
 * Integers stay integers, floats round-trip, arrays carry array_mt, null is a sentinel.
 * Owns: the per-call scratch buffers (malloc'd behind a userdata, freed before returning).
 * Lua sees: encode(v [, opts]) -> s (raises on misuse); decode(s [, opts]) -> v | nil, msg. */

#include <lauxlib.h>
#include <locale.h>
#include <lua.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCRATCH_MT        "dm.core.json.Scratch"
#define DEFAULT_MAX_DEPTH 1000
#define LIMIT_MAX_DEPTH   10000 /* C recursion bound, whatever the caller asks */

/* upvalues shared by encode and decode */
#define UV_ARRAY_MT  lua_upvalueindex(1)
#define UV_OBJECT_MT lua_upvalueindex(2)

/* ====================================================================== */
/* growable byte buffer (malloc'd; the owner frees it)                    */
/* ====================================================================== */

typedef struct {
    char *p;
    size_t len, cap;
} jbuf;

static void jbuf_reserve(lua_State *L, jbuf *b, size_t extra)
{
    if (b->cap - b->len >= extra) {
        return;
    }
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

static void jbuf_add(lua_State *L, jbuf *b, const char *s, size_t n)
{
    if (n == 0) {
        return; /* b->p may still be NULL */
    }
    jbuf_reserve(L, b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void jbuf_addc(lua_State *L, jbuf *b, char c)
{
    if (b->len == b->cap) {
        jbuf_reserve(L, b, 1);
    }
    b->p[b->len++] = c;
}

/* ====================================================================== */
/* UTF-8                                                                   */
/* ====================================================================== */

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0 if invalid: rejects
 * overlong forms, surrogates (U+D800..DFFF) and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n)
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

static size_t utf8_put(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static char locale_decimal_point(void)
{
    const char *dp = localeconv()->decimal_point;
    return (dp != NULL && dp[0] != '\0') ? dp[0] : '.';
}

/* ====================================================================== */
/* per-call scratch state, a userdata whose buffers are freed explicitly   */
/* ====================================================================== */

typedef struct {
    const char *s; /* string key (points into a Lua string anchored in the table) */
    size_t len;
    lua_Integer ikey; /* the key, when isint */
    int isint;
    char ibuf[24]; /* decimal form of ikey, used for sorting and output */
} keyent;

typedef struct {
    const char *key; /* object member name, or NULL for an array index */
    size_t klen;
    lua_Integer index;
} pathent;

typedef struct {
    jbuf out;     /* encoder output / decoder string scratch */
    keyent *keys; /* encoder: stack of keys being sorted, shared by all levels */
    size_t nkeys, capkeys;
    pathent *path; /* encoder: where we are, for error messages */
    int depth, max_depth;
    int pretty, sort_keys, empty_array;
    char dp; /* locale decimal point */
    /* decoder */
    const char *src, *p, *end;
} scratch;

static void scratch_free(scratch *st)
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

static scratch *scratch_new(lua_State *L)
{
    scratch *st = lua_newuserdatauv(L, sizeof *st, 0);
    memset(st, 0, sizeof *st);
    luaL_setmetatable(L, SCRATCH_MT);
    st->dp = locale_decimal_point();
    return st;
}

static int opt_bool(lua_State *L, int opts, const char *name, int dflt)
{
    if (opts == 0) {
        return dflt;
    }
    int t = lua_getfield(L, opts, name);
    int v = (t == LUA_TNIL) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

static int opt_depth(lua_State *L, int opts)
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

/* Run inner(st, arg, array_mt, object_mt) protected, then free st's buffers whatever
 * happened. Returns the pcall status; the result or error is on top. */
static int run_protected(lua_State *L, lua_CFunction inner, scratch *st, int arg)
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
/* encoder                                                                 */
/* ====================================================================== */

/* inner stack: 1 = scratch, 2 = value, 3 = array_mt, 4 = object_mt */
#define E_ARRAY_MT  3
#define E_OBJECT_MT 4

static void encode_value(lua_State *L, scratch *e, int idx);

/* Push "$.a[3].b" for the current path. */
static void push_path(lua_State *L, scratch *e)
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

static _Noreturn void encode_fail(lua_State *L, scratch *e, const char *what)
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

static void init_escape_tables(void)
{
    for (int c = 0; c < 256; c++) {
        esc_class[c] = (c < 0x20) ? 2 : (c >= 0x80) ? 3 : 0;
    }
    const char *from = "\"\\\b\f\n\r\t", *to = "\"\\bfnrt";
    for (int i = 0; from[i]; i++) {
        esc_class[(unsigned char)from[i]] = 1;
        esc_short[(unsigned char)from[i]] = to[i];
    }
}

static void encode_string(lua_State *L, scratch *e, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    jbuf *b = &e->out;
    jbuf_reserve(L, b, len + 2);
    b->p[b->len++] = '"';
    size_t run = 0, i = 0;
    while (i < len) {
        unsigned char cls = esc_class[s[i]];
        if (cls == 0) {
            i++;
            continue;
        }
        if (cls == 3) {
            size_t n = utf8_seq(s + i, len - i);
            if (n == 0) {
                encode_fail(L, e, "json.encode: string is not valid UTF-8");
            }
            i += n;
            continue;
        }
        jbuf_add(L, b, str + run, i - run);
        if (cls == 1) {
            char esc[2] = {'\\', esc_short[s[i]]};
            jbuf_add(L, b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hexdigits[s[i] >> 4], hexdigits[s[i] & 15]};
            jbuf_add(L, b, esc, 6);
        }
        run = ++i;
    }
    jbuf_reserve(L, b, len - run + 1);
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

static void encode_number(lua_State *L, scratch *e, int idx)
{
    char buf[40];
    size_t n;
    if (lua_isinteger(L, idx)) {
        n = format_integer(buf, lua_tointeger(L, idx));
        jbuf_add(L, &e->out, buf, n);
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
    jbuf_add(L, &e->out, buf, n);
}

static void newline_indent(lua_State *L, scratch *e, int depth)
{
    jbuf_reserve(L, &e->out, 1 + 2 * (size_t)depth);
    e->out.p[e->out.len++] = '\n';
    memset(e->out.p + e->out.len, ' ', 2 * (size_t)depth);
    e->out.len += 2 * (size_t)depth;
}

enum { K_EMPTY, K_ARRAY, K_OBJECT };

/* Decide how the table at idx encodes; *n gets the array length. Raises on sparse or
 * mixed tables and on keys JSON cannot carry. */
static int classify_table(lua_State *L, scratch *e, int idx, lua_Integer *n)
{
    int mark = 0; /* 1 array, 2 object */
    if (lua_getmetatable(L, idx)) {
        if (lua_rawequal(L, -1, E_ARRAY_MT)) {
            mark = 1;
        } else if (lua_rawequal(L, -1, E_OBJECT_MT)) {
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

static void encode_array(lua_State *L, scratch *e, int idx, lua_Integer n)
{
    jbuf_addc(L, &e->out, '[');
    for (lua_Integer i = 1; i <= n; i++) {
        if (i > 1) {
            jbuf_addc(L, &e->out, ',');
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
    jbuf_addc(L, &e->out, ']');
}

static void encode_key(lua_State *L, scratch *e, const char *s, size_t len)
{
    encode_string(L, e, s, len);
    if (e->pretty) {
        jbuf_add(L, &e->out, ": ", 2);
    } else {
        jbuf_addc(L, &e->out, ':');
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

static void encode_object(lua_State *L, scratch *e, int idx)
{
    int first = 1;
    jbuf_addc(L, &e->out, '{');
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
                jbuf_addc(L, &e->out, ',');
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
                jbuf_addc(L, &e->out, ',');
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
    jbuf_addc(L, &e->out, '}');
}

static void encode_table(lua_State *L, scratch *e, int idx)
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
        jbuf_add(L, &e->out, e->empty_array ? "[]" : "{}", 2);
    } else if (kind == K_ARRAY) {
        encode_array(L, e, idx, n);
    } else {
        encode_object(L, e, idx);
    }
    e->depth--;
}

static void encode_value(lua_State *L, scratch *e, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        jbuf_add(L, &e->out, "null", 4);
        break;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx)) {
            jbuf_add(L, &e->out, "true", 4);
        } else {
            jbuf_add(L, &e->out, "false", 5);
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
            jbuf_add(L, &e->out, "null", 4);
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
    scratch *e = lua_touserdata(L, 1);
    encode_value(L, e, 2);
    lua_pushlstring(L, e->out.p ? e->out.p : "", e->out.len);
    return 1;
}

/* json.encode(v [, {pretty=, sort_keys=true, empty_table="object"|"array", max_depth=}]) -> s */
static int json_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 2);
    int opts = 0;
    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        opts = 2;
    }
    scratch *e = scratch_new(L);
    e->pretty = opt_bool(L, opts, "pretty", 0);
    e->sort_keys = opt_bool(L, opts, "sort_keys", 1);
    e->max_depth = opt_depth(L, opts);
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
    if (run_protected(L, encode_inner, e, 1) != LUA_OK) {
        return lua_error(L);
    }
    return 1;
}

/* ====================================================================== */
/* decoder                                                                 */
/* ====================================================================== */

/* inner stack: 1 = scratch, 2 = string, 3 = array_mt, 4 = object_mt */
#define D_ARRAY_MT  3
#define D_OBJECT_MT 4

static _Noreturn void decode_fail(lua_State *L, scratch *d, const char *at, const char *msg)
{
    int line = 1;
    const char *bol = d->src;
    for (const char *q = d->src; q < at; q++) {
        if (*q == '\n') {
            line++;
            bol = q + 1;
        }
    }
    lua_pushfstring(L, "%s at line %d col %d", msg, line, (int)(at - bol) + 1);
    lua_error(L);
    abort(); /* not reached: lua_error longjmps */
}

static _Noreturn void decode_unexpected(lua_State *L, scratch *d, const char *at,
                                        const char *expected)
{
    char what[64];
    if (at >= d->end) {
        snprintf(what, sizeof what, "unexpected end of input");
    } else if ((unsigned char)*at >= 0x21 && (unsigned char)*at < 0x7f) {
        snprintf(what, sizeof what, "unexpected character '%c'", *at);
    } else {
        snprintf(what, sizeof what, "unexpected byte 0x%02x", (unsigned char)*at);
    }
    if (expected != NULL) {
        lua_pushfstring(L, "%s, expected %s", what, expected);
        decode_fail(L, d, at, lua_tostring(L, -1));
    }
    decode_fail(L, d, at, what);
}

static void skip_ws(scratch *d)
{
    const char *p = d->p;
    while (p < d->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) {
        p++;
    }
    d->p = p;
}

static int hex4(const char *p, unsigned long *out)
{
    unsigned long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') {
            v |= (unsigned long)(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            v |= (unsigned long)(c - 'a' + 10);
        } else if (c >= 'A' && c <= 'F') {
            v |= (unsigned long)(c - 'A' + 10);
        } else {
            return 0;
        }
    }
    *out = v;
    return 1;
}

/* at d->p: the opening quote. Pushes the string. */
static void decode_string(lua_State *L, scratch *d)
{
    const char *start = ++d->p, *run = start, *p = start, *end = d->end;
    jbuf *t = &d->out;
    int copying = 0;
    for (;;) {
        if (p >= end) {
            decode_fail(L, d, start - 1, "unterminated string");
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            break;
        }
        if (c >= 0x20 && c < 0x80 && c != '\\') {
            p++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_seq((const unsigned char *)p, (size_t)(end - p));
            if (n == 0) {
                decode_fail(L, d, p, "invalid UTF-8 in string");
            }
            p += n;
            continue;
        }
        if (c < 0x20) {
            decode_fail(L, d, p, "unescaped control character in string");
        }
        /* a backslash escape */
        if (!copying) {
            t->len = 0;
            copying = 1;
        }
        jbuf_add(L, t, run, (size_t)(p - run));
        if (end - p < 2) {
            decode_fail(L, d, start - 1, "unterminated string");
        }
        char ch = p[1], out[4];
        size_t outn = 1;
        switch (ch) {
        case '"':
        case '\\':
        case '/':
            out[0] = ch;
            break;
        case 'b':
            out[0] = '\b';
            break;
        case 'f':
            out[0] = '\f';
            break;
        case 'n':
            out[0] = '\n';
            break;
        case 'r':
            out[0] = '\r';
            break;
        case 't':
            out[0] = '\t';
            break;
        case 'u': {
            unsigned long cp, lo;
            if (end - p < 6 || !hex4(p + 2, &cp)) {
                decode_fail(L, d, p, "invalid \\u escape (want 4 hex digits)");
            }
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                decode_fail(L, d, p, "lone low surrogate in \\u escape");
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !hex4(p + 8, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) {
                    decode_fail(L, d, p, "high surrogate not followed by a low surrogate");
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            }
            outn = utf8_put(out, cp);
            p += 4; /* the 4 hex digits; the 2 of "\u" are skipped below */
            break;
        }
        default:
            decode_fail(L, d, p, "invalid escape in string");
        }
        jbuf_add(L, t, out, outn);
        p += 2;
        run = p;
    }
    if (copying) {
        jbuf_add(L, t, run, (size_t)(p - run));
        lua_pushlstring(L, t->p, t->len);
    } else {
        lua_pushlstring(L, start, (size_t)(p - start));
    }
    d->p = p + 1;
}

static void decode_number(lua_State *L, scratch *d)
{
    const char *start = d->p, *p = d->p, *end = d->end;
    int neg = 0, isfloat = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (p < end && *p == '0') {
        p++;
    } else if (p < end && *p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    } else {
        decode_fail(L, d, start, "invalid number");
    }
    const char *int_end = p;
    if (p < end && *p == '.') {
        isfloat = 1;
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            decode_fail(L, d, start, "invalid number (digit expected after '.')");
        }
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        isfloat = 1;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }
        if (p >= end || *p < '0' || *p > '9') {
            decode_fail(L, d, start, "invalid number (digit expected in exponent)");
        }
        while (p < end && *p >= '0' && *p <= '9') {
            p++;
        }
    }
    d->p = p;
    if (!isfloat) {
        unsigned long long limit = neg ? (1ULL << 63) : (1ULL << 63) - 1, u = 0;
        const char *q = start + neg;
        for (; q < int_end; q++) {
            unsigned digit = (unsigned)(*q - '0');
            if (u > (limit - digit) / 10) {
                break; /* does not fit int64: read it as a float */
            }
            u = u * 10 + digit;
        }
        if (q == int_end) {
            lua_pushinteger(L, neg ? (lua_Integer)(0ULL - u) : (lua_Integer)u);
            return;
        }
    }
    /* strtod needs a NUL-terminated copy, with the locale's decimal point */
    char small[64], *buf = small;
    size_t n = (size_t)(p - start);
    if (n >= sizeof small) {
        d->out.len = 0;
        jbuf_reserve(L, &d->out, n + 1);
        buf = d->out.p;
    }
    memcpy(buf, start, n);
    buf[n] = '\0';
    if (d->dp != '.') {
        char *dot = memchr(buf, '.', n);
        if (dot != NULL) {
            *dot = d->dp;
        }
    }
    double v = strtod(buf, NULL);
    if (isinf(v)) {
        decode_fail(L, d, start, "number out of range");
    }
    lua_pushnumber(L, v);
}

static void decode_value(lua_State *L, scratch *d);

static void enter(lua_State *L, scratch *d)
{
    if (++d->depth > d->max_depth) {
        lua_pushfstring(L, "nesting deeper than %d", d->max_depth);
        decode_fail(L, d, d->p, lua_tostring(L, -1));
    }
    luaL_checkstack(L, 4, "json.decode: nesting too deep");
}

static void decode_array(lua_State *L, scratch *d)
{
    enter(L, d);
    d->p++;
    lua_createtable(L, 0, 0);
    lua_pushvalue(L, D_ARRAY_MT);
    lua_setmetatable(L, -2);
    skip_ws(d);
    if (d->p < d->end && *d->p == ']') {
        d->p++;
        d->depth--;
        return;
    }
    for (lua_Integer i = 1;; i++) {
        decode_value(L, d);
        lua_rawseti(L, -2, i);
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->end && *d->p == ']') {
            d->p++;
            break;
        }
        decode_unexpected(L, d, d->p, "',' or ']'");
    }
    d->depth--;
}

static void decode_object(lua_State *L, scratch *d)
{
    enter(L, d);
    d->p++;
    lua_createtable(L, 0, 0);
    lua_pushvalue(L, D_OBJECT_MT);
    lua_setmetatable(L, -2);
    skip_ws(d);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        d->depth--;
        return;
    }
    for (;;) {
        skip_ws(d);
        if (d->p >= d->end || *d->p != '"') {
            decode_unexpected(L, d, d->p, "a string key");
        }
        decode_string(L, d);
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':') {
            decode_unexpected(L, d, d->p, "':'");
        }
        d->p++;
        decode_value(L, d);
        lua_rawset(L, -3); /* a repeated key: the last one wins */
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            continue;
        }
        if (d->p < d->end && *d->p == '}') {
            d->p++;
            break;
        }
        decode_unexpected(L, d, d->p, "',' or '}'");
    }
    d->depth--;
}

static void decode_literal(lua_State *L, scratch *d, const char *word, size_t n)
{
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) {
        decode_unexpected(L, d, d->p, "a JSON value");
    }
    d->p += n;
}

static void decode_value(lua_State *L, scratch *d)
{
    skip_ws(d);
    if (d->p >= d->end) {
        decode_unexpected(L, d, d->p, "a JSON value");
    }
    switch (*d->p) {
    case '{':
        decode_object(L, d);
        break;
    case '[':
        decode_array(L, d);
        break;
    case '"':
        decode_string(L, d);
        break;
    case 't':
        decode_literal(L, d, "true", 4);
        lua_pushboolean(L, 1);
        break;
    case 'f':
        decode_literal(L, d, "false", 5);
        lua_pushboolean(L, 0);
        break;
    case 'n':
        decode_literal(L, d, "null", 4);
        lua_pushlightuserdata(L, NULL);
        break;
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) {
            decode_number(L, d);
        } else {
            decode_unexpected(L, d, d->p, "a JSON value");
        }
    }
}

static int decode_inner(lua_State *L)
{
    scratch *d = lua_touserdata(L, 1);
    size_t len;
    d->src = lua_tolstring(L, 2, &len);
    d->p = d->src;
    d->end = d->src + len;
    if (len >= 3 && memcmp(d->p, "\xEF\xBB\xBF", 3) == 0) {
        d->p += 3; /* a UTF-8 byte order mark */
    }
    decode_value(L, d);
    skip_ws(d);
    if (d->p != d->end) {
        decode_unexpected(L, d, d->p, "end of input after the JSON value");
    }
    return 1;
}

/* json.decode(s [, {max_depth=}]) -> value | nil, "message at line L col C" */
static int json_decode(lua_State *L)
{
    luaL_checkstring(L, 1);
    lua_settop(L, 2);
    int opts = 0;
    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        opts = 2;
    }
    scratch *d = scratch_new(L);
    d->max_depth = opt_depth(L, opts);
    int status = run_protected(L, decode_inner, d, 1);
    if (status == LUA_OK) {
        return 1;
    }
    if (status != LUA_ERRRUN || !lua_isstring(L, -1)) {
        return lua_error(L); /* out of memory and the like: not the input's fault */
    }
    lua_pushnil(L);
    lua_insert(L, -2);
    return 2;
}

/* ====================================================================== */

static const luaL_Reg json_funcs[] = {
    {"encode", json_encode}, {"decode", json_decode}, {NULL, NULL}};

int luaopen_dm_core_json(lua_State *L)
{
    static int tables_ready = 0;
    if (!tables_ready) {
        init_escape_tables(); /* idempotent, constant data */
        tables_ready = 1;
    }
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
