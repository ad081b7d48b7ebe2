/* divemeets.h: classify a DiveMeets profile response and extract its info block and Dive
 * Statistics table (pure C, no lua.h). A byte scan finds the two fragments; gumbo parses only
 * those. The result owns all its strings (one arena); release it with dm_divemeets_free. */
#ifndef DM_DIVEMEETS_H
#define DM_DIVEMEETS_H

#include <stddef.h>

#define DM_DIVEMEETS_SITE_ROOT "https://secure.meetcontrol.com"

typedef enum {
    DM_KIND_PROFILE = 0, /* a diver/coach/judge profile with a non-empty name */
    DM_KIND_NO_PROFILE,  /* a complete 2xx text answer without a profile */
    DM_KIND_BLOCKED      /* bot protection, refusal (non-2xx), empty or non-text body */
} dm_profile_kind;

/* Integer fields use DM_DIVEMEETS_ABSENT when the page does not carry them. */
#define DM_DIVEMEETS_ABSENT (-1L)

typedef struct {
    const char *name; /* cleaned display name; never NULL in a profile */
    const char *first_name;
    const char *last_name;
    const char *city_state; /* NULL when absent or empty */
    const char *country;
    const char *gender;
    long age, fina_age, hs_grad_year, divemeets_id;
} dm_profile_info;

typedef struct {
    const char *number;      /* "101B" (spaces removed, upper case) */
    double height;           /* metres */
    const char *description; /* may be "" */
    double high_score;
    const char *high_score_url; /* absolute; NULL when the cell has no link */
    double avg_score;
    const char *avg_score_url;
    long times;
} dm_dive_stat;

typedef struct dm_arena dm_arena; /* htmlfrag.h */

typedef struct {
    dm_profile_kind kind;
    int has_info; /* info is meaningful (kind == PROFILE) */
    dm_profile_info info;
    int has_stats; /* a Dive Statistics table was found (stats may still hold 0 rows) */
    dm_dive_stat *stats;
    size_t nstats;
    const char **warnings;
    size_t nwarnings;
    /* private */
    dm_arena *arena;
    size_t stats_cap, warnings_cap;
} dm_profile;

typedef struct {
    const char *site_root; /* NULL: DM_DIVEMEETS_SITE_ROOT */
    int status;            /* HTTP status, 0 when unknown */
    long id;               /* requested DiveMeets number, 0 when unknown */
    int want_stats;        /* 0: do not look for the Dive Statistics table */
    int gumbo_only;        /* testing: let gumbo see every byte (no href shortcut) */
} dm_divemeets_opts;

/* Parse `len` bytes of `html` (any bytes; need not be NUL-terminated). Always fills `out` with a
 * kind and warnings. Returns 0, or -1 when memory ran out (out then holds kind BLOCKED and what
 * was extracted so far). `opts` may be NULL (defaults: want_stats = 1). */
int dm_divemeets_parse(const char *html, size_t len, const dm_divemeets_opts *opts,
                       dm_profile *out);

/* Release everything a parse allocated; idempotent. */
void dm_divemeets_free(dm_profile *p);

const char *dm_divemeets_kind_name(dm_profile_kind kind);

/* Building blocks, exported for tests and for dm.html. Each returns a string allocated with
 * malloc (caller frees), or NULL when out of memory. */

/* Bytes -> UTF-8: valid UTF-8 sequences are kept, every other byte is read as Windows-1252. */
char *dm_divemeets_to_utf8(const char *s, size_t len, size_t *outlen);

/* Collapse runs of whitespace (space, tab, CR, LF, FF, VT, U+00A0) to one space and trim. */
char *dm_divemeets_clean_text(const char *s, size_t len);

/* Split a cleaned name into first and last name by the contract's rule (see divemeets.c).
 * Returns 0, 1 when the name has a single token (last = ""), or -1 when out of memory. */
int dm_divemeets_split_name(const char *name, char **first, char **last);

/* Resolve an href against <site_root>/divemeets/system/ (once; absolute hrefs kept). */
char *dm_divemeets_resolve_url(const char *site_root, const char *href);

#endif
