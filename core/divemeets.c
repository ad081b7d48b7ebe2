/* divemeets.c: classify a DiveMeets profile response and extract the personal-info block and
 * the Dive Statistics table. A cheap byte scan locates the two fragments; gumbo parses only
 * those (htmlfrag.c: arena-allocated, no recursive teardown). Owns: the dm_profile result
 * arena. docs/divemeets.md has every rule and the differences from the original parser. */
#include "divemeets.h"
#include "htmlfrag.h"

#include <gumbo.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== text (exported wrappers over htmlfrag) ============================================= */

char *dm_divemeets_to_utf8(const char *s, size_t len, size_t *outlen)
{
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t n = dm_frag_to_utf8(s, len, out, NULL);
    out[n] = '\0';
    if (outlen)
        *outlen = n;
    return out;
}

char *dm_divemeets_clean_text(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    int pending = 0;
    size_t n = dm_frag_clean_append(out, 0, s, len, &pending);
    out[n] = '\0';
    return out;
}

/* ==== names ============================================================================= */

/* The name-splitting rule (team contract; fixes defects 8 and 9):
 *   tokens = the cleaned name split on single spaces;
 *   trailing suffix tokens (Jr, Jr., Sr, Sr., II, III, IV, V; any case) are set aside while
 *   at least two tokens stay in front of them, and are appended to the last name;
 *   the surname is the last remaining token, extended leftwards over surname particles
 *   (da das de del della der di do dos du la le van von ten ter st st.; any case) while at
 *   least one token remains for the first name;
 *   first_name = the tokens before the surname joined by one space (middle names and initials
 *   stay in the first name); a one-token name gives first = that token, last = "". */
static const char *const name_suffixes[] = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", NULL};
static const char *const name_particles[] = {"da",  "das", "de", "del", "della", "der", "di",
                                             "do",  "dos", "du", "la",  "le",    "van", "von",
                                             "ten", "ter", "st", "st.", NULL};

static int word_in(const char *w, size_t n, const char *const *list)
{
    for (size_t i = 0; list[i] != NULL; i++) {
        size_t m = strlen(list[i]);
        if (m != n)
            continue;
        size_t k = 0;
        while (k < n && dm_frag_lower((unsigned char)w[k]) == (unsigned char)list[i][k])
            k++;
        if (k == n)
            return 1;
    }
    return 0;
}

int dm_divemeets_split_name(const char *name, char **first, char **last)
{
    *first = *last = NULL;
    size_t len = strlen(name);
    /* token boundaries; the name is cleaned, so tokens are separated by exactly one space */
    size_t ntok = 0;
    for (size_t i = 0; i < len; i++)
        if (name[i] != ' ' && (i == 0 || name[i - 1] == ' '))
            ntok++;
    size_t *start = malloc((ntok + 1) * sizeof *start);
    size_t *end = malloc((ntok + 1) * sizeof *end);
    if (start == NULL || end == NULL) {
        free(start);
        free(end);
        return -1;
    }
    size_t t = 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] != ' ' && (i == 0 || name[i - 1] == ' '))
            start[t] = i;
        if (name[i] != ' ' && (i + 1 == len || name[i + 1] == ' '))
            end[t++] = i + 1;
    }
    int rc = 0;
    if (ntok <= 1) {
        *first = strdup(name);
        *last = strdup("");
        rc = 1;
    } else {
        size_t m = ntok; /* tokens before the suffixes */
        while (m > 2 && word_in(name + start[m - 1], end[m - 1] - start[m - 1], name_suffixes))
            m--;
        size_t s = m - 1; /* surname start */
        while (s >= 2 && word_in(name + start[s - 1], end[s - 1] - start[s - 1], name_particles))
            s--;
        *first = strndup(name, end[s - 1]);
        *last = strndup(name + start[s], len - start[s]);
    }
    free(start);
    free(end);
    if (*first == NULL || *last == NULL) {
        free(*first);
        free(*last);
        *first = *last = NULL;
        return -1;
    }
    return rc;
}

/* ==== URLs ============================================================================== */

