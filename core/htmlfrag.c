/* htmlfrag.c: the generic machinery behind the profile extractor: a bump arena, byte scans
 * that ignore case, UTF-8 repair (cp1252 fallback), whitespace cleaning, gumbo parses of a
 * fragment in an arena (with the href shortcut), an iterative tree walk, a nesting guard, and
 * whole-document parses for dm.html. Owns nothing beyond the arenas its callers pass in. */
#include "htmlfrag.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== bump arena ======================================================================== */

typedef struct dm_arena_chunk {
    struct dm_arena_chunk *next;
    size_t size, used;
    max_align_t data[];
} arena_chunk;

#define ARENA_MIN_CHUNK (32u * 1024u)
#define ARENA_MAX_CHUNK (4u * 1024u * 1024u)

/* The largest released chunk (at most ARENA_MAX_CHUNK) is kept per thread for the next
 * arena: a big page then costs no fresh mmap and page faults on every parse. It stays
 * reachable for the life of the thread (bounded: one chunk). */
static _Thread_local arena_chunk *spare_chunk;

void *dm_arena_alloc(dm_arena *a, size_t n)
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
        if (spare_chunk != NULL && spare_chunk->size >= size) {
            c = spare_chunk;
            spare_chunk = NULL;
            size = c->size;
        } else {
            c = malloc(sizeof(arena_chunk) + size);
            if (c == NULL)
                return NULL;
            c->size = size;
        }
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

void dm_arena_release(dm_arena *a)
{
    arena_chunk *c = a->head;
    while (c != NULL) {
        arena_chunk *next = c->next;
        if (c->size <= ARENA_MAX_CHUNK && (spare_chunk == NULL || spare_chunk->size < c->size)) {
            free(spare_chunk);
            spare_chunk = c;
        } else {
            free(c);
        }
        c = next;
    }
    a->head = NULL;
    a->next_size = 0;
}

void dm_arena_trim(void)
{
    free(spare_chunk);
    spare_chunk = NULL;
}

