/* pagegen.c: deterministic DiveMeets-like profile pages (see pagegen.h and
 * ../shared/research/divemeets-profile-page.md). A page is built in two steps: a model
 * drawn from an RNG seeded by the id (what the page says), then the bytes (how it says
 * it: <br> style, encoding, CRLF, &nbsp;...). The truth is printed from the same model. */
#include "pagegen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pagegen_data.h"

#define MAX_STATS    160
#define DEFAULT_ROOT "https://secure.meetcontrol.com"
#define SYSTEM_PATH  "/divemeets/system/"
#define V(x)         ((uint64_t)1 << (x))

/* ---- buffer ------------------------------------------------------------------------ */

static void buf_grow(pagegen_buf *b, size_t extra)
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

static void putn(pagegen_buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void put(pagegen_buf *b, const char *s)
{
    putn(b, s, strlen(s));
}

static void putf(pagegen_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        putn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void dm_pagegen_buf_reset(pagegen_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void dm_pagegen_buf_free(pagegen_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- random numbers (splitmix64) ----------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int below(rng *r, int n) /* uniform in [0, n) */
{
    return n <= 1 ? 0 : (int)(rng_next(r) % (uint64_t)n);
}

static int between(rng *r, int lo, int hi) /* uniform in [lo, hi] */
{
    return lo + below(r, hi - lo + 1);
}

static int chance(rng *r, int permille)
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

static int year_now(void)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    return tm.tm_year + 1900;
}

static int is_fancy(const char *s) /* non-ASCII or hyphenated: rarer than the lists say */
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80 || *s == '-')
            return 1;
    return 0;
}

static const char *pick_word(rng *r, const char *const *list, size_t n)
{
    const char *w = list[below(r, (int)n)];
    if (is_fancy(w) && chance(r, 700))
        w = list[below(r, (int)n)];
    return w;
}

static const char *pick_first(rng *r, int gender)
{
    return gender == 'F' ? pick_word(r, dm_pagegen_first_f, dm_pagegen_nfirst_f)
                         : pick_word(r, dm_pagegen_first_m, dm_pagegen_nfirst_m);
}

static int has_non_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* Build the display name; sets the name variants. */
static void make_name(model *m, rng *r)
{
    char first[64], last[64];
    int g = m->gender ? m->gender : (chance(r, 600) ? 'F' : 'M');
    snprintf(first, sizeof first, "%s", pick_first(r, g));
    int k = below(r, 1000);
    if (k < 60) {
        snprintf(last, sizeof last, "%s", PICK(r, dm_pagegen_last_apos, dm_pagegen_nlast_apos));
        int style = below(r, 10); /* straight ', curly ’ or &#39; on the page */
        if (style < 6) {
            m->v |= V(PG_V_NAME_APOS);
        } else if (style < 8) {
            char *q = strchr(last, '\'');
            char tmp[64];
            snprintf(tmp, sizeof tmp, "%.*s\xE2\x80\x99%s", (int)(q - last), last, q + 1);
            snprintf(last, sizeof last, "%s", tmp);
            m->v |= V(PG_V_NAME_CURLY_APOS);
        } else {
            m->v |= V(PG_V_NAME_APOS) | V(PG_V_APOS_ENTITY);
        }
    } else if (k < 110) {
        snprintf(last, sizeof last, "%s",
                 PICK(r, dm_pagegen_last_particle, dm_pagegen_nlast_particle));
        m->v |= V(PG_V_NAME_PARTICLE);
    } else {
        snprintf(last, sizeof last, "%s", pick_word(r, dm_pagegen_last, dm_pagegen_nlast));
    }
    char middle[64] = "";
    int mk = below(r, 1000);
    if (mk < 120) {
        snprintf(middle, sizeof middle, "%c", 'A' + below(r, 26));
        m->v |= V(PG_V_NAME_MIDDLE);
    } else if (mk < 150) {
        snprintf(middle, sizeof middle, "%c.", 'A' + below(r, 26));
        m->v |= V(PG_V_NAME_MIDDLE);
    } else if (mk < 180) {
        snprintf(middle, sizeof middle, "%s", pick_first(r, g));
        m->v |= V(PG_V_NAME_MIDDLE);
    }
    const char *suffix = NULL;
    if (g == 'M' && chance(r, 40)) {
        suffix = PICK(r, dm_pagegen_suffixes, dm_pagegen_nsuffixes);
        m->v |= V(PG_V_NAME_SUFFIX);
    }
    snprintf(m->name, sizeof m->name, "%s%s%s %s%s%s", first, middle[0] ? " " : "", middle, last,
             suffix ? " " : "", suffix ? suffix : "");
    if (strchr(m->name, '-'))
        m->v |= V(PG_V_NAME_HYPHEN);
    if (has_non_ascii(first) || has_non_ascii(middle) || has_non_ascii(last))
        m->v |= V(PG_V_NAME_ACCENT);
    if (chance(r, 79))
        m->v |= V(PG_V_NAME_DOUBLE_SPACE);
    if (chance(r, 30))
        m->v |= V(PG_V_NAME_TRAILING_WS);
}

static void make_place(model *m, rng *r)
{
    const pagegen_place *p = PICKP(r, dm_pagegen_places, dm_pagegen_nplaces);
    m->country = p->country;
    if (strcmp(p->country, "United States") != 0)
        m->v |= V(PG_V_NON_US);
    int k = below(r, 1000);
    if (k < 60 || (m->kind == PG_KIND_JUDGE && k < 500)) {
        m->city[0] = '\0';
        m->v |= V(PG_V_CITY_EMPTY);
    } else if (k < 120) {
        snprintf(m->city, sizeof m->city, "%s", p->st);
        m->v |= V(PG_V_STATE_LABEL);
    } else if (k < 220) {
        snprintf(m->city, sizeof m->city, "%s, %s", p->city, p->st);
        m->v |= V(PG_V_CITY_COMMA);
    } else {
        snprintf(m->city, sizeof m->city, "%s %s", p->city, p->st);
    }
}

static int cmp_rows(const void *a, const void *b)
{
    const stat_row *x = a, *y = b;
    int c = strcmp(x->dive->code, y->dive->code);
    return c ? c : x->h10 - y->h10;
}

static const int h10_of_bit[5] = {10, 30, 50, 75, 100};

static void fill_row(model *m, rng *r, stat_row *row, const pagegen_dive *d, int h10)
{
    row->dive = d;
    row->h10 = h10;
    row->times = chance(r, 250) ? 1 : between(r, 1, chance(r, 800) ? 12 : 60);
    row->avg_c = between(r, 800, h10 >= 50 ? 9000 : 7500);
    row->high_c = row->times == 1 ? row->avg_c : row->avg_c + 5 * between(r, 0, 300);
    row->meetnum = between(r, 1000, 12999);
    row->eventnum = 10 * between(r, 1, 99);
    row->divord = between(r, 1, 11);
    row->sts = (long)(m->year - 1970 - between(r, 0, 6)) * 31556952L - between(r, 0, 31000000);
    row->bad = 0;
}

/* Choose n distinct (dive, height) pairs, sorted as the site lists them. */
static void make_stats(model *m, rng *r, int n)
{
    const pagegen_dive *cd[512];
    int ch[512], nc = 0;
    unsigned mask = m->platform ? PG_HALL : (PG_H1 | PG_H3);
    for (size_t i = 0; i < dm_pagegen_ndives; i++)
        for (int b = 0; b < 5; b++)
            if ((dm_pagegen_dives[i].heights & mask & (1u << b)) && nc < 512) {
                cd[nc] = &dm_pagegen_dives[i];
                ch[nc++] = h10_of_bit[b];
            }
    for (int i = nc - 1; i > 0; i--) { /* Fisher-Yates, springboard first for most divers */
        int j = below(r, i + 1);
        const pagegen_dive *td = cd[i];
        int th = ch[i];
        cd[i] = cd[j], ch[i] = ch[j];
        cd[j] = td, ch[j] = th;
    }
    if (n > nc)
        n = nc;
    m->nstats = 0;
    for (int i = 0; i < n; i++)
        fill_row(m, r, &m->rows[m->nstats++], cd[i], ch[i]);
    if (n >= 4 && chance(r, 40)) { /* a dive the app's table does not know */
        const pagegen_dive *d = PICKP(r, dm_pagegen_unknown_dives, dm_pagegen_nunknown_dives);
        int b = 0;
        while (!(d->heights & (1u << b)))
            b++;
        fill_row(m, r, &m->rows[m->nstats++], d, h10_of_bit[b]);
        m->v |= V(PG_V_UNKNOWN_DIVE);
    }
    if (n >= 4 && m->platform && chance(r, 30)) { /* high diving: 20 m, no DD in the table */
        fill_row(m, r, &m->rows[m->nstats++], PICKP(r, dm_pagegen_dives, dm_pagegen_ndives), 200);
        m->v |= V(PG_V_HIGH_DIVING);
    }
    qsort(m->rows, (size_t)m->nstats, sizeof m->rows[0], cmp_rows);
    m->nrows = m->nstats;
    if (n >= 4 && chance(r, 15)) { /* one malformed row somewhere in the middle */
        int at = below(r, m->nrows);
        memmove(&m->rows[at + 1], &m->rows[at], (size_t)(m->nrows - at) * sizeof m->rows[0]);
        fill_row(m, r, &m->rows[at], m->rows[at + 1].dive, m->rows[at + 1].h10);
        m->rows[at].bad = 1;
        m->nrows++;
        m->v |= V(PG_V_BAD_ROW);
    }
}

/* Ages: a diver's FINA age is the age reached in the reference year. */
static void make_ages(model *m, rng *r, int cls)
{
    int y = m->year;
    m->age = m->fina = m->hs = -1;
    switch (cls) {
    case 0: /* high-school age */
        m->fina = between(r, 14, 18);
        if (chance(r, 750))
            m->hs = y - m->fina + 18 + (chance(r, 150) ? 1 : 0);
        else
            m->v |= V(PG_V_NO_HS);
        m->v |= V(PG_V_HS_AGE);
        break;
    case 1: /* FINA age 19 but still graduating this year or next */
        m->fina = 19;
        m->hs = y + (chance(r, 200) ? 1 : 0);
        m->v |= V(PG_V_FINA19_GRAD);
        break;
    case 2: /* young */
        m->fina = between(r, 8, 13);
        if (chance(r, 400))
            m->hs = y - m->fina + 18;
        else
            m->v |= V(PG_V_NO_HS);
        m->v |= V(PG_V_YOUNG);
        break;
    case 3: /* no Age/FINA lines, grad year only */
        m->hs = y + between(r, -3, 5);
        m->v |= V(PG_V_NO_AGE) | V(PG_V_GRAD_ONLY);
        return;
    case 4: /* no age data at all */
        m->v |= V(PG_V_NO_AGE) | V(PG_V_NO_HS);
        return;
    default: /* adult */
        m->fina = chance(r, 600) ? between(r, 19, 24) : between(r, 25, 72);
        if (m->fina <= 30 && chance(r, 300))
            m->hs = y - m->fina + 18 + (chance(r, 100) ? 1 : 0);
        else
            m->v |= V(PG_V_NO_HS);
        m->v |= V(PG_V_ADULT);
        break;
    }
    m->age = m->fina - (chance(r, 500) ? 1 : 0);
}

static void build(uint32_t id, const pagegen_opts *o, model *m)
{
    memset(m, 0, offsetof(model, rows));
    m->id = id;
    m->year = o && o->year > 0 ? o->year : year_now();
    m->age = m->fina = m->hs = -1;
    m->status = 200;
    rng r = {(uint64_t)id * 0xD1B54A32D192ED03ull ^ 0x5DEECE66Dull};
    rng_next(&r);
    m->look = rng_next(&r);
    int blocked = o && o->blocked_permille >= 0 ? o->blocked_permille : 3;
    int k = below(&r, 1000);
    int mark = below(&r, 1000); /* independent draw for the block, so it needs no reshuffle */
    if (id == 0) {              /* reserved: what the server answers for a missing or bad number */
        m->kind = PG_KIND_NO_PROFILE_A;
        m->v |= V(PG_V_NO_PROFILE_A);
        return;
    }
    if (mark < blocked) {
        m->kind = PG_KIND_BLOCKED;
        m->status = 403;
        m->v |= V(PG_V_BLOCKED);
        return;
    }
    if (k < 180) {
        m->kind = PG_KIND_NO_PROFILE_A;
        m->v |= V(PG_V_NO_PROFILE_A);
        return;
    }
    if (k < 300) {
        m->kind = PG_KIND_NO_PROFILE_B;
        m->v |= V(PG_V_NO_PROFILE_B);
        return;
    }
    m->kind = k < 320 ? PG_KIND_JUDGE : k < 365 ? PG_KIND_COACH : PG_KIND_DIVER;
    m->v |= V(m->kind == PG_KIND_JUDGE   ? PG_V_JUDGE
              : m->kind == PG_KIND_COACH ? PG_V_COACH
                                         : PG_V_DIVER);
    m->gender = m->kind == PG_KIND_JUDGE ? 0 : chance(&r, 630) ? 'F' : 'M';
    make_name(m, &r);
    make_place(m, &r);
    int want_stats = 0;
    if (m->kind == PG_KIND_DIVER) {
        int d = below(&r, 1000);
        int cls = d < 130 ? 0 : d < 150 ? 1 : d < 250 ? 2 : d < 265 ? 3 : d < 275 ? 4 : 5;
        make_ages(m, &r, cls);
        want_stats = chance(&r, cls == 2 ? 700 : cls == 0 ? 880 : 800);
    } else if (m->kind == PG_KIND_COACH && chance(&r, 250)) {
        want_stats = 1;
        m->v |= V(PG_V_COACH_WITH_STATS);
    }
    m->platform = chance(&r, 250);
    if (want_stats) {
        m->has_table = 1;
        m->v |= V(PG_V_STATS);
        int n;
        if (chance(&r, 10)) {
            n = 0;
            m->v |= V(PG_V_STATS_EMPTY);
        } else if (chance(&r, 15)) {
            n = 150;
            m->platform = 1;
            m->v |= V(PG_V_STATS_150) | V(PG_V_LONG_HISTORY);
        } else {
            n = chance(&r, 700) ? between(&r, 3, 30) : between(&r, 20, 100);
        }
        make_stats(m, &r, n);
        if (m->v & V(PG_V_LONG_HISTORY))
            m->nmeets = between(&r, 80, 100);
        else if (chance(&r, 30)) {
            m->nmeets = between(&r, 50, 95);
            m->v |= V(PG_V_LONG_HISTORY);
        } else
            m->nmeets = between(&r, 1, 3 + n / 3);
    } else {
        m->v |= V(PG_V_NO_STATS);
        m->nmeets = m->kind == PG_KIND_DIVER && chance(&r, 300) ? between(&r, 1, 3) : 0;
    }
    if (m->kind == PG_KIND_DIVER && m->has_table && chance(&r, 150))
        m->v |= V(PG_V_UPCOMING);
    /* How the page is written: decided here so describe() can report it. */
    static const struct {
        int v, permille;
    } looks[] = {
        {PG_V_BR_MIXED, 120},    {PG_V_CRLF, 150},         {PG_V_CRCRLF, 20},
        {PG_V_NBSP_CELLS, 80},   {PG_V_NBSP_INFO, 30},     {PG_V_LABEL_SPACE_OUTSIDE, 60},
        {PG_V_AMP_HREFS, 60},    {PG_V_ABS_HREFS, 30},     {PG_V_UPPER_TAGS, 50},
        {PG_V_SPACED_TAGS, 50},  {PG_V_ROW_NEWLINES, 200}, {PG_V_ENC_CP1252, 120},
        {PG_V_ENC_ENTITIES, 80},
    };
    for (size_t i = 0; i < sizeof looks / sizeof looks[0]; i++)
        if (chance(&r, looks[i].permille))
            m->v |= V(looks[i].v);
    if ((m->v & V(PG_V_CRLF)) && (m->v & V(PG_V_CRCRLF)))
        m->v &= ~V(PG_V_CRLF);
    if (m->v & V(PG_V_ENC_CP1252))
        m->v &= ~V(PG_V_ENC_ENTITIES);
    /* The encoding applies to all text; report it only where a parsed field shows it. */
    m->enc = (m->v & V(PG_V_ENC_CP1252)) ? 1 : (m->v & V(PG_V_ENC_ENTITIES)) ? 2 : 0;
    if (!has_non_ascii(m->name) && !has_non_ascii(m->city))
        m->v &= ~(V(PG_V_ENC_CP1252) | V(PG_V_ENC_ENTITIES));
}

/* ---- rendering ------------------------------------------------------------------------- */

typedef struct render {
    pagegen_buf *b;
    const model *m;
    rng look;
} render;

/* Write UTF-8 text in the page's encoding: raw UTF-8, cp1252 bytes or entities. */
static void put_text(render *w, const char *s)
{
    static const struct {
        unsigned cp;
        const char *ent;
    } named[] = {{0xE9, "eacute"}, {0xF1, "ntilde"}, {0xE1, "aacute"}, {0xF3, "oacute"},
                 {0xED, "iacute"}, {0xFA, "uacute"}, {0xF6, "ouml"},   {0xFC, "uuml"},
                 {0xE4, "auml"},   {0xEB, "euml"},   {0xE8, "egrave"}, {0xE7, "ccedil"},
                 {0xCD, "Iacute"}, {0xC9, "Eacute"}, {0x2019, "rsquo"}};
    const model *m = w->m;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if (*p == '\'' && (m->v & V(PG_V_APOS_ENTITY)))
                put(w->b, "&#39;");
            else
                putn(w->b, (const char *)p, 1);
            p++;
            continue;
        }
        int len = *p >= 0xE0 ? 3 : 2;
        unsigned cp = len == 2 ? ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu)
                               : ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (m->enc == 1) {
            char c = (char)(cp == 0x2019 ? 0x92 : cp);
            putn(w->b, &c, 1);
        } else if (m->enc == 2) {
            const char *e = NULL;
            for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
                if (named[i].cp == cp)
                    e = named[i].ent;
            if (e)
                putf(w->b, "&%s;", e);
            else
                putf(w->b, "&#%u;", cp);
        } else {
            putn(w->b, (const char *)p, (size_t)len);
        }
        p += len;
    }
}