char *dm_divemeets_resolve_url(const char *site_root, const char *href)
{
    if (site_root == NULL)
        site_root = DM_DIVEMEETS_SITE_ROOT;
    size_t hl = strlen(href);
    while (hl > 0 && dm_frag_is_space((unsigned char)*href)) {
        href++;
        hl--;
    }
    while (hl > 0 && dm_frag_is_space((unsigned char)href[hl - 1]))
        hl--;
    size_t rl = strlen(site_root);
    while (rl > 0 && site_root[rl - 1] == '/')
        rl--;
    /* absolute: a scheme ("http:", "https:", ...) before any '/', '?' or '#' */
    size_t i = 0;
    while (i < hl && (href[i] >= 'a' && href[i] <= 'z' ? 1
                      : href[i] >= 'A' && href[i] <= 'Z'
                          ? 1
                          : (i > 0 && ((href[i] >= '0' && href[i] <= '9') || href[i] == '+' ||
                                       href[i] == '-' || href[i] == '.'))))
        i++;
    if (i > 0 && i < hl && href[i] == ':')
        return strndup(href, hl);
    const char *prefix;
    size_t pl;
    const char *base = "/divemeets/system/";
    char *out;
    if (hl >= 2 && href[0] == '/' && href[1] == '/') { /* scheme-relative */
        const char *colon = memchr(site_root, ':', rl);
        pl = colon ? (size_t)(colon - site_root) + 1 : 0;
        prefix = site_root;
        base = "";
    } else if (hl >= 1 && href[0] == '/') { /* root-relative */
        prefix = site_root;
        pl = rl;
        base = "";
    } else {
        prefix = site_root;
        pl = rl;
    }
    size_t bl = strlen(base);
    out = malloc(pl + bl + hl + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, prefix, pl);
    memcpy(out + pl, base, bl);
    memcpy(out + pl + bl, href, hl);
    out[pl + bl + hl] = '\0';
    return out;
}

/* ==== result building ==================================================================== */

#define MAX_WARNINGS 64

typedef struct {
    dm_profile *out;
    const char *site_root;
    int oom;
    dm_arena scratch; /* gumbo's memory for one fragment */
    size_t warn_dropped;
    int gumbo_only;      /* testing: no href shortcut */
    dm_frag_hrefs hrefs; /* href values taken out of the stats fragment (scratch) */
} parse_ctx;

/* Length of s[0,n) without a UTF-8 sequence cut at its end (so truncation keeps the text
 * valid UTF-8: warnings end up in JSON). */
static size_t utf8_whole(const char *s, size_t n)
{
    size_t i = n, k = 0;
    while (i > 0 && k < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--, k++;
    if (i == 0 || (unsigned char)s[i - 1] < 0x80)
        return n;
    unsigned c = (unsigned char)s[i - 1];
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    return k + 1 == need ? n : i - 1;
}

static void warn(parse_ctx *cx, const char *fmt, ...)
{
    dm_profile *p = cx->out;
    if (p->nwarnings >= MAX_WARNINGS) {
        cx->warn_dropped++;
        return;
    }
    if (p->nwarnings == p->warnings_cap) {
        size_t cap = p->warnings_cap ? p->warnings_cap * 2 : 8;
        const char **w = dm_arena_alloc(p->arena, cap * sizeof *w);
        if (w == NULL) {
            cx->oom = 1;
            return;
        }
        if (p->nwarnings)
            memcpy(w, p->warnings, p->nwarnings * sizeof *w);
        p->warnings = w;
        p->warnings_cap = cap;
    }
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : utf8_whole(buf, sizeof buf - 1);
    char *s = dm_arena_strndup(p->arena, buf, len);
    if (s == NULL) {
        cx->oom = 1;
        return;
    }
    p->warnings[p->nwarnings++] = s;
}

/* Copy a malloc'ed string into the result arena and free the original. */
static const char *adopt(parse_ctx *cx, char *s)
{
    if (s == NULL) {
        cx->oom = 1;
        return NULL;
    }
    const char *r = dm_arena_strndup(cx->out->arena, s, strlen(s));
    free(s);
    if (r == NULL)
        cx->oom = 1;
    return r;
}

/* Short, printable excerpt of a value for warnings. */
static const char *excerpt(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s[n] != '\0' && n + 1 < cap; n++)
        buf[n] = (unsigned char)s[n] < 0x20 ? '?' : s[n];
    buf[utf8_whole(buf, n)] = '\0';
    return buf;
}

/* Strict unsigned decimal integer (1..18 digits). */
static int parse_long(const char *s, long *v)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18)
        return 0;
    long r = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return 1;
}

/* Strict unsigned decimal "ddd[.ddd]" (at most 15 significant digits), locale-independent
 * and correctly rounded (an exact integer divided by an exact power of ten). */
static int parse_decimal(const char *s, size_t n, double *v)
{
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    long long mant = 0;
    int digits = 0, frac = 0, dot = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return 0;
        if (++digits > 15)
            return 0;
        mant = mant * 10 + (s[i] - '0');
        if (dot)
            frac++;
    }
    if (digits == 0)
        return 0;
    *v = (double)mant / pow10[frac];
    return 1;
}

/* ==== gumbo fragment parsing ============================================================= */

static void scratch_reset(parse_ctx *cx)
{
    cx->hrefs = (dm_frag_hrefs){0};
    dm_arena_release(&cx->scratch);
}

