/* ljson.h: internal to dm.core.json (ljson.c, ljson_encode.c, ljson_decode.c); no other user.
 * Declares the per-call scratch state, the growable byte buffer, the shared helpers of ljson.c
 * and the two Lua entry points that ljson.c registers. */
#ifndef DM_LJSON_H
#define DM_LJSON_H

#include <lua.h>
#include <stddef.h>
#include <string.h>

/* Stack of the function run by dm_json_run_protected: 1 = the scratch (light userdata),
 * 2 = the value or string, then the two marker tables shared by encode and decode. */
#define DM_JSON_ARRAY_MT  3
#define DM_JSON_OBJECT_MT 4

/* growable byte buffer (malloc'd; the owner frees it) */
typedef struct {
    char *p;
    size_t len, cap;
} dm_json_buf;

struct dm_json_key;  /* encoder-private (ljson_encode.c): a key being sorted */
struct dm_json_step; /* encoder-private (ljson_encode.c): one step of the path */

/* per-call scratch state, a userdata whose buffers are freed explicitly */
typedef struct {
    dm_json_buf out;          /* encoder output / decoder string scratch */
    struct dm_json_key *keys; /* encoder: stack of keys being sorted, shared by all levels */
    size_t nkeys, capkeys;
    struct dm_json_step *path; /* encoder: where we are, for error messages */
    int depth, max_depth;
    int pretty, sort_keys, empty_array;
    char dp; /* locale decimal point */
    /* decoder */
    const char *src, *p, *end;
} dm_json_scratch;

/* Make room for extra more bytes in b; raises on overflow or out of memory. The check is
 * inline (the encoder calls it per string); growing is dm_json_buf_grow, in ljson.c. */
void dm_json_buf_grow(lua_State *L, dm_json_buf *b, size_t extra);

static inline void dm_json_buf_reserve(lua_State *L, dm_json_buf *b, size_t extra)
{
    if (b->cap - b->len < extra) {
        dm_json_buf_grow(L, b, extra);
    }
}

static inline void dm_json_buf_add(lua_State *L, dm_json_buf *b, const char *s, size_t n)
{
    if (n == 0) {
        return; /* b->p may still be NULL */
    }
    dm_json_buf_reserve(L, b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static inline void dm_json_buf_addc(lua_State *L, dm_json_buf *b, char c)
{
    if (b->len == b->cap) {
        dm_json_buf_reserve(L, b, 1);
    }
    b->p[b->len++] = c;
}

/* Length of the valid UTF-8 sequence at s (s[0] >= 0x80), or 0 if invalid: rejects
 * overlong forms, surrogates (U+D800..DFFF) and code points above U+10FFFF. */
size_t dm_json_utf8_len(const unsigned char *s, size_t n);

/* Push a new scratch userdata (all zero but the locale's decimal point). */
dm_json_scratch *dm_json_scratch_new(lua_State *L);

/* Options table at index opts (0 = none): a boolean field, and max_depth (raises when bad). */
int dm_json_opt_bool(lua_State *L, int opts, const char *name, int dflt);
int dm_json_opt_depth(lua_State *L, int opts);

/* Run inner(st, arg, array_mt, object_mt) protected, then free st's buffers whatever
 * happened. Returns the pcall status; the result or error is on top. Call it only from
 * encode or decode: it reads their upvalues (array_mt, object_mt). */
int dm_json_run_protected(lua_State *L, lua_CFunction inner, dm_json_scratch *st, int arg);

/* json.encode (ljson_encode.c), with its constant tables set up once by dm_json_encode_init. */
void dm_json_encode_init(void);
int dm_json_encode(lua_State *L);

/* json.decode (ljson_decode.c) */
int dm_json_decode(lua_State *L);

#endif