static void br(render *w)
{
    if (w->m->v & V(PG_V_BR_MIXED)) {
        static const char *forms[] = {"<br>", "<br/>", "<br />", "<BR>"};
        put(w->b, forms[below(&w->look, 4)]);
    } else {
        put(w->b, (w->m->v & V(PG_V_UPPER_TAGS)) ? "<BR>" : "<br>");
    }
    if ((w->m->v & V(PG_V_SPACED_TAGS)) && chance(&w->look, 500))
        put(w->b, " ");
}

static void label(render *w, const char *text, int inside_space)
{
    const char *s = (w->m->v & V(PG_V_UPPER_TAGS)) ? "STRONG" : "strong";
    if (inside_space)
        putf(w->b, "<%s>%s: </%s>", s, text, s);
    else
        putf(w->b, "<%s>%s:</%s> ", s, text, s);
}

static void info_line(render *w, const char *lab, const char *value)
{
    int outside =
        strcmp(lab, "High School Graduation") == 0 ||
        ((w->m->v & V(PG_V_LABEL_SPACE_OUTSIDE)) && strcmp(lab, "Name") != 0 &&
         strcmp(lab, "Gender") != 0 && strcmp(lab, "Age") != 0 && strcmp(lab, "FINA Age") != 0);
    label(w, lab, !outside);
    put_text(w, value);
    br(w);
}

