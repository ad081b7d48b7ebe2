/* test_json.c: dm.core.json (core/ljson.c) through the Lua C API, under ASan/UBSan.
 * Fixed cases (numbers, strings, errors, depth), then seeded fuzzing: random documents must
 * decode and re-encode stably, random doubles and UTF-8 strings must round-trip exactly, and
 * mutated documents must either decode or fail with "... at line L col C", never crash.
 * DM_FUZZ_ITERS (default 3000) and DM_FUZZ_SEED (default 1) tune the fuzzing. */
#include "check.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int luaopen_dm_core_json(lua_State *L);
int luaopen_cjson(lua_State *L);

/* ---- deterministic random numbers (xorshift64*) ---- */
static uint64_t rng_state = 1;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static unsigned rnd_below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* ---- a growable text buffer for generated documents ---- */
typedef struct {
    char *p;
    size_t len, cap;
} text;
static void put(text *t, const char *s, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->p = realloc(t->p, t->cap);
        if (t->p == NULL) {
            abort();
        }
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}
static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* ---- calling the module ---- */
static lua_State *L;

/* decode(s) -> 1 and the value on top, or 0 and the message on top */
static int decode(const char *s, size_t n)
{
    lua_getglobal(L, "J");
    lua_getfield(L, -1, "decode");
    lua_remove(L, -2);
    lua_pushlstring(L, s, n);
    if (lua_pcall(L, 1, 2, 0) != LUA_OK) {
        return -1; /* raised: never expected for string input */
    }
    if (lua_isnil(L, -2) && lua_isstring(L, -1)) {
        lua_remove(L, -2);
        return 0;
    }
    lua_pop(L, 1);
    return 1;
}

/* encode(value on top [, sort]) -> 1 and the string on top (value popped), or 0 and message */
static int encode_top(int sort_keys)
{
    lua_getglobal(L, "J");
    lua_getfield(L, -1, "encode");
    lua_remove(L, -2);
    lua_insert(L, -2);
    lua_createtable(L, 0, 1);
    lua_pushboolean(L, sort_keys);
    lua_setfield(L, -2, "sort_keys");
    return lua_pcall(L, 2, 1, 0) == LUA_OK;
}

/* Run a Lua chunk that returns a boolean (and optionally a message). */
static int lua_ok(const char *chunk)
{
    if (luaL_dostring(L, chunk) != LUA_OK) {
        fprintf(stderr, "chunk failed: %s\n  %s\n", lua_tostring(L, -1), chunk);
        lua_settop(L, 0);
        return 0;
    }
    int ok = lua_toboolean(L, 1);
    if (!ok) {
        fprintf(stderr, "chunk returned false (%s):\n  %s\n",
                lua_isstring(L, 2) ? lua_tostring(L, 2) : "", chunk);
    }
    lua_settop(L, 0);
    return ok;
}

