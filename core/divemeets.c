/* divemeets.c: classify a DiveMeets profile response and extract the personal-info block and
 * the Dive Statistics table. A cheap byte scan locates the two fragments; gumbo parses only
 * those (with a bump allocator, so no per-node free and no recursive teardown). Owns: the
 * dm_profile result arena. See docs/divemeets.md for every rule and each deliberate
 * difference from the original Python parser. */
#include "divemeets.h"

#include <gumbo.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== bump arena ======================================================================== */

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t size, used;
    max_align_t data[];
} arena_chunk;

struct dm_arena {
    arena_chunk *head;
    size_t next_size;
};

#define ARENA_MIN_CHUNK (32u * 1024u)
#define ARENA_MAX_CHUNK (4u * 1024u * 1024u)

static void *arena_alloc(dm_arena *a, size_t n)
{
    size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    if (n == 0)
        n = align;
    arena_chunk *c = a->head;
    if (c == NULL || c->size - c->used < n) {
        size_t size = a->next_size < ARENA_MIN_CHUNK ? ARENA_MIN_CHUNK : a->next_size;
        if (size < n)
            size = n;
        c = malloc(sizeof(arena_chunk) + size);
        if (c == NULL)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
        if (a->next_size < ARENA_MAX_CHUNK)
            a->next_size = size * 2 > ARENA_MAX_CHUNK ? ARENA_MAX_CHUNK : size * 2;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

static void arena_release(dm_arena *a)
{
    arena_chunk *c = a->head;
    while (c != NULL) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->next_size = 0;
}

static char *arena_strndup(dm_arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* gumbo allocator hooks. Gumbo cannot handle an allocation failure, so running out of memory
 * here aborts, which is what gumbo's default malloc-based allocator would do as well. */
static void *gumbo_arena_alloc(void *ud, size_t n)
{
    void *p = arena_alloc(ud, n);
    if (p == NULL)
        abort();
    return p;
}

static void gumbo_arena_free(void *ud, void *p)
{
    (void)ud;
    (void)p;
}

/* ==== small byte helpers ================================================================ */

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Case-insensitive search for the lower-case ASCII `needle` in h[from, n). Linear: the next
 * position of each case of the first letter is cached, and memchr does the skipping. */
static size_t find_byte(const char *h, size_t n, size_t from, int c)
{
    const char *p = from < n ? memchr(h + from, c, n - from) : NULL;
    return p ? (size_t)(p - h) : SIZE_MAX;
}

static size_t ci_find(const char *h, size_t n, size_t from, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || from >= n || n - from < m)
        return SIZE_MAX;
    int cl = (unsigned char)needle[0];
    int cu = cl >= 'a' && cl <= 'z' ? cl - 32 : cl;
    size_t last = n - m;
    size_t nl = find_byte(h, n, from, cl);
    size_t nu = cu != cl ? find_byte(h, n, from, cu) : SIZE_MAX;
    for (;;) {
        size_t p = nl < nu ? nl : nu;
        if (p == SIZE_MAX || p > last)
            return SIZE_MAX;
        size_t k = 1;
        while (k < m && lower((unsigned char)h[p + k]) == (unsigned char)needle[k])
            k++;
        if (k == m)
            return p;
        if (nl == p)
            nl = find_byte(h, n, p + 1, cl);
        if (nu == p)
            nu = find_byte(h, n, p + 1, cu);
    }
}

/* Last case-insensitive occurrence of `needle` starting in [lo, hi). */
static size_t ci_rfind(const char *h, size_t lo, size_t hi, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t p = hi; p-- > lo;) {
        if (p + m > n)
            continue;
        size_t k = 0;
        while (k < m && lower((unsigned char)h[p + k]) == (unsigned char)needle[k])
            k++;
        if (k == m)
            return p;
    }
    return SIZE_MAX;
}

/* ==== text: UTF-8 repair (cp1252 fallback) and whitespace cleaning ====================== */

/* Windows-1252 0x80..0x9F; the five undefined bytes become U+FFFD. */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if it is not valid UTF-8
 * (overlong forms, surrogates and values above U+10FFFF are invalid). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0;
        if (c == 0xED && s[1] >= 0xA0)
            return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
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
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Writes at most 3*len bytes to out; returns the length and counts the repaired bytes. */
static size_t to_utf8_into(const char *s, size_t len, char *out, size_t *repaired)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    while (i < len) {
        /* fast path: ASCII runs */
        while (i < len && u[i] < 0x80)
            out[o++] = (char)u[i++];
        if (i >= len)
            break;
        size_t k = utf8_seq_len(u + i, len - i);
        if (k > 0) {
            memcpy(out + o, u + i, k);
            o += k;
            i += k;
        } else {
            unsigned c = u[i++];
            unsigned cp = c < 0xA0 ? cp1252_high[c - 0x80] : c;
            o += put_utf8(out + o, cp);
            if (repaired)
                (*repaired)++;
        }
    }
    return o;
}