/* The name as the site stores it: double spaces, trailing whitespace. */
static void put_name(render *w)
{
    const model *m = w->m;
    char raw[300];
    snprintf(raw, sizeof raw, "%s", m->name);
    if (m->v & V(PG_V_NAME_DOUBLE_SPACE)) {
        char *sp = strchr(raw, ' ');
        if (sp) {
            memmove(sp + 1, sp, strlen(sp) + 1);
        }
    }
    put_text(w, raw);
    if (m->v & V(PG_V_NAME_TRAILING_WS))
        put(w->b, chance(&w->look, 800) ? " " : "\t");
}

static void put_city(render *w)
{
    const model *m = w->m;
    const char *sp = strrchr(m->city, ' ');
    if ((m->v & V(PG_V_NBSP_INFO)) && sp) {
        char head[96];
        snprintf(head, sizeof head, "%.*s", (int)(sp - m->city), m->city);
        put_text(w, head);
        put(w->b, "&nbsp;");
        put_text(w, sp + 1);
    } else {
        put_text(w, m->city);
    }
}

static void person_link(render *w, rng *r, const char *php, int last_first)
{
    int g = chance(r, 500) ? 'F' : 'M';
    const char *f = pick_first(r, g), *l = PICK(r, dm_pagegen_last, dm_pagegen_nlast);
    putf(w->b, "<a href=\"%s?number=%d\">", php, between(r, 10000, 140000));
    put_text(w, last_first == 2 ? l : last_first ? l : f);
    put(w->b, last_first == 2 ? ", " : " ");
    put_text(w, last_first ? f : l);
    put(w->b, "</a>");
}