/* ---- fixed cases ---- */
static void test_fixed(void)
{
    /* integers come back as integers; big ones as floats */
    CHECK(lua_ok("local v = J.decode('[0,-0,7,9223372036854775807,-9223372036854775808,"
                 "9223372036854775808,-9223372036854775809,1.0,1e2]')\n"
                 "return math.type(v[1])=='integer' and math.type(v[2])=='integer' and v[3]==7 "
                 "and v[4]==math.maxinteger and v[5]==math.mininteger "
                 "and math.type(v[6])=='float' and math.type(v[7])=='float' "
                 "and math.type(v[8])=='float' and math.type(v[9])=='float'"));
    /* ids stay exact, never exponent form */
    CHECK(lua_ok("return J.encode({123456789012345, math.maxinteger, math.mininteger}) == "
                 "'[123456789012345,9223372036854775807,-9223372036854775808]'"));
    /* floats: shortest round-trip form, stay floats */
    CHECK(lua_ok("local s = J.encode({0.1, 0.1+0.2, 1/3, 3.0, -0.0, 1e300, 5e-324, 2^53})\n"
                 "return s == '[0.1,0.30000000000000004,0.3333333333333333,3.0,-0.0,1e+300,"
                 "4.9406564584125e-324,9007199254740992.0]', s"));
    CHECK(lua_ok("return not pcall(J.encode, 0/0) and not pcall(J.encode, math.huge)"));
    /* empty containers survive; marks */
    CHECK(lua_ok("return J.encode(J.decode('{\"a\":[],\"b\":{},\"c\":[[]]}')) == "
                 "'{\"a\":[],\"b\":{},\"c\":[[]]}'"));
    CHECK(lua_ok("return J.encode({}) == '{}' and J.encode({}, {empty_table='array'}) == '[]' "
                 "and J.encode(setmetatable({}, J.array_mt)) == '[]'"));
    CHECK(lua_ok("return J.encode(setmetatable({[2]='b',[10]='c'}, J.object_mt)) == "
                 "'{\"10\":\"c\",\"2\":\"b\"}'"));
    /* null */
    CHECK(lua_ok("local v = J.decode('[null,{\"a\":null}]') return v[1] == J.null and "
                 "v[2].a == J.null and #v == 2 and J.encode(v) == '[null,{\"a\":null}]'"));
    /* sparse, mixed, bad keys, bad values: errors that say where */
    CHECK(lua_ok(
        "local ok, e = pcall(J.encode, {a={1,nil,3}}) "
        "return not ok and e:find('sparse array', 1, true) and e:find('at $.a', 1, true), e"));
    CHECK(lua_ok("local ok, e = pcall(J.encode, {1, x=2}) return not ok and e:find('mixed'), e"));
    CHECK(lua_ok("local ok, e = pcall(J.encode, {[1.5]=1}) return not ok and e:find('float'), e"));
    CHECK(lua_ok("local ok, e = pcall(J.encode, {{f=print}}) "
                 "return not ok and e:find('function at $[1].f', 1, true), e"));
    CHECK(lua_ok("local ok, e = pcall(J.encode, setmetatable({1, x=1}, J.array_mt)) "
                 "return not ok and e:find('array-marked', 1, true), e"));
    /* strings: escapes, UTF-8, surrogate pairs */
    CHECK(lua_ok("return J.decode('\"a\\\\u00e9\\\\ud83d\\\\ude00\\\\n\\\\/\\\\u0000z\"') == "
                 "'a\\u{e9}\\u{1F600}\\n/\\0z'"));
    CHECK(lua_ok("return J.encode('\"\\\\\\b\\f\\n\\r\\t\\1\\127\\u{e9}') == "
                 "'\"\\\\\"\\\\\\\\\\\\b\\\\f\\\\n\\\\r\\\\t\\\\u0001\\127\\u{e9}\"'"));
    CHECK(
        lua_ok("return not pcall(J.encode, '\\xff') and not pcall(J.encode, {['\\xc0\\x80']=1})"));
    /* pretty output */
    CHECK(lua_ok("return J.encode({b={1,2},a={}}, {pretty=true}) == "
                 "'{\\n  \"a\": {},\\n  \"b\": [\\n    1,\\n    2\\n  ]\\n}'"));

    /* bad input: nil and a message with line and column */
    static const char *bad[] = {
        "",
        " ",
        "[",
        "]",
        "{",
        "{\"a\"}",
        "{\"a\":}",
        "{a:1}",
        "[1,]",
        "[1 2]",
        "{\"a\":1,}",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "0x10",
        "tru",
        "nul",
        "NaN",
        "Infinity",
        "\"abc",
        "\"\\x\"",
        "\"\\u12\"",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\t\"",
        "\"\xff\"",
        "\"\xc0\x80\"",
        "\"\xed\xa0\x80\"",
        "\"\xf4\x90\x80\x80\"",
        "\"\xe2\x82\"",
        "[1] [2]",
        "1e400",
        "[1]x",
        "'a'",
        "[\n1,\n2\n",
        "{\"a\" 1}",
        "\"a\"\"b\"",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int r = decode(bad[i], strlen(bad[i]));
        int ok = (r == 0 && strstr(lua_tostring(L, -1), " at line ") != NULL);
        if (!ok) {
            fprintf(stderr, "bad input #%zu '%s' was accepted or raised\n", i, bad[i]);
        }
        CHECK(ok);
        lua_settop(L, 0);
    }
    /* position */
    CHECK(decode("[1,\n  2,\n  x]", 13) == 0);
    CHECK_STR_EQ(lua_tostring(L, -1),
                 "unexpected character 'x', expected a JSON value at line 3 col 3");
    lua_settop(L, 0);
    /* misuse raises */
    CHECK(lua_ok("return not pcall(J.decode, {}) and not pcall(J.encode, print) "
                 "and not pcall(J.encode, 1, {max_depth=0})"));
}