static GumboOutput *parse_fragment(parse_ctx *cx, const char *s, size_t len, const char *prefix,
                                   size_t *repaired, int shortcut)
{
    cx->hrefs = (dm_frag_hrefs){0};
    GumboOutput *g = dm_frag_parse(&cx->scratch, s, len, prefix, repaired,
                                   shortcut && !cx->gumbo_only ? &cx->hrefs : NULL);
    if (g == NULL)
        cx->oom = 1;
    return g;
}

/* A growable text buffer in the scratch arena. */
typedef struct {
    char *s;
    size_t len, cap;
    int pending;
} tbuf;

static int tbuf_clean_append(parse_ctx *cx, tbuf *b, const char *s, size_t n)
{
    if (b->len + n + 2 > b->cap) {
        size_t cap = (b->len + n + 2) * 2;
        char *ns = dm_arena_alloc(&cx->scratch, cap);
        if (ns == NULL) {
            cx->oom = 1;
            return -1;
        }
        if (b->len)
            memcpy(ns, b->s, b->len);
        b->s = ns;
        b->cap = cap;
    }
    b->len = dm_frag_clean_append(b->s, b->len, s, n, &b->pending);
    b->s[b->len] = '\0';
    return 0;
}

/* Cleaned text of all descendants of `el`, in the scratch arena ("" when none). */
static const char *node_text(parse_ctx *cx, GumboNode *el)
{
    tbuf b = {0};
    for (GumboNode *n = dm_frag_next(el, el, 0); n != NULL; n = dm_frag_next(el, n, 0)) {
        if (dm_frag_is_text(n))
            tbuf_clean_append(cx, &b, n->v.text.text, strlen(n->v.text.text));
    }
    return b.s ? b.s : "";
}

/* ==== the info block ===================================================================== */

typedef enum {
    F_NAME,
    F_CITY_STATE,
    F_STATE,
    F_COUNTRY,
    F_GENDER,
    F_AGE,
    F_FINA_AGE,
    F_HS_GRAD,
    F_DM_ID,
    F_COUNT
} info_field;

static const struct {
    const char *label; /* lower case, without the colon, inner spaces collapsed */
    info_field field;
} info_labels[] = {
    {"name", F_NAME},
    {"city/state", F_CITY_STATE},
    {"city / state", F_CITY_STATE},
    {"state", F_STATE},
    {"country", F_COUNTRY},
    {"gender", F_GENDER},
    {"age", F_AGE},
    {"fina age", F_FINA_AGE},
    {"high school graduation", F_HS_GRAD},
    {"hs graduation", F_HS_GRAD},
    {"divemeets #", F_DM_ID},
    {"divemeets#", F_DM_ID},
    {"divemeets id", F_DM_ID},
};

static int label_field(const char *label)
{
    size_t n = strlen(label);
    while (n > 0 && (label[n - 1] == ':' || label[n - 1] == ' '))
        n--;
    for (size_t i = 0; i < sizeof info_labels / sizeof info_labels[0]; i++) {
        const char *l = info_labels[i].label;
        if (strlen(l) != n)
            continue;
        size_t k = 0;
        while (k < n && dm_frag_lower((unsigned char)label[k]) == (unsigned char)l[k])
            k++;
        if (k == n)
            return (int)info_labels[i].field;
    }
    return -1;
}

/* Find the info block: the open tag (<strong>, <b>, any case) whose text starts with
 * "Name" + optional spaces + ':'. Returns the offset of its '<', or SIZE_MAX. */
static size_t find_info_start(const char *h, size_t n)
{
    size_t from = 0;
    for (;;) {
        size_t p = dm_frag_ci_find(h, n, from, "name");
        if (p == SIZE_MAX)
            return SIZE_MAX;
        from = p + 4;
        size_t j = p + 4;
        while (j < n && (h[j] == ' ' || h[j] == '\t'))
            j++;
        if (j >= n || h[j] != ':')
            continue;
        size_t k = p;
        while (k > 0 && dm_frag_is_space((unsigned char)h[k - 1]))
            k--;
        if (k == 0 || h[k - 1] != '>')
            continue;
        size_t lt = dm_frag_ci_rfind(h, k > 64 ? k - 64 : 0, k, n, "<");
        if (lt == SIZE_MAX)
            continue;
        const char *t = h + lt + 1;
        size_t tl = k - 1 - (lt + 1);
        int strong = tl >= 6 && dm_frag_ci_find(t, tl, 0, "strong") == 0 &&
                     (tl == 6 || t[6] == ' ' || t[6] == '\t');
        int bold = tl >= 1 && dm_frag_lower((unsigned char)t[0]) == 'b' && (tl == 1 || t[1] == ' ');
        if (strong || bold)
            return lt;
    }
}