static void put_team(render *w, rng *r)
{
    if (chance(r, 150)) {
        put(w->b, "Unattached");
        return;
    }
    const pagegen_place *p = PICKP(r, dm_pagegen_places, dm_pagegen_nplaces);
    put_text(w, p->city[0] ? p->city : "Metro");
    put(w->b, " ");
    put(w->b, PICK(r, dm_pagegen_team_words, dm_pagegen_nteam_words));
}

static void put_orgs(render *w, rng *r, const char *role)
{
    int first = below(r, (int)dm_pagegen_norgs), n = between(r, 1, 2);
    for (int i = 0; i < n; i++) {
        putf(w->b, "<strong>%s:</strong>", dm_pagegen_orgs[(first + i) % dm_pagegen_norgs]);
        br(w);
        put(w->b, "&nbsp;&nbsp;");
        put_team(w, r);
        if (strcmp(role, "Coach") == 0) {
            put(w->b, " (<a href=\"profilec.php?number=");
            putf(w->b, "%u\">Coach Profile</a>)", (unsigned)w->m->id);
            br(w);
        } else {
            putf(w->b, " (%s)", role);
            br(w);
            put(w->b, "&nbsp;&nbsp;Coach: ");
            person_link(w, r, "profilec.php", 1);
            br(w);
        }
    }
}

static void event_name(render *w, rng *r, int h10)
{
    int f = w->m->gender == 'F' || (w->m->gender == 0 && chance(r, 500));
    static const char *ages[] = {"11 & Under", "12-13", "14-15", "16-18", "Open", "Senior"};
    putf(w->b, "%s %s ", f ? "Girls" : "Boys", ages[below(r, 6)]);
    if (h10 == 75)
        put(w->b, "7.5M");
    else
        putf(w->b, "%dM", h10 / 10);
}