/* ---- nesting ---- */
static void test_depth(void)
{
    text t = {0};
    for (int i = 0; i < 1000; i++) {
        puts_(&t, i % 2 ? "[" : "{\"k\":");
    }
    puts_(&t, "1");
    for (int i = 999; i >= 0; i--) {
        puts_(&t, i % 2 ? "]" : "}");
    }
    CHECK_INT_EQ(decode(t.p, t.len), 1); /* exactly 1000 levels: accepted */
    CHECK(encode_top(1));
    CHECK_INT_EQ(lua_rawlen(L, -1), t.len);
    lua_settop(L, 0);

    t.len = 0;
    for (int i = 0; i < 200000; i++) {
        puts_(&t, "[");
    }
    CHECK_INT_EQ(decode(t.p, t.len), 0); /* far too deep: an error, not a crash */
    CHECK(strstr(lua_tostring(L, -1), "nesting deeper than 1000") != NULL);
    lua_settop(L, 0);
    free(t.p);

    /* a table nested 5000 deep, and a cycle: encode raises */
    CHECK(lua_ok("local t = {} local c = t for i = 1, 5000 do c[1] = {} c = c[1] end "
                 "local ok, e = pcall(J.encode, t) return not ok and e:find('nesting'), e"));
    CHECK(lua_ok("local t = {} t.self = t local ok, e = pcall(J.encode, t) "
                 "return not ok and e:find('cycle'), e"));
    CHECK(lua_ok("return J.decode('[[[1]]]', {max_depth=2}) == nil"));
}

/* ---- random documents ---- */
static void gen_string(text *t)
{
    static const char *pieces[] = {"a",
                                   "Z",
                                   " ",
                                   "\\n",
                                   "\\\"",
                                   "\\\\",
                                   "\\/",
                                   "\\t",
                                   "\\u0041",
                                   "\\u00e9",
                                   "\\ud83d\\ude00",
                                   "\\u0000",
                                   "\xc3\xa9",
                                   "\xe2\x82\xac",
                                   "\xf0\x9f\x98\x80",
                                   "\\b",
                                   "\\f",
                                   "\\r",
                                   "é"};
    put(t, "\"", 1);
    unsigned n = rnd_below(8);
    for (unsigned i = 0; i < n; i++) {
        puts_(t, pieces[rnd_below(sizeof pieces / sizeof pieces[0])]);
    }
    put(t, "\"", 1);
}

static void gen_number(text *t)
{
    char buf[64];
    switch (rnd_below(6)) {
    case 0:
        snprintf(buf, sizeof buf, "%lld", (long long)(int64_t)rnd());
        break;
    case 1:
        snprintf(buf, sizeof buf, "%d", (int)rnd_below(1000) - 500);
        break;
    case 2:
        snprintf(buf, sizeof buf, "%u.%u", rnd_below(100000), rnd_below(1000));
        break;
    case 3:
        snprintf(buf, sizeof buf, "%s%ue%s%u", rnd_below(2) ? "-" : "", 1 + rnd_below(9),
                 rnd_below(2) ? "-" : "+", rnd_below(300));
        break;
    case 4:
        snprintf(buf, sizeof buf, "%llu%llu", (unsigned long long)rnd(),
                 (unsigned long long)rnd()); /* beyond int64: a float */
        break;
    default:
        snprintf(buf, sizeof buf, "%.17g", (double)(int64_t)rnd() / 1e6);
    }
    puts_(t, buf);
}

static void ws(text *t)
{
    static const char *w[] = {"", "", "", " ", "\n", "\t", "\r\n  "};
    puts_(t, w[rnd_below(7)]);
}

static void gen_value(text *t, int depth)
{
    unsigned kind = rnd_below(depth > 6 ? 6 : 8);
    ws(t);
    switch (kind) {
    case 0:
        puts_(t, "null");
        break;
    case 1:
        puts_(t, rnd_below(2) ? "true" : "false");
        break;
    case 2:
    case 3:
        gen_number(t);
        break;
    case 4:
    case 5:
        gen_string(t);
        break;
    case 6: {
        puts_(t, "[");
        unsigned n = rnd_below(5);
        for (unsigned i = 0; i < n; i++) {
            if (i) {
                puts_(t, ",");
            }
            gen_value(t, depth + 1);
        }
        ws(t);
        puts_(t, "]");
        break;
    }
    default: {
        puts_(t, "{");
        unsigned n = rnd_below(5);
        for (unsigned i = 0; i < n; i++) {
            if (i) {
                puts_(t, ",");
            }
            ws(t);
            char key[16];
            snprintf(key, sizeof key, "\"k%u\"", i); /* distinct keys: stable re-encoding */
            puts_(t, key);
            ws(t);
            puts_(t, ":");
            gen_value(t, depth + 1);
        }
        ws(t);
        puts_(t, "}");
    }
    }
    ws(t);
}