/* Tag at h[lt] (== '<'): 1 for <strong>/<b> (open), 2 for </strong>, </b>, <br>, or a comment,
 * 0 for any other tag. */
static int label_markup_tag(const char *h, size_t n, size_t lt)
{
    size_t i = lt + 1;
    if (i + 3 <= n && memcmp(h + i, "!--", 3) == 0)
        return 2;
    int close = i < n && h[i] == '/';
    if (close)
        i++;
    size_t j = i;
    while (j < n && ((h[j] >= 'a' && h[j] <= 'z') || (h[j] >= 'A' && h[j] <= 'Z')))
        j++;
    if (j >= n || !(h[j] == '>' || h[j] == '/' || dm_frag_is_space((unsigned char)h[j])))
        return 0;
    char name[8];
    size_t len = j - i;
    if (len == 0 || len >= sizeof name)
        return 0;
    for (size_t k = 0; k < len; k++)
        name[k] = (char)dm_frag_lower((unsigned char)h[i + k]);
    name[len] = '\0';
    if (strcmp(name, "strong") == 0 || strcmp(name, "b") == 0)
        return close ? 2 : 1;
    if (strcmp(name, "br") == 0)
        return 2;
    return 0;
}

/* Fields may come before Name: move the start back over preceding label lines (only <strong>,
 * <b>, <br> tags, comments and text), at most 2 KB. */
static size_t extend_info_start(const char *h, size_t n, size_t start)
{
    size_t lo = start > 2048 ? start - 2048 : 0;
    size_t best = start;
    for (size_t p = start; p-- > lo;) {
        if (h[p] != '<')
            continue;
        int t = label_markup_tag(h, n, p);
        if (t == 0)
            break;
        if (t == 1)
            best = p;
    }
    return best;
}

/* End of the info block: before the first section header or table after it, capped. */
static size_t find_info_end(const char *h, size_t n, size_t start)
{
    size_t cap = n - start > 16384 ? start + 16384 : n;
    size_t end = cap;
    size_t t = dm_frag_ci_find(h, cap, start, "<table");
    if (t < end)
        end = t;
    static const char *const headers[] = {"diving:", "coaching:", "judging:"};
    for (size_t i = 0; i < 3; i++) {
        size_t p = dm_frag_ci_find(h, end, start, headers[i]);
        if (p != SIZE_MAX) {
            size_t lt = dm_frag_ci_rfind(h, p > 64 ? p - 64 : start, p, n, "<strong");
            if (lt == SIZE_MAX)
                lt = dm_frag_ci_rfind(h, p > 64 ? p - 64 : start, p, n, "<b");
            if (lt != SIZE_MAX && lt < end && lt > start)
                end = lt;
        }
    }
    return end;
}

static void set_int_field(parse_ctx *cx, long *dst, const char *label, const char *v)
{
    char ex[40];
    long x;
    if (*v == '\0')
        return;
    if (parse_long(v, &x))
        *dst = x;
    else
        warn(cx, "info: %s value '%s' is not an integer", label, excerpt(v, ex, sizeof ex));
}

static const char *const field_names[F_COUNT] = {
    "Name",       "City/State", "State",    "Country",
    "Gender",     "Age",        "FINA Age", "High School Graduation",
    "DiveMeets #"};

static void store_field(parse_ctx *cx, int f, const char *v, const char **values, int *seen)
{
    if (f < 0)
        return;
    if (seen[f]) {
        warn(cx, "info: duplicate %s line ignored", field_names[f]);
        return;
    }
    seen[f] = 1;
    values[f] = v;
}

/* Parse the info fragment: labels are the text of <strong>/<b> elements ending in ':'; the
 * value is the text after the label up to the next <br>, label or block element. */