static const char *href_amp(const model *m)
{
    return (m->v & V(PG_V_AMP_HREFS)) ? "&amp;" : "&";
}

static void history_table(render *w, rng *r)
{
    const model *m = w->m;
    put(w->b, "<table width=\"100%\" border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
              "colspan=\"3\"><span style=\"color: blue\">DIVE</span><span style=\"color: "
              "gray\">MEETS</span><span style=\"color: blue\">.COM</span> History</td></tr>");
    const char *a = href_amp(m);
    for (int i = 0; i < m->nmeets; i++) {
        if (m->v & V(PG_V_ROW_NEWLINES))
            put(w->b, "\n\t");
        int yr = m->year - i / 8;
        putf(w->b, "<tr><td colspan=\"3\"><strong>%d ", yr);
        put_text(w, PICKP(r, dm_pagegen_places, dm_pagegen_nplaces)->city);
        putf(w->b, " %s</strong></td></tr>",
             PICK(r, dm_pagegen_meet_words, dm_pagegen_nmeet_words));
        int meet = between(r, 1000, 12999);
        int nev = (m->v & V(PG_V_LONG_HISTORY)) ? between(r, 2, 4) : between(r, 1, 3);
        for (int e = 0; e < nev; e++) {
            int h10 = m->platform && chance(r, 400) ? 100 : chance(r, 500) ? 10 : 30;
            put(w->b, "<tr><td>&nbsp;&nbsp;&nbsp;");
            event_name(w, r, h10);
            putf(w->b, " (%d Dives) - %s</td><td>", chance(r, 500) ? 6 : 11,
                 chance(r, 700) ? "Final" : "Prelims");
            if (chance(r, 15))
                put(w->b, "DQ");
            else
                putf(w->b, "%d", between(r, 1, 24));
            putf(w->b,
                 "</td><td><a "
                 "href=\"divesheetresultsext.php?meetnum=%d%seventnum=%d%sdvrnum=%u%seventtype="
                 "9%ssts=%ld\">%d.%02d</a></td></tr>",
                 meet, a, 10 * between(r, 1, 99), a, (unsigned)m->id, a, a,
                 (long)(yr - 1970) * 31556952L, between(r, 90, 650), between(r, 0, 99));
        }
    }
    put(w->b, "<tr><td colspan=\"3\">");
    br(w);
    br(w);
    put(w->b, "</td></tr></table>");
}

static void put_height(pagegen_buf *b, int h10)
{
    if (h10 % 10)
        putf(b, "%d.%dM", h10 / 10, h10 % 10);
    else
        putf(b, "%dM", h10 / 10);
}

/* href of a stats link, '&' as given; kind 0 = high score, 1 = average. */
static void stat_href(pagegen_buf *b, const model *m, const stat_row *s, int kind, const char *amp)
{
    if (kind == 0)
        putf(b,
             "judgesscoresext.php?meetnum=%d%seventnum=%d%sdvrnum=%u%sdivord=%d%seventtype=9%"
             "ssynchdvrnum=%ssts=%ld",
             s->meetnum, amp, s->eventnum, amp, (unsigned)m->id, amp, s->divord, amp, amp, amp,
             s->sts);
    else
        putf(b, "diversdives.php?dvrnum=%u%sheight=%d%sdive=%s", (unsigned)m->id, amp,
             s->h10 == 75 ? 7 : s->h10 / 10, amp, s->dive->code);
}

static void stats_table(render *w)
{
    const model *m = w->m;
    int up = (m->v & V(PG_V_UPPER_TAGS)) != 0, nb = (m->v & V(PG_V_NBSP_CELLS)) != 0;
    put(w->b, "<table border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
              "colspan=\"6\"><strong>Dive Statistics</strong></td></tr><tr><td "
              "colspan=\"2\"><strong>Dive & Height</strong></td><td><strong>Description</strong>"
              "</td><td><strong>High Score</strong></td><td><strong>Avg Score</strong></td><td>"
              "<strong># of Times</strong></td></tr><tr><td colspan=\"6\"><hr></td></tr>");
    const char *td = up ? "<TD>" : "<td>", *etd = up ? "</TD>" : "</td>";
    for (int i = 0; i < m->nrows; i++) {
        const stat_row *s = &m->rows[i];
        if (m->v & V(PG_V_ROW_NEWLINES))
            put(w->b, "\n\t");
        putf(w->b, up ? "<TR BGCOLOR=\"%s\">" : "<tr bgcolor=\"%s\">", i % 2 ? "FFFFFF" : "DDDDDD");
        putf(w->b, "%s%s%s%s", td, s->dive->code, etd, td);
        put_height(w->b, s->h10);
        if (nb && chance(&w->look, 300))
            put(w->b, chance(&w->look, 500) ? "&nbsp;" : " ");
        put(w->b, etd);
        put(w->b, td);
        const char *d = s->dive->description, *sp = strchr(d, ' ');
        if (nb && sp && chance(&w->look, 300))
            putf(w->b, "%.*s&nbsp;%s", (int)(sp - d), d, sp + 1);
        else
            put(w->b, d);
        put(w->b, etd);
        for (int k = 0; k < 2; k++) {
            int c = k == 0 ? s->high_c : s->avg_c;
            putf(w->b, "%s%s", td, up ? "<A HREF=\"" : "<a href=\"");
            if (m->v & V(PG_V_ABS_HREFS))
                put(w->b, DEFAULT_ROOT SYSTEM_PATH);
            stat_href(w->b, m, s, k, href_amp(m));
            putf(w->b, "\">%d.%02d%s%s", c / 100, c % 100, up ? "</A>" : "</a>", etd);
        }
        if (!s->bad)
            putf(w->b, "%s%s%d%s", td, nb && chance(&w->look, 200) ? "&nbsp;" : "", s->times, etd);
        put(w->b, up ? "</TR>" : "</tr>");
    }
    put(w->b, "</table>");
}