static void test_random_documents(int iters)
{
    text t = {0};
    int failures = 0;
    for (int i = 0; i < iters && failures < 5; i++) {
        t.len = 0;
        gen_value(&t, 0);
        int ok = decode(t.p, t.len) == 1;
        if (!ok) {
            fprintf(stderr, "valid document rejected: %s\n  %s\n", lua_tostring(L, -1), t.p);
            failures++;
            lua_settop(L, 0);
            continue;
        }
        /* encode -> decode -> encode gives the same text, sorted or not */
        int sort = (int)rnd_below(2);
        lua_pushvalue(L, -1);
        ok = encode_top(sort);
        size_t n1;
        const char *s1 = ok ? lua_tolstring(L, -1, &n1) : "";
        ok = ok && decode(s1, n1) == 1 && encode_top(sort);
        if (ok && sort) {
            size_t n2;
            const char *s2 = lua_tolstring(L, -1, &n2);
            ok = (n1 == n2 && memcmp(s1, s2, n1) == 0);
        }
        /* lua-cjson accepts what we write */
        if (ok) {
            lua_getglobal(L, "cjson_ok");
            lua_pushlstring(L, s1, n1);
            lua_call(L, 1, 1);
            ok = lua_toboolean(L, -1);
        }
        if (!ok) {
            fprintf(stderr, "round trip failed for: %s\n", t.p);
            failures++;
        }
        CHECK(ok);
        lua_settop(L, 0);
    }
    free(t.p);
}

/* Mutated documents: accepted or rejected with a position, never a crash or a raise. */
static void test_mutations(int iters)
{
    text t = {0};
    for (int i = 0; i < iters; i++) {
        t.len = 0;
        gen_value(&t, 0);
        unsigned muts = 1 + rnd_below(4);
        for (unsigned m = 0; m < muts && t.len > 0; m++) {
            size_t at = rnd_below((unsigned)t.len);
            switch (rnd_below(3)) {
            case 0:
                t.p[at] = (char)rnd();
                break;
            case 1:
                memmove(t.p + at, t.p + at + 1, t.len - at);
                t.len--;
                break;
            default:
                t.len = at; /* truncate */
            }
        }
        int r = decode(t.p, t.len);
        CHECK(r == 1 || (r == 0 && strstr(lua_tostring(L, -1), " at line ") != NULL));
        lua_settop(L, 0);
    }
    free(t.p);
}

static void test_random_doubles(int iters)
{
    int bad = 0;
    for (int i = 0; i < iters * 10; i++) {
        uint64_t bits = rnd();
        double d;
        memcpy(&d, &bits, sizeof d);
        if (d != d || d - d != 0) {
            continue; /* NaN or inf */
        }
        lua_pushnumber(L, d);
        if (!encode_top(1) || decode(lua_tostring(L, -1), lua_rawlen(L, -1)) != 1) {
            bad++;
        } else {
            int isint = lua_isinteger(L, -1);
            double back = lua_tonumber(L, -1);
            if (isint || memcmp(&back, &d, sizeof d) != 0) {
                if (bad < 3) {
                    fprintf(stderr, "double %.17g came back as %.17g (%s)\n", d, back,
                            isint ? "integer" : "float");
                }
                bad++;
            }
        }
        lua_settop(L, 0);
    }
    CHECK_INT_EQ(bad, 0);
}

/* Random code points (all planes, no surrogates) as UTF-8: encode and decode unchanged;
 * random bytes: accepted by decode exactly when they are valid UTF-8 (without controls). */
static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Reference validator, written differently from the codec's: decode, then re-check ranges. */
static int valid_utf8_ref(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t len;
        if (s[i] < 0x80) {
            cp = s[i];
            len = 1;
        } else if ((s[i] & 0xE0) == 0xC0) {
            cp = s[i] & 0x1F;
            len = 2;
        } else if ((s[i] & 0xF0) == 0xE0) {
            cp = s[i] & 0x0F;
            len = 3;
        } else if ((s[i] & 0xF8) == 0xF0) {
            cp = s[i] & 0x07;
            len = 4;
        } else {
            return 0;
        }
        if (i + len > n) {
            return 0;
        }
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return 0;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return 0;
        }
        i += len;
    }
    return 1;
}