static int parse_info(parse_ctx *cx, const char *h, size_t start, size_t end, long req_id)
{
    dm_profile *p = cx->out;
    size_t repaired = 0;
    GumboOutput *g = parse_fragment(cx, h + start, end - start, NULL, &repaired, 0);
    if (g == NULL)
        return 0;
    if (repaired)
        warn(cx, "info: %zu byte(s) not valid UTF-8 read as Windows-1252", repaired);
    const char *values[F_COUNT] = {0};
    int seen[F_COUNT] = {0};
    tbuf label = {0}, value = {0};
    int field = -1, in_value = 0;
    /* A <strong>/<b> met inside a value is a label only if its text ends in ':'; until that
     * is known its text goes to the value too, and is taken back if it was a label. */
    size_t saved_len = 0;
    int saved_pending = 0;
    GumboNode *label_el = NULL;
    GumboNode *root = g->root;
    for (GumboNode *n = dm_frag_next(root, root, 0);; n = n ? dm_frag_next(root, n, 0) : NULL) {
        /* leaving the label element (or the end): the label is complete */
        if (label_el != NULL) {
            GumboNode *a = n;
            while (a != NULL && a != label_el)
                a = a->parent;
            if (a == NULL) {
                const char *l = label.s ? label.s : "";
                size_t ll = strlen(l);
                if (ll > 0 && l[ll - 1] == ':') {
                    if (in_value) {
                        value.len = saved_len;
                        value.pending = saved_pending;
                        if (value.s)
                            value.s[value.len] = '\0';
                        store_field(cx, field, value.s ? value.s : "", values, seen);
                    }
                    field = label_field(l);
                    if (field < 0) {
                        char ex[40];
                        warn(cx, "info: unknown label '%s'", excerpt(l, ex, sizeof ex));
                    }
                    in_value = 1;
                    value = (tbuf){0};
                }
                label_el = NULL;
            }
        }
        if (n == NULL)
            break;
        if (dm_frag_is_text(n)) {
            if (n->parent != NULL && (dm_frag_is_elem(n->parent, GUMBO_TAG_SCRIPT) ||
                                      dm_frag_is_elem(n->parent, GUMBO_TAG_STYLE)))
                continue;
            const char *t = n->v.text.text;
            if (label_el != NULL)
                tbuf_clean_append(cx, &label, t, strlen(t));
            if (in_value)
                tbuf_clean_append(cx, &value, t, strlen(t));
            continue;
        }
        if (n->type != GUMBO_NODE_ELEMENT)
            continue;
        GumboTag t = n->v.element.tag;
        if ((t == GUMBO_TAG_STRONG || t == GUMBO_TAG_B) && label_el == NULL) {
            label_el = n;
            label = (tbuf){0};
            saved_len = value.len;
            saved_pending = value.pending;
            continue;
        }
        int ends_value = t == GUMBO_TAG_BR || t == GUMBO_TAG_P || t == GUMBO_TAG_DIV ||
                         t == GUMBO_TAG_TABLE || t == GUMBO_TAG_TR || t == GUMBO_TAG_TD ||
                         t == GUMBO_TAG_HR || t == GUMBO_TAG_CENTER || t == GUMBO_TAG_IMG;
        if (ends_value && in_value && label_el == NULL) {
            store_field(cx, field, value.s ? value.s : "", values, seen);
            in_value = 0;
            field = -1;
        }
    }
    if (in_value)
        store_field(cx, field, value.s ? value.s : "", values, seen);

    dm_profile_info *in = &p->info;
    dm_arena *ra = p->arena;
    const char *name = values[F_NAME];
    if (name != NULL && *name != '\0') {
        in->name = dm_arena_strndup(ra, name, strlen(name));
        char *first, *last;
        int rc = dm_divemeets_split_name(name, &first, &last);
        if (rc < 0) {
            cx->oom = 1;
        } else {
            in->first_name = adopt(cx, first);
            in->last_name = adopt(cx, last);
            if (rc == 1)
                warn(cx, "info: name has a single word; last_name is empty");
        }
    }
    const char *cs = values[F_CITY_STATE] ? values[F_CITY_STATE] : values[F_STATE];
    if (cs && *cs)
        in->city_state = dm_arena_strndup(ra, cs, strlen(cs));
    if (values[F_COUNTRY] && *values[F_COUNTRY])
        in->country = dm_arena_strndup(ra, values[F_COUNTRY], strlen(values[F_COUNTRY]));
    const char *gd = values[F_GENDER];
    if (gd && *gd) {
        in->gender = dm_arena_strndup(ra, gd, strlen(gd));
        if (strcmp(gd, "M") != 0 && strcmp(gd, "F") != 0) {
            char ex[40];
            warn(cx, "info: unusual gender '%s'", excerpt(gd, ex, sizeof ex));
        }
    }
    if (values[F_AGE])
        set_int_field(cx, &in->age, "Age", values[F_AGE]);
    if (values[F_FINA_AGE])
        set_int_field(cx, &in->fina_age, "FINA Age", values[F_FINA_AGE]);
    if (values[F_HS_GRAD])
        set_int_field(cx, &in->hs_grad_year, "High School Graduation", values[F_HS_GRAD]);
    if (values[F_DM_ID])
        set_int_field(cx, &in->divemeets_id, "DiveMeets #", values[F_DM_ID]);
    if (req_id > 0 && in->divemeets_id != DM_DIVEMEETS_ABSENT && in->divemeets_id != req_id)
        warn(cx, "info: page DiveMeets # %ld differs from requested id %ld", in->divemeets_id,
             req_id);
    if ((name && *name && !in->name) || (cs && *cs && !in->city_state))
        cx->oom = 1;
    scratch_reset(cx);
    return in->name != NULL;
}