char *dm_arena_strndup(dm_arena *a, const char *s, size_t n)
{
    char *p = dm_arena_alloc(a, n + 1);
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
    void *p = dm_arena_alloc(ud, n);
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

/* Case-insensitive search for the lower-case ASCII `needle` in h[from, n). Linear: the next
 * position of each case of the first letter is cached, and memchr does the skipping. */
static size_t find_byte(const char *h, size_t n, size_t from, int c)
{
    const char *p = from < n ? memchr(h + from, c, n - from) : NULL;
    return p ? (size_t)(p - h) : SIZE_MAX;
}

size_t dm_frag_ci_find(const char *h, size_t n, size_t from, const char *needle)
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
        while (k < m && dm_frag_lower((unsigned char)h[p + k]) == (unsigned char)needle[k])
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
size_t dm_frag_ci_rfind(const char *h, size_t lo, size_t hi, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t p = hi; p-- > lo;) {
        if (p + m > n)
            continue;
        size_t k = 0;
        while (k < m && dm_frag_lower((unsigned char)h[p + k]) == (unsigned char)needle[k])
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
size_t dm_frag_to_utf8(const char *s, size_t len, char *out, size_t *repaired)
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

/* Appends the cleaned form of s[0,len) to buf (buf has room for len bytes more) and returns
 * the new length. `pending` carries "a space is owed" across calls so that runs of text
 * nodes clean like one string. */
size_t dm_frag_clean_append(char *buf, size_t blen, const char *s, size_t len, int *pending)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len; i++) {
        unsigned c = u[i];
        int sp = dm_frag_is_space((int)c);
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

/* ---- href shortcut ----------------------------------------------------------------------
 * gumbo lexes one code point at a time (about 25 MB/s here), and in a Dive Statistics row the
 * two score links are half the bytes. So before the stats fragment goes to gumbo, the value of
 * each <a href=...> is moved to a side table and replaced by "dm:N"; the value is decoded later
 * with the attribute rules of HTML5 for the forms that occur in URLs (&amp; &lt; &gt; &quot;
 * &apos; and a literal & before "name="). Any other form (numeric or other named references,
 * control characters, non-ASCII bytes, < or > in a value, odd tag syntax) cancels the shortcut for
 * the whole fragment, and gumbo then sees the original bytes. Tests and the fuzzer check both paths
 * give one result. */

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
        while (k < n && dm_frag_is_alnum((unsigned char)v[k]))
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

static int push_href(dm_frag_hrefs *hr, const char *v, size_t n, const char *pos)
{
    if (hr->n == hr->cap) {
        size_t cap = hr->cap ? hr->cap * 2 : 64;
        dm_frag_href *h = dm_arena_alloc(hr->arena, cap * sizeof *h);
        if (h == NULL)
            return -1;
        if (hr->n)
            memcpy(h, hr->v, hr->n * sizeof *h);
        hr->v = h;
        hr->cap = cap;
    }
    hr->v[hr->n++] = (dm_frag_href){v, n, pos};
    return 0;
}

static int ci_eq(const char *s, size_t n, const char *lower_word)
{
    size_t m = strlen(lower_word);
    if (m != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (dm_frag_lower((unsigned char)s[i]) != (unsigned char)lower_word[i])
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
static char *shorten_hrefs(dm_frag_hrefs *hr, const char *b, size_t n, size_t *outlen)
{
    size_t cap = n * 2 + 64;
    char *out = dm_arena_alloc(hr->arena, cap);
    if (out == NULL)
        return NULL;
    size_t o = 0, i = 0;
    hr->n = 0;
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
        while (j < n && !dm_frag_is_space((unsigned char)b[j]) && b[j] != '/' && b[j] != '>') {
            if (b[j] == '<' || b[j] == '"' || b[j] == '\'' || b[j] == '=')
                return NULL;
            j++;
        }
        if (!end_tag && raw_text_tag(b + ns, j - ns))
            return NULL;
        int is_a = !end_tag && j - ns == 1 && dm_frag_lower((unsigned char)b[ns]) == 'a';
        int href_done = 0;
        EMIT(b + i, j - i);
        /* attributes */
        for (;;) {
            size_t ws = j;
            while (j < n && (dm_frag_is_space((unsigned char)b[j]) || b[j] == '/'))
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
            while (j < n && !dm_frag_is_space((unsigned char)b[j]) && b[j] != '/' && b[j] != '>' &&
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
            while (j < n && dm_frag_is_space((unsigned char)b[j]))
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
            while (j < n && dm_frag_is_space((unsigned char)b[j]))
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
                while (j < n && !dm_frag_is_space((unsigned char)b[j]) && b[j] != '>') {
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
                if (push_href(hr, b + vs, ve - vs, pos) < 0)
                    return NULL;
                o += (size_t)snprintf(out + o, 32, "dm:%zu", hr->n - 1);
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
const char *dm_frag_link_href(dm_frag_hrefs *hr, const GumboAttribute *a)
{
    const char *v = a->value;
    if (hr->n == 0 || strncmp(v, "dm:", 3) != 0)
        return v;
    char *end;
    unsigned long k = strtoul(v + 3, &end, 10);
    if (*end != '\0' || k >= hr->n || hr->v[k].pos != a->original_value.data)
        return v;
    char *out = dm_arena_alloc(hr->arena, hr->v[k].len + 1);
    if (out == NULL)
        return NULL;
    size_t len = href_decode(hr->v[k].raw, hr->v[k].len, out);
    out[len == SIZE_MAX ? 0 : len] = '\0';
    return out;
}

GumboOutput *dm_frag_parse(dm_arena *scratch, const char *s, size_t len, const char *prefix,
                           size_t *repaired, dm_frag_hrefs *hrefs)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    if (len > (SIZE_MAX - pl - 1) / 3)
        return NULL;
    char *buf = dm_arena_alloc(scratch, pl + len * 3 + 1);
    if (buf == NULL)
        return NULL;
    memcpy(buf, prefix ? prefix : "", pl);
    size_t n = pl + dm_frag_to_utf8(s, len, buf + pl, repaired);
    buf[n] = '\0';
    if (hrefs != NULL) {
        size_t sn;
        hrefs->arena = scratch;
        char *sb = shorten_hrefs(hrefs, buf, n, &sn);
        if (sb != NULL) {
            buf = sb;
            n = sn;
        } else {
            hrefs->n = 0;
        }
    }
    GumboOptions o = kGumboDefaultOptions;
    o.allocator = gumbo_arena_alloc;
    o.deallocator = gumbo_arena_free;
    o.userdata = scratch;
    o.max_errors = 0;
    return gumbo_parse_with_options(&o, buf, n);
}

/* Iterative pre-order walk: the next node after `n` within `root` (descending into elements
 * unless `skip_children`). No recursion, so 100k-deep trees are fine. */
GumboNode *dm_frag_next(GumboNode *root, GumboNode *n, int skip_children)
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

int dm_frag_is_text(const GumboNode *n)
{
    return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
           n->type == GUMBO_NODE_CDATA;
}

int dm_frag_is_elem(const GumboNode *n, GumboTag tag)
{
    return (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) &&
           n->v.element.tag == tag;
}

/* gumbo's tree construction is quadratic in nesting depth (100k nested <div>s take seconds),
 * so a stats fragment is cut where a rough depth count (opening minus closing tags, void
 * elements and comments ignored) passes this limit. A real table is about 6 deep. */

size_t dm_frag_depth_end(const char *h, size_t start, size_t end, long limit)
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
        while (j < end && j - i < 8 && dm_frag_is_alnum((unsigned char)h[j]))
            j++;
        int is_void = 0;
        for (size_t k = 0; k < sizeof voids / sizeof voids[0]; k++) {
            size_t m = strlen(voids[k]);
            if (m == j - i && dm_frag_ci_find(h + i, m, 0, voids[k]) == 0)
                is_void = 1;
        }
        if (!is_void && ++depth > limit)
            return (size_t)(lt - h);
    }
    return end;
}

GumboOutput *dm_html_parse(const char *s, size_t len, dm_arena **arena)
{
    *arena = calloc(1, sizeof **arena);
    if (*arena == NULL || len > (SIZE_MAX - 1) / 3)
        goto fail;
    char *buf = dm_arena_alloc(*arena, len * 3 + 1);
    if (buf == NULL)
        goto fail;
    size_t n = dm_frag_to_utf8(s, len, buf, NULL);
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
        dm_arena_release(arena);
        free(arena);
    }
}
