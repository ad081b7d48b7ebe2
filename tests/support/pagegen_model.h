/* pagegen_model.h: internals shared by pagegen.c (model, truth) and pagegen_html.c
 * (page bytes, #included by pagegen.c): the byte buffer helpers, the id-seeded RNG and
 * the page model. Not for use outside pagegen.c. */
#ifndef DM_PAGEGEN_MODEL_H
#define DM_PAGEGEN_MODEL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pagegen.h"
#include "pagegen_data.h"

#define MAX_STATS    160
#define DEFAULT_ROOT "https://secure.meetcontrol.com"
#define SYSTEM_PATH  "/divemeets/system/"
#define V(x)         ((uint64_t)1 << (x))

/* ---- buffer ------------------------------------------------------------------------ */

static inline void buf_grow(pagegen_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        fprintf(stderr, "pagegen: out of memory\n");
        abort();
    }
    b->data = p;
    b->cap = cap;
}

static inline void putn(pagegen_buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void put(pagegen_buf *b, const char *s)
{
    putn(b, s, strlen(s));
}

static inline void putf(pagegen_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        putn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static inline void put_long(pagegen_buf *b, long v) /* printf's %ld, without printf */
{
    char t[24];
    int n = 0;
    unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
    do {
        t[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        t[n++] = '-';
    buf_grow(b, (size_t)n);
    while (n)
        b->data[b->len++] = t[--n];
    b->data[b->len] = '\0';
}

static inline void put_cents(pagegen_buf *b, int c) /* 1234 -> "12.34" */
{
    char t[4] = {'.', (char)('0' + c % 100 / 10), (char)('0' + c % 10), 0};
    put_long(b, c / 100);
    putn(b, t, 3);
}

/* ---- random numbers (splitmix64) ----------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline int below(rng *r, int n) /* uniform in [0, n) */
{
    return n <= 1 ? 0 : (int)(rng_next(r) % (uint64_t)n);
}

static inline int between(rng *r, int lo, int hi) /* uniform in [lo, hi] */
{
    return lo + below(r, hi - lo + 1);
}

static inline int chance(rng *r, int permille)
{
    return below(r, 1000) < permille;
}

#define PICK(r, arr, n)  ((arr)[below((r), (int)(n))])
#define PICKP(r, arr, n) (&(arr)[below((r), (int)(n))])

/* ---- the model ------------------------------------------------------------------------ */

typedef struct stat_row {
    const pagegen_dive *dive;
    int h10;                  /* height in tenths of a metre: 10, 30, 50, 75, 100, 200 */
    int high_c, avg_c, times; /* scores in hundredths */
    int meetnum, eventnum, divord;
    long sts;
    int bad; /* malformed row (5 cells): a parser skips it with a warning */
} stat_row;

typedef struct model {
    uint32_t id;
    int kind, status, year;
    uint64_t v;
    char name[256]; /* the logical (clean) name, UTF-8 */
    char city[96];  /* the logical City/State value; "" = empty */
    const char *country;
    int gender;        /* 'M', 'F' or 0 (absent) */
    int age, fina, hs; /* -1 = absent */
    int has_table, nstats, nrows;
    int nmeets, platform;
    int enc;                      /* 0 UTF-8, 1 cp1252 bytes, 2 entities (for all non-ASCII text) */
    uint64_t look;                /* seed for cosmetic choices made while rendering */
    stat_row rows[MAX_STATS + 4]; /* last: build() zeroes everything before it */
} model;

/* pagegen.c */
static const char *pick_first(rng *r, int gender);

/* pagegen_html.c (#included by pagegen.c) */
static void render_model(const model *m, pagegen_buf *b);
/* href of a stats link with '&' as given; kind 0 = high score, 1 = average. */
static void stat_href(pagegen_buf *b, const model *m, const stat_row *s, int kind, const char *amp);

#endif