static void upcoming_table(render *w, rng *r)
{
    put(w->b, "<table border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
              "colspan=\"3\"><strong>Upcoming Meets</strong></td></tr>");
    putf(w->b, "<tr><td colspan=\"3\"><strong>%d ", w->m->year + 1);
    put_text(w, PICKP(r, dm_pagegen_places, dm_pagegen_nplaces)->city);
    putf(w->b, " %s</strong></td></tr><tr><td>&nbsp;&nbsp;&nbsp;",
         PICK(r, dm_pagegen_meet_words, dm_pagegen_nmeet_words));
    event_name(w, r, 30);
    putf(w->b,
         "</td><td>&nbsp;</td><td><a "
         "href=\"divesheetext.php?meetnum=%d%seventnum=%d%sdvrnum=%u\">Dive "
         "Sheet</a></td></tr></table>",
         between(r, 13000, 14000), href_amp(w->m), 10 * between(r, 1, 99), href_amp(w->m),
         (unsigned)w->m->id);
}

static const char head[] =
    "\n<!DOCTYPE HTML PUBLIC \"-//W3C/DTD HTML 4.01 Transitional//EN\" "
    "\"http://www.w3.org/TR/html4/loose.dtd\">\n<html>\n<head>\n<title>::::::::::: DiveMeets - "
    "Profile :::::::::::</title>\n<link rel=\"stylesheet\" type=\"text/css\" "
    "href=\"style/divemeets.css\">\n</head>\n<body>\n";

static void blocked_page(pagegen_buf *b, uint32_t id)
{
    put(b, "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title><meta "
           "http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"><meta "
           "http-equiv=\"X-UA-Compatible\" content=\"IE=Edge\"><meta name=\"robots\" "
           "content=\"noindex,nofollow\"><meta name=\"viewport\" "
           "content=\"width=device-width,initial-scale=1\"><style>*{box-sizing:border-box;"
           "margin:0;padding:0}html{line-height:1.15;color:#313131;font-family:system-ui,"
           "sans-serif}body{display:flex;flex-direction:column;height:100vh;min-height:100vh}"
           ".main-content{margin:8rem auto;max-width:60rem;padding-left:1.5rem}</style>"
           "</head><body class=\"no-js\"><div class=\"main-wrapper\" role=\"main\"><div "
           "class=\"main-content\"><h1 class=\"zone-name-title h1\">secure.meetcontrol.com</h1>"
           "<h2 id=\"challenge-running\" class=\"h2\">Checking if the site connection is "
           "secure</h2><noscript><div class=\"h2\"><span id=\"challenge-error-text\">Enable "
           "JavaScript and cookies to continue</span></div></noscript></div></div><script>"
           "(function(){window._cf_chl_opt={cvId:'3',cZone:'secure.meetcontrol.com',cType:"
           "'managed',");
    putf(b, "cRay:'%08x%08x',cH:'pg-%u'};", (unsigned)(id * 2654435761u), (unsigned)~id,
         (unsigned)id);
    put(b, "var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/"
           "g/orchestrate/chl_page/v1';document.getElementsByTagName('head')[0]"
           ".appendChild(cpo);}());</script><div class=\"footer\" role=\"contentinfo\"><div "
           "class=\"footer-inner\"><div class=\"text-center\">Performance &amp; security by "
           "Cloudflare</div></div></div></body></html>");
}

