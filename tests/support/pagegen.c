/* pagegen.c: deterministic DiveMeets-like profile pages (see pagegen.h and
 * ../shared/research/divemeets-profile-page.md). A page is built in two steps: a model
 * drawn from an RNG seeded by the id (what the page says), then the bytes (how it says
 * it: <br> style, encoding, CRLF, &nbsp;...). The truth is printed from the same model. */
#include "pagegen.h"

#include <strings.h>
#include <time.h>

#include "pagegen_model.h"

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
            m->nmeets = between(&r, 95, 125);
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

/* Unity build (as luv.c does): the page writer lives in its own file but in this unit, so
 * the library stays pagegen.c + pagegen_data.c for every build script. */
#include "pagegen_html.c"