/* ==== the Dive Statistics table ========================================================== */

static GumboNode *first_link(parse_ctx *cx, GumboNode *cell, const char **href)
{
    for (GumboNode *n = dm_frag_next(cell, cell, 0); n != NULL; n = dm_frag_next(cell, n, 0)) {
        if (dm_frag_is_elem(n, GUMBO_TAG_A)) {
            GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, "href");
            if (a != NULL) {
                *href = dm_frag_link_href(&cx->hrefs, a);
                if (*href == NULL) {
                    cx->oom = 1;
                    *href = "";
                }
                return n;
            }
        }
    }
    return NULL;
}

static dm_dive_stat *push_stat(parse_ctx *cx)
{
    dm_profile *p = cx->out;
    if (p->nstats == p->stats_cap) {
        size_t cap = p->stats_cap ? p->stats_cap * 2 : 32;
        dm_dive_stat *s = dm_arena_alloc(p->arena, cap * sizeof *s);
        if (s == NULL) {
            cx->oom = 1;
            return NULL;
        }
        if (p->nstats)
            memcpy(s, p->stats, p->nstats * sizeof *s);
        p->stats = s;
        p->stats_cap = cap;
    }
    dm_dive_stat *s = &p->stats[p->nstats];
    memset(s, 0, sizeof *s);
    return s;
}

/* Dive number: spaces removed, letters upper-cased ("5231 d" -> "5231D"). */
static const char *norm_dive_number(parse_ctx *cx, const char *t)
{
    size_t n = strlen(t);
    char *o = dm_arena_alloc(cx->out->arena, n + 1);
    if (o == NULL) {
        cx->oom = 1;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == ' ')
            continue;
        o[k++] = (char)(t[i] >= 'a' && t[i] <= 'z' ? t[i] - 32 : t[i]);
    }
    o[k] = '\0';
    return o;
}

static int dive_number_ok(const char *s)
{
    size_t n = strlen(s), d = 0;
    while (d < n && s[d] >= '0' && s[d] <= '9')
        d++;
    return (d == 3 || d == 4) && n == d + 1 && s[d] >= 'A' && s[d] <= 'D';
}

static int parse_height(const char *t, double *h)
{
    size_t n = strlen(t);
    if (n > 0 && (t[n - 1] == 'M' || t[n - 1] == 'm'))
        n--;
    while (n > 0 && t[n - 1] == ' ')
        n--;
    return parse_decimal(t, n, h);
}

static void parse_stats_row(parse_ctx *cx, GumboNode **cells, size_t row_no)
{
    char ex[48];
    const char *tx[6];
    for (int i = 0; i < 6; i++)
        tx[i] = node_text(cx, cells[i]);
    if (cx->oom)
        return;
    double height, high, avg;
    long times;
    if (*tx[0] == '\0') {
        warn(cx, "stats row %zu skipped: empty dive number", row_no);
        return;
    }
    if (!parse_height(tx[1], &height)) {
        warn(cx, "stats row %zu skipped: bad height '%s'", row_no, excerpt(tx[1], ex, sizeof ex));
        return;
    }
    if (!parse_decimal(tx[3], strlen(tx[3]), &high)) {
        warn(cx, "stats row %zu skipped: bad high score '%s'", row_no,
             excerpt(tx[3], ex, sizeof ex));
        return;
    }
    if (!parse_decimal(tx[4], strlen(tx[4]), &avg)) {
        warn(cx, "stats row %zu skipped: bad average score '%s'", row_no,
             excerpt(tx[4], ex, sizeof ex));
        return;
    }
    if (!parse_long(tx[5], &times)) {
        warn(cx, "stats row %zu skipped: bad # of times '%s'", row_no,
             excerpt(tx[5], ex, sizeof ex));
        return;
    }
    dm_dive_stat *s = push_stat(cx);
    if (s == NULL)
        return;
    dm_arena *ra = cx->out->arena;
    s->number = norm_dive_number(cx, tx[0]);
    if (s->number && !dive_number_ok(s->number))
        warn(cx, "stats row %zu: unusual dive number '%s'", row_no,
             excerpt(s->number, ex, sizeof ex));
    s->height = height;
    s->description = dm_arena_strndup(ra, tx[2], strlen(tx[2]));
    s->high_score = high;
    s->avg_score = avg;
    s->times = times;
    const char *href;
    if (first_link(cx, cells[3], &href) != NULL)
        s->high_score_url = adopt(cx, dm_divemeets_resolve_url(cx->site_root, href));
    else
        warn(cx, "stats row %zu: high score has no link", row_no);
    if (first_link(cx, cells[4], &href) != NULL)
        s->avg_score_url = adopt(cx, dm_divemeets_resolve_url(cx->site_root, href));
    else
        warn(cx, "stats row %zu: average score has no link", row_no);
    if (s->number == NULL || s->description == NULL)
        cx->oom = 1;
    else
        cx->out->nstats++;
}