char *dm_divemeets_to_utf8(const char *s, size_t len, size_t *outlen)
{
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    size_t n = to_utf8_into(s, len, out, NULL);
    out[n] = '\0';
    if (outlen)
        *outlen = n;
    return out;
}

/* Appends the cleaned form of s[0,len) to buf (buf has room for len bytes more) and returns
 * the new length. `pending` carries "a space is owed" across calls so that runs of text
 * nodes clean like one string. */
static size_t clean_append(char *buf, size_t blen, const char *s, size_t len, int *pending)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        unsigned c = u[i];
        int sp = is_space((int)c);
        if (!sp && c == 0xC2 && i + 1 < len && u[i + 1] == 0xA0) {
            sp = 1;
            i++;
        }
        if (sp) {
            if (blen > 0)
                *pending = 1;
            continue;
        }
        if (*pending) {
            buf[blen++] = ' ';
            *pending = 0;
        }
        buf[blen++] = (char)c;
    }
    return blen;
}

char *dm_divemeets_clean_text(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    int pending = 0;
    size_t n = clean_append(out, 0, s, len, &pending);
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
        while (k < n && lower((unsigned char)w[k]) == (unsigned char)list[i][k])
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
    while (hl > 0 && is_space((unsigned char)*href)) {
        href++;
        hl--;
    }
    while (hl > 0 && is_space((unsigned char)href[hl - 1]))
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
    const char *raw; /* the original value, entities not decoded */
    size_t len;
    const char *pos; /* where the replacement starts in the buffer gumbo parses */
} href_ref;

typedef struct {
    dm_profile *out;
    const char *site_root;
    int oom;
    dm_arena scratch; /* gumbo's memory for one fragment */
    size_t warn_dropped;
    int gumbo_only;  /* testing: no href shortcut */
    href_ref *hrefs; /* href values taken out of the stats fragment (scratch) */
    size_t nhrefs, hrefs_cap;
} parse_ctx;

