/* htmlfrag.h: generic helpers for reading parts of HTML pages fast (pure C, no lua.h): a bump
 * arena, case-insensitive byte scans, UTF-8 repair, whitespace cleaning, gumbo parses of a
 * fragment inside an arena (optionally with the href shortcut), an iterative tree walk and a
 * nesting guard. Used by divemeets.c (profiles) and lhtml.c (dm.html). */
#ifndef DM_HTMLFRAG_H
#define DM_HTMLFRAG_H

#include <gumbo.h>
#include <stddef.h>

/* ---- bump arena: many small allocations, one release ---- */
struct dm_arena_chunk;
typedef struct dm_arena {
    struct dm_arena_chunk *head;
    size_t next_size;
} dm_arena; /* zero-initialised = empty */

void *dm_arena_alloc(dm_arena *a, size_t n); /* NULL when out of memory */
char *dm_arena_strndup(dm_arena *a, const char *s, size_t n);
void dm_arena_release(dm_arena *a); /* frees every chunk; the arena stays usable */
/* Each thread keeps its largest released chunk (at most 4 MB) for the next arena; this frees
 * it (e.g. at shutdown, so that valgrind reports nothing "still reachable"). */
void dm_arena_trim(void);

/* ---- bytes ---- */
static inline int dm_frag_lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static inline int dm_frag_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static inline int dm_frag_is_alnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* First occurrence of the lower-case ASCII needle in h[from, n), ignoring case; SIZE_MAX if
 * none. Linear (memchr on both cases of the first letter). */
size_t dm_frag_ci_find(const char *h, size_t n, size_t from, const char *needle);
/* Last occurrence starting in [lo, hi) (and ending before n); SIZE_MAX if none. */
size_t dm_frag_ci_rfind(const char *h, size_t lo, size_t hi, size_t n, const char *needle);

/* Valid UTF-8 kept, every other byte read as Windows-1252. out needs 3*len bytes; returns the
 * output length and adds the number of repaired bytes to *repaired (may be NULL). */
size_t dm_frag_to_utf8(const char *s, size_t len, char *out, size_t *repaired);

/* Appends s cleaned (whitespace runs incl. U+00A0 -> one space, no leading/trailing space) to
 * buf[0, blen), which has room for len more bytes; *pending carries an owed space between
 * calls. Returns the new length (no NUL written). */
size_t dm_frag_clean_append(char *buf, size_t blen, const char *s, size_t len, int *pending);

/* ---- gumbo on a fragment ---- */

/* The href shortcut's side table (see htmlfrag.c): zero-initialise, pass to dm_frag_parse. */
typedef struct {
    const char *raw; /* the original value, entities not decoded */
    size_t len;
    const char *pos; /* where the replacement starts in the buffer gumbo parses */
} dm_frag_href;

typedef struct {
    dm_frag_href *v;
    size_t n, cap;
    dm_arena *arena;
} dm_frag_hrefs;

/* Parse prefix + s[0,len) (repaired to UTF-8) with gumbo, all memory from `scratch` (release
 * the arena to free it). With `hrefs`, the values of <a href> are moved out first when that
 * is provably equivalent (dm_frag_link_href reads them back). NULL when out of memory. */
GumboOutput *dm_frag_parse(dm_arena *scratch, const char *s, size_t len, const char *prefix,
                           size_t *repaired, dm_frag_hrefs *hrefs);

/* The decoded value of an href attribute of a tree parsed with `hrefs`; NULL when out of
 * memory. */
const char *dm_frag_link_href(dm_frag_hrefs *hrefs, const GumboAttribute *a);

/* Pre-order successor of n inside root (children skipped if skip_children); no recursion. */
GumboNode *dm_frag_next(GumboNode *root, GumboNode *n, int skip_children);
int dm_frag_is_text(const GumboNode *n);
int dm_frag_is_elem(const GumboNode *n, GumboTag tag);

/* Where a rough nesting count (open minus close tags, void elements ignored) in h[start,end)
 * first passes `limit`, or end. gumbo is quadratic in depth; callers cut fragments there. */
size_t dm_frag_depth_end(const char *h, size_t start, size_t end, long limit);

/* A whole-document parse for dm.html, in its own arena (freed at once: deep trees are fine).
 * The input is copied and repaired to UTF-8. NULL when out of memory; free with dm_html_free. */
GumboOutput *dm_html_parse(const char *s, size_t len, dm_arena **arena);
void dm_html_free(dm_arena *arena);

#endif