static void test_random_strings(int iters)
{
    char buf[256];
    int bad = 0;
    for (int i = 0; i < iters; i++) {
        size_t n = 0;
        unsigned count = rnd_below(40);
        for (unsigned k = 0; k < count; k++) {
            uint32_t cp;
            do {
                unsigned r = rnd_below(4);
                cp = r == 0   ? rnd_below(0x80)
                     : r == 1 ? rnd_below(0x800)
                              : (uint32_t)(rnd() % 0x110000);
            } while (cp >= 0xD800 && cp <= 0xDFFF);
            n += put_utf8(buf + n, cp);
        }
        lua_pushlstring(L, buf, n);
        if (!encode_top(1) || decode(lua_tostring(L, -1), lua_rawlen(L, -1)) != 1) {
            bad++;
        } else {
            size_t m;
            const char *back = lua_tolstring(L, -1, &m);
            bad += (m != n || memcmp(back, buf, n) != 0);
        }
        lua_settop(L, 0);

        /* raw random bytes inside quotes */
        unsigned char raw[16];
        size_t rn = 1 + rnd_below(sizeof raw - 1);
        raw[0] = '"';
        for (size_t k = 1; k < rn; k++) {
            unsigned char c = (unsigned char)(0x80 | rnd());
            raw[k] = rnd_below(4) ? c : (unsigned char)('a' + rnd_below(26));
        }
        char doc[20];
        memcpy(doc, raw, rn);
        doc[rn] = '"';
        int expect = valid_utf8_ref(raw + 1, rn - 1);
        int got = decode(doc, rn + 1) == 1;
        if (expect != got) {
            fprintf(stderr, "UTF-8 verdicts differ (expected %d, got %d)\n", expect, got);
            bad++;
        }
        lua_settop(L, 0);
    }
    CHECK_INT_EQ(bad, 0);
}

/* ---- allocation failures: every Lua allocation may fail; no crash, no leak (ASan) ---- */
static size_t alloc_budget; /* allocations left before failing; SIZE_MAX: unlimited */

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    (void)ud;
    (void)osize;
    if (nsize == 0) {
        free(ptr);
        return NULL;
    }
    if (nsize > osize || ptr == NULL) {
        if (alloc_budget == 0) {
            return NULL;
        }
        if (alloc_budget != SIZE_MAX) {
            alloc_budget--;
        }
    }
    return realloc(ptr, nsize);
}

static void test_alloc_failures(void)
{
    static const char *chunk =
        "local J = require('dm.core.json')\n"
        "local doc = '{\"a\":[1,2.5,\"x\\\\n\",{\"b\":null,\"c\":[[],{}]}],\"d\":\"' .. "
        "string.rep('y', 300) .. '\"}'\n"
        "local v = J.decode(doc)\n"
        "local s = J.encode(v, {pretty = true})\n"
        "return #s > 0";
    int completed = 0, failed = 0;
    for (size_t budget = 0; budget < 4000 && !completed; budget += 1) {
        alloc_budget = SIZE_MAX;
        lua_State *M = lua_newstate(failing_alloc, NULL);
        if (M == NULL) {
            continue;
        }
        luaL_openlibs(M);
        luaL_requiref(M, "dm.core.json", luaopen_dm_core_json, 0);
        lua_pop(M, 1);
        alloc_budget = budget; /* from here on, allocation number `budget` fails */
        int status = luaL_dostring(M, chunk);
        alloc_budget = SIZE_MAX;
        if (status == LUA_OK) {
            completed = lua_toboolean(M, -1);
        } else {
            failed++;
        }
        lua_close(M);
    }
    CHECK(completed);   /* eventually the budget was enough */
    CHECK(failed > 50); /* and many runs really failed part-way */
}

int main(void)
{
    const char *it = getenv("DM_FUZZ_ITERS"), *seed = getenv("DM_FUZZ_SEED");
    int iters = it ? atoi(it) : 3000;
    rng_state = seed ? strtoull(seed, NULL, 10) | 1 : 1;

    L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "dm.core.json", luaopen_dm_core_json, 0);
    lua_setglobal(L, "J");
    luaL_requiref(L, "cjson", luaopen_cjson, 0);
    lua_pop(L, 1);
    CHECK(luaL_dostring(L, "local cjson = require('cjson') "
                           "function cjson_ok(s) return (pcall(cjson.decode, s)) end") == LUA_OK);

    test_fixed();
    test_depth();
    test_random_documents(iters);
    test_mutations(iters * 3);
    test_random_doubles(iters);
    test_random_strings(iters);
    test_alloc_failures();

    lua_close(L);
    return CHECK_DONE();
}