static void warn(parse_ctx *cx, const char *fmt, ...)
{
    dm_profile *p = cx->out;
    if (p->nwarnings >= MAX_WARNINGS) {
        cx->warn_dropped++;
        return;
    }
    if (p->nwarnings == p->warnings_cap) {
        size_t cap = p->warnings_cap ? p->warnings_cap * 2 : 8;
        const char **w = arena_alloc(p->arena, cap * sizeof *w);
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
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    char *s = arena_strndup(p->arena, buf, len);
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
    const char *r = arena_strndup(cx->out->arena, s, strlen(s));
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
    buf[n] = '\0';
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
    cx->hrefs = NULL;
    cx->nhrefs = cx->hrefs_cap = 0;
    arena_release(&cx->scratch);
}

/* ---- href shortcut ----------------------------------------------------------------------
 * gumbo lexes one code point at a time (about 25 MB/s here), and in a Dive Statistics row the
 * two score links are half the bytes. So before the stats fragment goes to gumbo, the value of
 * each <a href=...> is moved to a side table and replaced by "dm:N"; the value is decoded later
 * with the attribute rules of HTML5 for the forms that occur in URLs (&amp; &lt; &gt; &quot;
 * &apos; and a literal & before "name="). Any other form (numeric or other named references,
 * control characters, non-ASCII bytes, < or > in a value, odd tag syntax) cancels the shortcut for
 * the whole fragment, and gumbo then sees the original bytes. Tests and the fuzzer check both paths
 * give one result. */

static int is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static const struct {
    const char *name;
    char c;
} attr_entities[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};

/* Decodes v[0,n) into out (at most n bytes); returns the length, or SIZE_MAX for a form
 * that only a full HTML5 parser decodes right. */
static size_t href_decode(const char *v, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        /* gumbo rewrites CR, NUL, most control characters and some non-ASCII code points
         * (C1 controls, noncharacters); leave all of those to it */
        if (c == '<' || c == '>' || c >= 0x7F || (c < 0x20 && c != '\t' && c != '\n' && c != '\f'))
            return SIZE_MAX;
        if (c != '&') {
            if (out)
                out[o] = (char)c;
            o++;
            continue;
        }
        size_t j = i + 1;
        if (j < n && v[j] == '#')
            return SIZE_MAX;
        size_t k = j;
        while (k < n && is_alnum((unsigned char)v[k]))
            k++;
        if (k == j || (k < n && v[k] == '=')) { /* a bare '&' or "&name=": literal */
            if (out)
                out[o] = '&';
            o++;
            continue;
        }
        if (k >= n || v[k] != ';')
            return SIZE_MAX;
        size_t e = 0, ne = sizeof attr_entities / sizeof attr_entities[0];
        while (e < ne && !(strlen(attr_entities[e].name) == k - j &&
                           memcmp(attr_entities[e].name, v + j, k - j) == 0))
            e++;
        if (e == ne)
            return SIZE_MAX;
        if (out)
            out[o] = attr_entities[e].c;
        o++;
        i = k;
    }
    return o;
}

static int push_href(parse_ctx *cx, const char *v, size_t n, const char *pos)
{
    if (cx->nhrefs == cx->hrefs_cap) {
        size_t cap = cx->hrefs_cap ? cx->hrefs_cap * 2 : 64;
        href_ref *h = arena_alloc(&cx->scratch, cap * sizeof *h);
        if (h == NULL)
            return -1;
        if (cx->nhrefs)
            memcpy(h, cx->hrefs, cx->nhrefs * sizeof *h);
        cx->hrefs = h;
        cx->hrefs_cap = cap;
    }
    cx->hrefs[cx->nhrefs++] = (href_ref){v, n, pos};
    return 0;
}

static int ci_eq(const char *s, size_t n, const char *lower_word)
{
    size_t m = strlen(lower_word);
    if (m != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)lower_word[i])
            return 0;
    return 1;
}

/* Elements whose content the tokenizer does not read as tags. */
static int raw_text_tag(const char *s, size_t n)
{
    static const char *const raw[] = {"script", "style",   "textarea", "title",    "xmp",
                                      "iframe", "noembed", "noframes", "noscript", "plaintext"};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++)
        if (ci_eq(s, n, raw[i]))
            return 1;
    return 0;
}

/* Copies b[0,n) to a new scratch buffer with the first href value of every <a> replaced by
 * dm:N. It tokenizes every tag the way HTML5 does for well-formed markup (attribute quoting
 * included, so text inside another attribute is never taken for a tag) and gives up (NULL)
 * on anything where a simplified tokenizer could disagree with gumbo: comments, doctypes,
 * raw-text elements, a tag cut by the end, odd attribute syntax. */