static void render_model(const model *m, pagegen_buf *b)
{
    size_t start = b->len;
    render w = {b, m, {m->look}};
    rng r = {m->look ^ 0xA5A5A5A5u}; /* draws for filler content (teams, meets) */
    if (m->kind == PG_KIND_BLOCKED) {
        blocked_page(b, m->id);
        return;
    }
    put(b, head);
    if (m->kind == PG_KIND_NO_PROFILE_A) {
        put(b, "</body>\n</html>\n");
        goto endings;
    }
    put(b, "<table width=\"100%\" border=\"0\" cellpadding=\"5\" cellspacing=\"0\">\n<tr>\n<td "
           "valign=\"top\">\n");
    if (m->kind == PG_KIND_NO_PROFILE_B || chance(&r, 400))
        put(b, "<img src=\"images/nophoto.jpg\" align=\"right\" border=\"1\" alt=\"\">\n");
    else
        putf(b, "<img src=\"profilephotos/%u.jpg\" align=\"right\" border=\"1\" alt=\"\">\n",
             (unsigned)m->id);
    put(b, "<span style=\"font-size: 24px; font-weight: bold; font-style: italic\"><span "
           "style=\"color: blue\">DIVE</span><span style=\"color: gray\">MEETS</span><span "
           "style=\"color: blue\">.COM</span></span>");
    br(&w);
    put(b, m->kind == PG_KIND_JUDGE ? "Judge Profile" : "Diver Profile");
    br(&w);
    br(&w);
    if (m->kind == PG_KIND_NO_PROFILE_B) {
        static const char *labs[] = {"Name", "City/State", "Country", "Gender", "DiveMeets #"};
        for (int i = 0; i < 5; i++)
            info_line(&w, labs[i], "");
        br(&w);
        br(&w);
        put(b, "\n</td>\n</tr>\n</table>\n</body>\n</html>\n");
        goto endings;
    }
    label(&w, "Name", 1);
    put_name(&w);
    br(&w);
    label(&w, (m->v & V(PG_V_STATE_LABEL)) ? "State" : "City/State",
          !(m->v & V(PG_V_LABEL_SPACE_OUTSIDE)));
    put_city(&w);
    br(&w);
    info_line(&w, "Country", m->country);
    char num[16];
    if (m->gender) {
        snprintf(num, sizeof num, "%c", m->gender);
        info_line(&w, "Gender", num);
    }
    if (m->age >= 0) {
        snprintf(num, sizeof num, "%d", m->age);
        info_line(&w, "Age", num);
    }
    if (m->fina >= 0) {
        snprintf(num, sizeof num, "%d", m->fina);
        info_line(&w, "FINA Age", num);
    }
    if (m->hs >= 0) {
        snprintf(num, sizeof num, "%d", m->hs);
        info_line(&w, "High School Graduation", num);
    }
    snprintf(num, sizeof num, "%u", (unsigned)m->id);
    info_line(&w, "DiveMeets #", num);
    br(&w);
    br(&w);
    if (m->kind != PG_KIND_JUDGE) {
        put(b, "<strong>Diving:</strong>");
        br(&w);
        put_orgs(&w, &r, "Diver");
    }
    if (m->kind != PG_KIND_DIVER) {
        if (m->kind == PG_KIND_COACH) {
            br(&w);
            put(b, "<strong>Coaching:</strong>");
            br(&w);
            put_orgs(&w, &r, "Coach");
        }
        br(&w);
        put(b, "<strong>Judging:</strong>");
        br(&w);
        for (int i = 0, n = between(&r, 1, 2); i < n; i++) {
            put(b, dm_pagegen_orgs[i]);
            br(&w);
        }
    }
    br(&w);
    br(&w);
    br(&w);
    put(b, "\n");
    if (m->v & V(PG_V_UPCOMING)) {
        upcoming_table(&w, &r);
        br(&w);
        br(&w);
        put(b, "\n");
    }
    if (m->nmeets > 0) {
        history_table(&w, &r);
        br(&w);
        br(&w);
        put(b, "\n");
    }
    if (m->has_table)
        stats_table(&w);
    if (m->kind != PG_KIND_DIVER) {
        for (int i = 0; i < 4; i++)
            br(&w);
        if (m->kind == PG_KIND_COACH) {
            put(b, "\n<center><strong>Divers:</strong></center>");
            for (int i = 0, n = between(&r, 2, 25); i < n; i++) {
                person_link(&w, &r, "profile.php", 2);
                br(&w);
            }
            for (int i = 0; i < 4; i++)
                br(&w);
        }
        put(b, "\n<table border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
               "colspan=\"2\"><strong>Judging History</strong></td></tr>");
        for (int i = 0, n = between(&r, 1, 8); i < n; i++) {
            putf(b, "<tr><td colspan=\"2\"><strong>%d %s</strong></td></tr><tr><td>&nbsp;&nbsp;",
                 m->year - i, PICK(&r, dm_pagegen_meet_words, dm_pagegen_nmeet_words));
            event_name(&w, &r, 10);
            putf(b, "</td><td><a href=\"judgesresults.php?meetnum=%d\">Results</a></td></tr>",
                 between(&r, 1000, 12999));
        }
        put(b, "</table>");
    }
    put(b, "\n</td>\n</tr>\n</table>\n</body>\n</html>\n");
endings:
    if (m->v & (V(PG_V_CRLF) | V(PG_V_CRCRLF))) {
        const char *eol = (m->v & V(PG_V_CRLF)) ? "\r\n" : "\r\r\n";
        size_t n = b->len - start, lines = 0;
        for (size_t i = start; i < b->len; i++)
            lines += b->data[i] == '\n';
        char *copy = malloc(n + 1);
        if (copy == NULL)
            abort();
        memcpy(copy, b->data + start, n);
        b->len = start;
        buf_grow(b, n + 2 * lines);
        for (size_t i = 0, from = 0; i <= n; i++) {
            if (i == n || copy[i] == '\n') {
                putn(b, copy + from, i - from);
                if (i < n)
                    put(b, eol);
                from = i + 1;
            }
        }
        free(copy);
    }
}

/* ---- truth ------------------------------------------------------------------------------ */

static void json_str(pagegen_buf *b, const char *s)
{
    put(b, "\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            putf(b, "\\%c", c);
        else if (c < 0x20)
            putf(b, "\\u%04x", c);
        else
            putn(b, s, 1);
    }
    put(b, "\"");
}

static int is_word(const char *t, size_t n, const char *const *list)
{
    for (; *list; list++)
        if (strlen(*list) == n && strncasecmp(t, *list, n) == 0)
            return 1;
    return 0;
}

/* The shared contract's name split: suffixes and surname particles join the last name. */
void dm_pagegen_split_name(const char *name, char *first, char *last, size_t cap)
{
    static const char *const suffixes[] = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", NULL};
    static const char *const particles[] = {"da",  "das", "de", "del", "della", "der", "di",
                                            "do",  "dos", "du", "la",  "le",    "van", "von",
                                            "ten", "ter", "st", "st.", NULL};
    const char *tok[32];
    size_t len[32];
    int n = 0;
    for (const char *p = name; *p && n < 32;) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        tok[n] = p;
        while (*p && *p != ' ')
            p++;
        len[n] = (size_t)(p - tok[n]);
        n++;
    }
    int end = n;
    while (end > 2 && is_word(tok[end - 1], len[end - 1], suffixes))
        end--;
    int s = end - 1;
    while (s > 1 && is_word(tok[s - 1], len[s - 1], particles))
        s--;
    first[0] = last[0] = '\0';
    if (n == 1)
        snprintf(first, cap, "%.*s", (int)len[0], tok[0]);
    if (n <= 1)
        return;
    snprintf(first, cap, "%.*s", (int)(tok[s - 1] + len[s - 1] - tok[0]), tok[0]);
    snprintf(last, cap, "%.*s", (int)(tok[n - 1] + len[n - 1] - tok[s]), tok[s]);
}