/* gumbo's tree construction is quadratic in nesting depth (100k nested <div>s take seconds),
 * so a fragment is cut where a rough depth count passes this. A real table is about 6 deep. */
#define MAX_STATS_DEPTH 256

#define MAX_STATS_FRAGMENT (4u * 1024u * 1024u)

static void parse_stats(parse_ctx *cx, const char *h, size_t n, size_t from)
{
    size_t title = dm_frag_ci_find(h, n, from, "dive statistics");
    if (title == SIZE_MAX)
        return;
    size_t back = title > 4096 ? title - 4096 : from;
    size_t start = dm_frag_ci_rfind(h, back, title, n, "<table");
    const char *prefix = NULL;
    if (start == SIZE_MAX) {
        start = title;
        prefix = "<table>";
        warn(cx, "stats: no <table> tag before the Dive Statistics title");
    }
    size_t close = dm_frag_ci_find(h, n, title, "</table");
    size_t end;
    if (close == SIZE_MAX) {
        end = n;
        warn(cx, "stats: table not closed (truncated page?)");
    } else {
        const char *gt = memchr(h + close, '>', n - close);
        end = gt ? (size_t)(gt - h) + 1 : n;
    }
    if (end - start > MAX_STATS_FRAGMENT) {
        warn(cx, "stats: table larger than %u bytes; the rest is ignored", MAX_STATS_FRAGMENT);
        end = start + MAX_STATS_FRAGMENT;
    }
    size_t deep = dm_frag_depth_end(h, start, end, MAX_STATS_DEPTH);
    if (deep < end) {
        warn(cx, "stats: tags nested deeper than %d; the rest is ignored", MAX_STATS_DEPTH);
        end = deep;
    }
    size_t repaired = 0;
    GumboOutput *g = parse_fragment(cx, h + start, end - start, prefix, &repaired, 1);
    if (g == NULL)
        return;
    if (repaired)
        warn(cx, "stats: %zu byte(s) not valid UTF-8 read as Windows-1252", repaired);
    cx->out->has_stats = 1;
    GumboNode *root = g->root;
    size_t row_no = 0;
    for (GumboNode *nd = dm_frag_next(root, root, 0); nd != NULL && !cx->oom;) {
        if (!dm_frag_is_elem(nd, GUMBO_TAG_TR)) {
            nd = dm_frag_next(root, nd, 0);
            continue;
        }
        row_no++;
        GumboNode *cells[6];
        size_t ncells = 0;
        GumboVector *ch = &nd->v.element.children;
        for (size_t i = 0; i < ch->length; i++) {
            GumboNode *c = ch->data[i];
            if (dm_frag_is_elem(c, GUMBO_TAG_TD) || dm_frag_is_elem(c, GUMBO_TAG_TH)) {
                if (ncells < 6)
                    cells[ncells] = c;
                ncells++;
            }
        }
        int bg = gumbo_get_attribute(&nd->v.element.attributes, "bgcolor") != NULL;
        if (ncells == 6)
            parse_stats_row(cx, cells, row_no);
        else if (bg)
            warn(cx, "stats row %zu skipped: %zu cells instead of 6", row_no, ncells);
        /* rows without bgcolor and not 6 cells: the title, header and <hr> rows */
        nd = dm_frag_next(root, nd, 1);
    }
    scratch_reset(cx);
}

/* ==== classification ===================================================================== */

static const char *const challenge_markers[] = {"just a moment...",
                                                "cf-browser-verification",
                                                "cf_chl_",
                                                "challenge-platform",
                                                "attention required! | cloudflare",
                                                "cf-error-details",
                                                "checking your browser",
                                                "ddos protection by",
                                                NULL};

static int is_challenge(const char *h, size_t n)
{
    for (size_t i = 0; challenge_markers[i] != NULL; i++)
        if (dm_frag_ci_find(h, n, 0, challenge_markers[i]) != SIZE_MAX)
            return 1;
    return 0;
}

/* NUL bytes or many control bytes in the first 4 KB: not a text answer. */
static int looks_binary(const char *h, size_t n)
{
    size_t m = n < 4096 ? n : 4096, ctl = 0;
    for (size_t i = 0; i < m; i++) {
        unsigned c = (unsigned char)h[i];
        if (c == 0)
            return 1;
        if (c < 0x20 && !dm_frag_is_space((int)c))
            ctl++;
    }
    return ctl * 20 > m;
}