static char *shorten_hrefs(parse_ctx *cx, const char *b, size_t n, size_t *outlen)
{
    size_t cap = n * 2 + 64;
    char *out = arena_alloc(&cx->scratch, cap);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    cx->nhrefs = 0;
#define EMIT(src, len)                                                                             \
    do {                                                                                           \
        if (o + (len) + 40 > cap)                                                                  \
            return NULL;                                                                           \
        memcpy(out + o, (src), (len));                                                             \
        o += (len);                                                                                \
    } while (0)
    while (i < n) {
        const char *lt = memchr(b + i, '<', n - i);
        size_t p = lt ? (size_t)(lt - b) : n;
        EMIT(b + i, p - i);
        i = p;
        if (i >= n)
            break;
        size_t j = i + 1;
        if (j >= n)
            return NULL;
        if (b[j] == '!' || b[j] == '?')
            return NULL; /* comment, doctype, CDATA, bogus comment */
        int end_tag = b[j] == '/';
        if (end_tag)
            j++;
        if (j >= n)
            return NULL;
        if (!((b[j] >= 'a' && b[j] <= 'z') || (b[j] >= 'A' && b[j] <= 'Z'))) {
            if (end_tag)
                return NULL; /* "</>" and "</ x" are odd cases */
            EMIT(b + i, 1);  /* a literal '<' */
            i++;
            continue;
        }
        size_t ns = j;
        while (j < n && !is_space((unsigned char)b[j]) && b[j] != '/' && b[j] != '>') {
            if (b[j] == '<' || b[j] == '"' || b[j] == '\'' || b[j] == '=')
                return NULL;
            j++;
        }
        if (!end_tag && raw_text_tag(b + ns, j - ns))
            return NULL;
        int is_a = !end_tag && j - ns == 1 && lower((unsigned char)b[ns]) == 'a';
        int href_done = 0;
        EMIT(b + i, j - i);
        /* attributes */
        for (;;) {
            size_t ws = j;
            while (j < n && (is_space((unsigned char)b[j]) || b[j] == '/'))
                j++;
            EMIT(b + ws, j - ws);
            if (j >= n)
                return NULL;
            if (b[j] == '>') {
                EMIT(b + j, 1);
                j++;
                break;
            }
            size_t an = j;
            while (j < n && !is_space((unsigned char)b[j]) && b[j] != '/' && b[j] != '>' &&
                   b[j] != '=') {
                if (b[j] == '"' || b[j] == '\'' || b[j] == '<')
                    return NULL;
                j++;
            }
            if (j == an)
                return NULL; /* a name starting with '=' */
            int href = is_a && !href_done && ci_eq(b + an, j - an, "href");
            EMIT(b + an, j - an);
            size_t aw = j;
            while (j < n && is_space((unsigned char)b[j]))
                j++;
            if (j >= n)
                return NULL;
            if (b[j] != '=') { /* no value; the spaces go out as they came */
                EMIT(b + aw, j - aw);
                if (href)
                    href_done = 1;
                continue;
            }
            j++;
            while (j < n && is_space((unsigned char)b[j]))
                j++;
            if (j >= n || b[j] == '>')
                return NULL;
            EMIT(b + aw, 0);
            out[o++] = '=';
            size_t vs, ve, next;
            char q = 0;
            if (b[j] == '"' || b[j] == '\'') {
                q = b[j];
                const char *qe = memchr(b + j + 1, q, n - j - 1);
                if (qe == NULL)
                    return NULL;
                vs = j + 1;
                ve = (size_t)(qe - b);
                next = ve + 1;
            } else {
                vs = j;
                while (j < n && !is_space((unsigned char)b[j]) && b[j] != '>') {
                    if (b[j] == '"' || b[j] == '\'' || b[j] == '<' || b[j] == '=' || b[j] == '`')
                        return NULL;
                    j++;
                }
                ve = next = j;
            }
            const char *pos = out + o;
            if (q)
                out[o++] = q;
            if (href) {
                href_done = 1;
                if (href_decode(b + vs, ve - vs, NULL) == SIZE_MAX)
                    return NULL;
                if (push_href(cx, b + vs, ve - vs, pos) < 0)
                    return NULL;
                o += (size_t)snprintf(out + o, 32, "dm:%zu", cx->nhrefs - 1);
            } else {
                EMIT(b + vs, ve - vs);
            }
            if (q)
                out[o++] = q;
            j = next;
        }
        i = j;
    }
#undef EMIT
    out[o] = '\0';
    *outlen = o;
    return out;
}