static void put_site_url(pagegen_buf *b, const char *root, const model *m, const stat_row *s,
                         int kind)
{
    if (m->v & V(PG_V_ABS_HREFS))
        root = DEFAULT_ROOT;
    size_t rl = strlen(root);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    pagegen_buf u = {0};
    putn(&u, root, rl);
    put(&u, SYSTEM_PATH);
    stat_href(&u, m, s, kind, "&");
    json_str(b, u.data);
    dm_pagegen_buf_free(&u);
}

static void truth_model(const model *m, const pagegen_opts *o, pagegen_buf *b)
{
    static const char *kinds[] = {"no_profile", "no_profile", "blocked",
                                  "profile",    "profile",    "profile"};
    putf(b, "{\"id\":%u,\"http_status\":%d,\"kind\":\"%s\",\"variants\":[", (unsigned)m->id,
         m->status, kinds[m->kind]);
    int nv = 0;
    for (int i = 0; i < PG_V_COUNT; i++)
        if (m->v & V(i))
            putf(b, "%s\"%s\"", nv++ ? "," : "", dm_pagegen_variant_name(i));
    put(b, "]");
    if (m->kind < PG_KIND_DIVER) {
        put(b, "}");
        return;
    }
    char first[256], last[256];
    dm_pagegen_split_name(m->name, first, last, sizeof first);
    put(b, ",\"info\":{\"name\":");
    json_str(b, m->name);
    put(b, ",\"first_name\":");
    json_str(b, first);
    put(b, ",\"last_name\":");
    json_str(b, last);
    if (m->city[0]) {
        put(b, ",\"city_state\":");
        json_str(b, m->city);
    }
    put(b, ",\"country\":");
    json_str(b, m->country);
    if (m->gender)
        putf(b, ",\"gender\":\"%c\"", m->gender);
    if (m->age >= 0)
        putf(b, ",\"age\":%d", m->age);
    if (m->fina >= 0)
        putf(b, ",\"fina_age\":%d", m->fina);
    if (m->hs >= 0)
        putf(b, ",\"hs_grad_year\":%d", m->hs);
    putf(b, ",\"divemeets_id\":%u}", (unsigned)m->id);
    if (m->has_table) {
        const char *root = o && o->site_root ? o->site_root : DEFAULT_ROOT;
        put(b, ",\"stats\":[");
        int k = 0;
        for (int i = 0; i < m->nrows; i++) {
            const stat_row *s = &m->rows[i];
            if (s->bad)
                continue;
            putf(b, "%s{\"number\":\"%s\",\"height\":", k++ ? "," : "", s->dive->code);
            if (s->h10 % 10)
                putf(b, "%d.%d", s->h10 / 10, s->h10 % 10);
            else
                putf(b, "%d", s->h10 / 10);
            put(b, ",\"description\":");
            json_str(b, s->dive->description);
            putf(b, ",\"high_score\":%d.%02d,\"high_score_url\":", s->high_c / 100,
                 s->high_c % 100);
            put_site_url(b, root, m, s, 0);
            putf(b, ",\"avg_score\":%d.%02d,\"avg_score_url\":", s->avg_c / 100, s->avg_c % 100);
            put_site_url(b, root, m, s, 1);
            putf(b, ",\"times\":%d}", s->times);
        }
        put(b, "]");
    }
    put(b, "}");
}

/* ---- public ------------------------------------------------------------------------------ */

void dm_pagegen_describe(uint32_t id, const pagegen_opts *opts, pagegen_desc *out)
{
    model *m = malloc(sizeof *m);
    if (m == NULL)
        abort();
    build(id, opts, m);
    out->kind = m->kind;
    out->http_status = m->status;
    out->variants = m->v;
    out->fina_age = m->fina;
    out->hs_grad_year = m->hs;
    out->nstats = m->has_table ? m->nstats : -1;
    free(m);
}

int dm_pagegen_render(uint32_t id, const pagegen_opts *opts, pagegen_buf *out)
{
    model *m = malloc(sizeof *m);
    if (m == NULL)
        abort();
    build(id, opts, m);
    render_model(m, out);
    int status = m->status;
    free(m);
    return status;
}

int dm_pagegen_truth(uint32_t id, const pagegen_opts *opts, pagegen_buf *out)
{
    model *m = malloc(sizeof *m);
    if (m == NULL)
        abort();
    build(id, opts, m);
    truth_model(m, opts, out);
    int status = m->status;
    free(m);
    return status;
}

const char *dm_pagegen_variant_name(int variant)
{
    static const char *const names[PG_V_COUNT] = {
        "no_profile_a",
        "no_profile_b",
        "blocked",
        "diver",
        "coach",
        "judge",
        "stats",
        "no_stats",
        "stats_empty",
        "stats_150",
        "long_history",
        "upcoming",
        "no_age",
        "grad_only",
        "no_hs",
        "hs_age",
        "fina19_grad",
        "young",
        "adult",
        "state_label",
        "city_empty",
        "city_comma",
        "name_apos",
        "name_curly_apos",
        "apos_entity",
        "name_accent",
        "enc_cp1252",
        "enc_entities",
        "name_hyphen",
        "name_double_space",
        "name_suffix",
        "name_particle",
        "name_middle",
        "name_trailing_ws",
        "br_mixed",
        "crlf",
        "crcrlf",
        "nbsp_cells",
        "nbsp_info",
        "label_space_outside",
        "amp_hrefs",
        "abs_hrefs",
        "unknown_dive",
        "high_diving",
        "bad_row",
        "upper_tags",
        "spaced_tags",
        "row_newlines",
        "coach_with_stats",
        "non_us",
    };
    return variant >= 0 && variant < PG_V_COUNT ? names[variant] : NULL;
}