const char *dm_divemeets_kind_name(dm_profile_kind kind)
{
    switch (kind) {
    case DM_KIND_PROFILE:
        return "profile";
    case DM_KIND_NO_PROFILE:
        return "no_profile";
    case DM_KIND_BLOCKED:
        return "blocked";
    }
    return "blocked";
}

static void classify_and_extract(parse_ctx *cx, const char *h, size_t n, const dm_divemeets_opts *o)
{
    dm_profile *p = cx->out;
    if (o->status != 0 && (o->status < 200 || o->status > 299)) {
        p->kind = DM_KIND_BLOCKED;
        warn(cx, "http status %d: the page was not served", o->status);
        if (is_challenge(h, n))
            warn(cx, "bot-protection challenge page");
        return;
    }
    size_t a = 0;
    while (a < n && dm_frag_is_space((unsigned char)h[a]))
        a++;
    if (a == n) {
        p->kind = DM_KIND_BLOCKED;
        warn(cx, "empty body");
        return;
    }
    size_t start = find_info_start(h, n);
    size_t info_end = start;
    int named = 0;
    if (start != SIZE_MAX) {
        info_end = find_info_end(h, n, start);
        start = extend_info_start(h, n, start);
        size_t deep = dm_frag_depth_end(h, start, info_end, MAX_STATS_DEPTH);
        if (deep < info_end) {
            warn(cx, "info: tags nested deeper than %d; the rest is ignored", MAX_STATS_DEPTH);
            info_end = deep;
        }
        named = parse_info(cx, h, start, info_end, o->id);
    }
    if (named) {
        p->kind = DM_KIND_PROFILE;
        p->has_info = 1;
        if (p->info.gender == NULL)
            warn(cx, "info: no gender");
        if (dm_frag_ci_rfind(h, n > 512 ? n - 512 : 0, n, n, "</html") == SIZE_MAX)
            warn(cx, "page has no </html> (truncated?)");
        if (o->want_stats)
            parse_stats(cx, h, n, info_end);
        return;
    }
    /* not a profile: reset whatever a nameless info block produced */
    memset(&p->info, 0, sizeof p->info);
    p->info.age = p->info.fina_age = p->info.hs_grad_year = DM_DIVEMEETS_ABSENT;
    p->info.divemeets_id = DM_DIVEMEETS_ABSENT;
    if (is_challenge(h, n)) {
        p->kind = DM_KIND_BLOCKED;
        warn(cx, "bot-protection challenge page");
    } else if (looks_binary(h, n)) {
        p->kind = DM_KIND_BLOCKED;
        warn(cx, "body is not text");
    } else if (h[a] == '<' &&
               dm_frag_ci_rfind(h, n > 512 ? n - 512 : 0, n, n, "</html") == SIZE_MAX &&
               dm_frag_ci_rfind(h, n > 512 ? n - 512 : 0, n, n, "</body") == SIZE_MAX) {
        /* an HTML answer cut short: it might have been a profile */
        p->kind = DM_KIND_BLOCKED;
        warn(cx, "html page without profile and without </html> (truncated?)");
    } else {
        p->kind = DM_KIND_NO_PROFILE;
        if (start != SIZE_MAX)
            warn(cx, "info labels present but the name is empty");
    }
}

int dm_divemeets_parse(const char *html, size_t len, const dm_divemeets_opts *opts, dm_profile *out)
{
    static const dm_divemeets_opts defaults = {NULL, 0, 0, 1, 0};
    const dm_divemeets_opts *o = opts ? opts : &defaults;
    memset(out, 0, sizeof *out);
    out->kind = DM_KIND_BLOCKED;
    out->info.age = out->info.fina_age = out->info.hs_grad_year = DM_DIVEMEETS_ABSENT;
    out->info.divemeets_id = DM_DIVEMEETS_ABSENT;
    out->arena = calloc(1, sizeof *out->arena);
    if (out->arena == NULL)
        return -1;
    parse_ctx cx = {0};
    cx.out = out;
    cx.site_root = o->site_root ? o->site_root : DM_DIVEMEETS_SITE_ROOT;
    cx.gumbo_only = o->gumbo_only;
    if (html == NULL)
        len = 0;
    classify_and_extract(&cx, html ? html : "", len, o);
    scratch_reset(&cx);
    if (cx.warn_dropped) {
        out->nwarnings = out->nwarnings < MAX_WARNINGS ? out->nwarnings : MAX_WARNINGS - 1;
        warn(&cx, "%zu more warning(s) not shown", cx.warn_dropped);
    }
    if (cx.oom) {
        out->kind = DM_KIND_BLOCKED;
        return -1;
    }
    return 0;
}

void dm_divemeets_free(dm_profile *p)
{
    if (p->arena != NULL) {
        dm_arena_release(p->arena);
        free(p->arena);
    }
    memset(p, 0, sizeof *p);
}