/* The href of a link, decoded: the original value, or the shortcut's side-table entry when
 * the attribute is one the shortcut wrote (checked by its position in the buffer). */
static const char *link_href(parse_ctx *cx, const GumboAttribute *a)
{
    const char *v = a->value;
    if (cx->nhrefs == 0 || strncmp(v, "dm:", 3) != 0)
        return v;
    char *end;
    unsigned long k = strtoul(v + 3, &end, 10);
    if (*end != '\0' || k >= cx->nhrefs || cx->hrefs[k].pos != a->original_value.data)
        return v;
    char *out = arena_alloc(&cx->scratch, cx->hrefs[k].len + 1);
    if (out == NULL) {
        cx->oom = 1;
        return "";
    }
    size_t len = href_decode(cx->hrefs[k].raw, cx->hrefs[k].len, out);
    out[len == SIZE_MAX ? 0 : len] = '\0';
    return out;
}

static GumboOutput *parse_fragment(parse_ctx *cx, const char *s, size_t len, const char *prefix,
                                   size_t *repaired, int shortcut)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    char *buf = arena_alloc(&cx->scratch, pl + len * 3 + 1);
    if (buf == NULL) {
        cx->oom = 1;
        return NULL;
    }
    memcpy(buf, prefix ? prefix : "", pl);
    size_t n = pl + to_utf8_into(s, len, buf + pl, repaired);
    buf[n] = '\0';
    cx->nhrefs = 0;
    if (shortcut && !cx->gumbo_only) {
        size_t sn;
        char *sb = shorten_hrefs(cx, buf, n, &sn);
        if (sb != NULL) {
            buf = sb;
            n = sn;
        } else {
            cx->nhrefs = 0;
        }
    }
    GumboOptions o = kGumboDefaultOptions;
    o.allocator = gumbo_arena_alloc;
    o.deallocator = gumbo_arena_free;
    o.userdata = &cx->scratch;
    o.max_errors = 0;
    return gumbo_parse_with_options(&o, buf, n);
}

/* Iterative pre-order walk: the next node after `n` within `root` (descending into elements
 * unless `skip_children`). No recursion, so 100k-deep trees are fine. */
static GumboNode *next_node(GumboNode *root, GumboNode *n, int skip_children)
{
    if (!skip_children && (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE ||
                           n->type == GUMBO_NODE_DOCUMENT)) {
        GumboVector *ch =
            n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children : &n->v.element.children;
        if (ch->length > 0)
            return ch->data[0];
    }
    while (n != root && n != NULL) {
        GumboNode *parent = n->parent;
        if (parent == NULL)
            return NULL;
        GumboVector *ch = parent->type == GUMBO_NODE_DOCUMENT ? &parent->v.document.children
                                                              : &parent->v.element.children;
        size_t idx = n->index_within_parent + 1;
        if (idx < ch->length)
            return ch->data[idx];
        n = parent;
    }
    return NULL;
}

static int is_text(const GumboNode *n)
{
    return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
           n->type == GUMBO_NODE_CDATA;
}

static int is_elem(const GumboNode *n, GumboTag tag)
{
    return (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) &&
           n->v.element.tag == tag;
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
        char *ns = arena_alloc(&cx->scratch, cap);
        if (ns == NULL) {
            cx->oom = 1;
            return -1;
        }
        if (b->len)
            memcpy(ns, b->s, b->len);
        b->s = ns;
        b->cap = cap;
    }
    b->len = clean_append(b->s, b->len, s, n, &b->pending);
    b->s[b->len] = '\0';
    return 0;
}

