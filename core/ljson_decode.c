/* ljson_decode.c: json.decode of dm.core.json, JSON text -> Lua value (see ljson.c).
 * Strict RFC 8259 (a leading UTF-8 BOM is skipped); arrays and objects get the marker
 * metatables, null is json.null. Errors are returned as nil, "message at line L col C".
 * Owns nothing: unescaped strings and long numbers go through the scratch buffer. */

#include <lauxlib.h>
#include <lua.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ljson.h"

static _Noreturn void decode_fail(lua_State *L, dm_json_scratch *d, const char *at, const char *msg)
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

static _Noreturn void decode_unexpected(lua_State *L, dm_json_scratch *d, const char *at,
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

static void skip_ws(dm_json_scratch *d)
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

/* at d->p: the opening quote. Pushes the string. */
static void decode_string(lua_State *L, dm_json_scratch *d)
{
    const char *start = ++d->p, *run = start, *p = start, *end = d->end;
    dm_json_buf *t = &d->out;
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
            size_t n = dm_json_utf8_len((const unsigned char *)p, (size_t)(end - p));
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
        dm_json_buf_add(L, t, run, (size_t)(p - run));
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
        dm_json_buf_add(L, t, out, outn);
        p += 2;
        run = p;
    }
    if (copying) {
        dm_json_buf_add(L, t, run, (size_t)(p - run));
        lua_pushlstring(L, t->p, t->len);
    } else {
        lua_pushlstring(L, start, (size_t)(p - start));
    }
    d->p = p + 1;
}

static void decode_number(lua_State *L, dm_json_scratch *d)
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
        dm_json_buf_reserve(L, &d->out, n + 1);
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

static void decode_value(lua_State *L, dm_json_scratch *d);

static void enter(lua_State *L, dm_json_scratch *d)
{
    if (++d->depth > d->max_depth) {
        lua_pushfstring(L, "nesting deeper than %d", d->max_depth);
        decode_fail(L, d, d->p, lua_tostring(L, -1));
    }
    luaL_checkstack(L, 4, "json.decode: nesting too deep");
}

static void decode_array(lua_State *L, dm_json_scratch *d)
{
    enter(L, d);
    d->p++;
    lua_createtable(L, 0, 0);
    lua_pushvalue(L, DM_JSON_ARRAY_MT);
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

static void decode_object(lua_State *L, dm_json_scratch *d)
{
    enter(L, d);
    d->p++;
    lua_createtable(L, 0, 0);
    lua_pushvalue(L, DM_JSON_OBJECT_MT);
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

static void decode_literal(lua_State *L, dm_json_scratch *d, const char *word, size_t n)
{
    if ((size_t)(d->end - d->p) < n || memcmp(d->p, word, n) != 0) {
        decode_unexpected(L, d, d->p, "a JSON value");
    }
    d->p += n;
}

static void decode_value(lua_State *L, dm_json_scratch *d)
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
    dm_json_scratch *d = lua_touserdata(L, 1);
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
int dm_json_decode(lua_State *L)
{
    luaL_checkstring(L, 1);
    lua_settop(L, 2);
    int opts = 0;
    if (!lua_isnil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        opts = 2;
    }
    dm_json_scratch *d = dm_json_scratch_new(L);
    d->max_depth = dm_json_opt_depth(L, opts);
    int status = dm_json_run_protected(L, decode_inner, d, 1);
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