/* Cleaned text of all descendants of `el`, in the scratch arena ("" when none). */
static const char *node_text(parse_ctx *cx, GumboNode *el)
{
    tbuf b = {0};
    for (GumboNode *n = next_node(el, el, 0); n != NULL; n = next_node(el, n, 0)) {
        if (is_text(n))
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
        while (k < n && lower((unsigned char)label[k]) == (unsigned char)l[k])
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
        size_t p = ci_find(h, n, from, "name");
        if (p == SIZE_MAX)
            return SIZE_MAX;
        from = p + 4;
        size_t j = p + 4;
        while (j < n && (h[j] == ' ' || h[j] == '\t'))
            j++;
        if (j >= n || h[j] != ':')
            continue;
        size_t k = p;
        while (k > 0 && is_space((unsigned char)h[k - 1]))
            k--;
        if (k == 0 || h[k - 1] != '>')
            continue;
        size_t lt = ci_rfind(h, k > 64 ? k - 64 : 0, k, n, "<");
        if (lt == SIZE_MAX)
            continue;
        const char *t = h + lt + 1;
        size_t tl = k - 1 - (lt + 1);
        int strong =
            tl >= 6 && ci_find(t, tl, 0, "strong") == 0 && (tl == 6 || t[6] == ' ' || t[6] == '\t');
        int bold = tl >= 1 && lower((unsigned char)t[0]) == 'b' && (tl == 1 || t[1] == ' ');
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
    if (j >= n || !(h[j] == '>' || h[j] == '/' || is_space((unsigned char)h[j])))
        return 0;
    char name[8];
    size_t len = j - i;
    if (len == 0 || len >= sizeof name)
        return 0;
    for (size_t k = 0; k < len; k++)
        name[k] = (char)lower((unsigned char)h[i + k]);
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
    size_t t = ci_find(h, cap, start, "<table");
    if (t < end)
        end = t;
    static const char *const headers[] = {"diving:", "coaching:", "judging:"};
    for (size_t i = 0; i < 3; i++) {
        size_t p = ci_find(h, end, start, headers[i]);
        if (p != SIZE_MAX) {
            size_t lt = ci_rfind(h, p > 64 ? p - 64 : start, p, n, "<strong");
            if (lt == SIZE_MAX)
                lt = ci_rfind(h, p > 64 ? p - 64 : start, p, n, "<b");
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
    for (GumboNode *n = next_node(root, root, 0);; n = n ? next_node(root, n, 0) : NULL) {
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
        if (is_text(n)) {
            if (n->parent != NULL &&
                (is_elem(n->parent, GUMBO_TAG_SCRIPT) || is_elem(n->parent, GUMBO_TAG_STYLE)))
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
        in->name = arena_strndup(ra, name, strlen(name));
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
        in->city_state = arena_strndup(ra, cs, strlen(cs));
    if (values[F_COUNTRY] && *values[F_COUNTRY])
        in->country = arena_strndup(ra, values[F_COUNTRY], strlen(values[F_COUNTRY]));
    const char *gd = values[F_GENDER];
    if (gd && *gd) {
        in->gender = arena_strndup(ra, gd, strlen(gd));
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
    for (GumboNode *n = next_node(cell, cell, 0); n != NULL; n = next_node(cell, n, 0)) {
        if (is_elem(n, GUMBO_TAG_A)) {
            GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, "href");
            if (a != NULL) {
                *href = link_href(cx, a);
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
        dm_dive_stat *s = arena_alloc(p->arena, cap * sizeof *s);
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
    char *o = arena_alloc(cx->out->arena, n + 1);
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
    s->description = arena_strndup(ra, tx[2], strlen(tx[2]));
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
 * so a stats fragment is cut where a rough depth count (opening minus closing tags, void
 * elements and comments ignored) passes this limit. A real table is about 6 deep. */
#define MAX_STATS_DEPTH 256

static size_t depth_limit_end(const char *h, size_t start, size_t end)
{
    static const char *const voids[] = {"br",  "hr",   "img",  "input", "meta",   "link",  "wbr",
                                        "col", "area", "base", "param", "source", "embed", "track"};
    long depth = 0;
    size_t i = start;
    while (i < end) {
        const char *lt = memchr(h + i, '<', end - i);
        if (lt == NULL)
            break;
        i = (size_t)(lt - h) + 1;
        if (i >= end)
            break;
        if (h[i] == '/') {
            if (depth > 0)
                depth--;
            continue;
        }
        if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z')))
            continue;
        size_t j = i;
        while (j < end && j - i < 8 && is_alnum((unsigned char)h[j]))
            j++;
        int is_void = 0;
        for (size_t k = 0; k < sizeof voids / sizeof voids[0]; k++) {
            size_t m = strlen(voids[k]);
            if (m == j - i && ci_find(h + i, m, 0, voids[k]) == 0)
                is_void = 1;
        }
        if (!is_void && ++depth > MAX_STATS_DEPTH)
            return (size_t)(lt - h);
    }
    return end;
}

#define MAX_STATS_FRAGMENT (4u * 1024u * 1024u)

static void parse_stats(parse_ctx *cx, const char *h, size_t n, size_t from)
{
    size_t title = ci_find(h, n, from, "dive statistics");
    if (title == SIZE_MAX)
        return;
    size_t back = title > 4096 ? title - 4096 : from;
    size_t start = ci_rfind(h, back, title, n, "<table");
    const char *prefix = NULL;
    if (start == SIZE_MAX) {
        start = title;
        prefix = "<table>";
        warn(cx, "stats: no <table> tag before the Dive Statistics title");
    }
    size_t close = ci_find(h, n, title, "</table");
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
    size_t deep = depth_limit_end(h, start, end);
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
    for (GumboNode *nd = next_node(root, root, 0); nd != NULL && !cx->oom;) {
        if (!is_elem(nd, GUMBO_TAG_TR)) {
            nd = next_node(root, nd, 0);
            continue;
        }
        row_no++;
        GumboNode *cells[6];
        size_t ncells = 0;
        GumboVector *ch = &nd->v.element.children;
        for (size_t i = 0; i < ch->length; i++) {
            GumboNode *c = ch->data[i];
            if (is_elem(c, GUMBO_TAG_TD) || is_elem(c, GUMBO_TAG_TH)) {
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
        nd = next_node(root, nd, 1);
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
        if (ci_find(h, n, 0, challenge_markers[i]) != SIZE_MAX)
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
        if (c < 0x20 && !is_space((int)c))
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
    while (a < n && is_space((unsigned char)h[a]))
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
        size_t deep = depth_limit_end(h, start, info_end);
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
        if (ci_rfind(h, n > 512 ? n - 512 : 0, n, n, "</html") == SIZE_MAX)
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
    } else if (h[a] == '<' && ci_rfind(h, n > 512 ? n - 512 : 0, n, n, "</html") == SIZE_MAX &&
               ci_rfind(h, n > 512 ? n - 512 : 0, n, n, "</body") == SIZE_MAX) {
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

GumboOutput *dm_html_parse(const char *s, size_t len, dm_arena **arena)
{
    *arena = calloc(1, sizeof **arena);
    if (*arena == NULL || len > (SIZE_MAX - 1) / 3)
        goto fail;
    char *buf = arena_alloc(*arena, len * 3 + 1);
    if (buf == NULL)
        goto fail;
    size_t n = to_utf8_into(s, len, buf, NULL);
    buf[n] = '\0';
    GumboOptions o = kGumboDefaultOptions;
    o.allocator = gumbo_arena_alloc;
    o.deallocator = gumbo_arena_free;
    o.userdata = *arena;
    o.max_errors = 0;
    return gumbo_parse_with_options(&o, buf, n);
fail:
    dm_html_free(*arena);
    *arena = NULL;
    return NULL;
}

void dm_html_free(dm_arena *arena)
{
    if (arena != NULL) {
        arena_release(arena);
        free(arena);
    }
}

void dm_divemeets_free(dm_profile *p)
{
    if (p->arena != NULL) {
        arena_release(p->arena);
        free(p->arena);
    }
    memset(p, 0, sizeof *p);
}
