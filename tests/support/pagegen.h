/* pagegen.h: a deterministic generator of DiveMeets-like profile pages for tests.
 * dm_pagegen_render(id) gives the page bytes the test server sends for profile id;
 * dm_pagegen_truth(id) gives, as JSON, what a correct parser must extract from them.
 * Same id and options, same bytes. Pure C, no Lua; the caller owns the buffers. */
#ifndef DM_PAGEGEN_H
#define DM_PAGEGEN_H

#include <stddef.h>
#include <stdint.h>

/* A growable byte buffer (data is NUL-terminated after every append). */
typedef struct pagegen_buf {
    char *data;
    size_t len;
    size_t cap;
} pagegen_buf;

void dm_pagegen_buf_reset(pagegen_buf *b); /* len = 0, memory kept */
void dm_pagegen_buf_free(pagegen_buf *b);  /* frees and zeroes; idempotent */

typedef struct pagegen_opts {
    int year;              /* reference year for ages and grad years; 0 = current UTC year */
    const char *site_root; /* truth URL root; NULL = "https://secure.meetcontrol.com" */
    int blocked_permille;  /* generated ids answered by the bot block; <0 = default (3) */
} pagegen_opts;

enum pagegen_kind {
    PG_KIND_NO_PROFILE_A, /* 200, a page with no <td> at all (empty body) */
    PG_KIND_NO_PROFILE_B, /* 200, the profile template with every info value empty */
    PG_KIND_BLOCKED,      /* 403, a Cloudflare-style "Just a moment..." page */
    PG_KIND_DIVER,
    PG_KIND_COACH, /* coach (and judge) page: no ages; Coaching/Judging blocks */
    PG_KIND_JUDGE, /* "Judge Profile": no gender, no ages, no stats */
};

/* Variant flags, one bit each; see dm_pagegen_variant_name() for their names. */
enum pagegen_variant {
    PG_V_NO_PROFILE_A,
    PG_V_NO_PROFILE_B,
    PG_V_BLOCKED,
    PG_V_DIVER,
    PG_V_COACH,
    PG_V_JUDGE,
    PG_V_STATS,
    PG_V_NO_STATS,
    PG_V_STATS_EMPTY,
    PG_V_STATS_150,
    PG_V_LONG_HISTORY,
    PG_V_UPCOMING,
    PG_V_NO_AGE,
    PG_V_GRAD_ONLY,
    PG_V_NO_HS,
    PG_V_HS_AGE,
    PG_V_FINA19_GRAD,
    PG_V_YOUNG,
    PG_V_ADULT,
    PG_V_STATE_LABEL,
    PG_V_CITY_EMPTY,
    PG_V_CITY_COMMA,
    PG_V_NAME_APOS,
    PG_V_NAME_CURLY_APOS,
    PG_V_APOS_ENTITY,
    PG_V_NAME_ACCENT,
    PG_V_ENC_CP1252,
    PG_V_ENC_ENTITIES,
    PG_V_NAME_HYPHEN,
    PG_V_NAME_DOUBLE_SPACE,
    PG_V_NAME_SUFFIX,
    PG_V_NAME_PARTICLE,
    PG_V_NAME_MIDDLE,
    PG_V_NAME_TRAILING_WS,
    PG_V_BR_MIXED,
    PG_V_CRLF,
    PG_V_CRCRLF,
    PG_V_NBSP_CELLS,
    PG_V_NBSP_INFO,
    PG_V_LABEL_SPACE_OUTSIDE,
    PG_V_AMP_HREFS,
    PG_V_ABS_HREFS,
    PG_V_UNKNOWN_DIVE,
    PG_V_HIGH_DIVING,
    PG_V_BAD_ROW,
    PG_V_UPPER_TAGS,
    PG_V_SPACED_TAGS,
    PG_V_ROW_NEWLINES,
    PG_V_COACH_WITH_STATS,
    PG_V_NON_US,
    PG_V_COUNT
};

typedef struct pagegen_desc {
    int kind;          /* enum pagegen_kind */
    int http_status;   /* 200 or 403 */
    uint64_t variants; /* bit (1 << PG_V_x) set when the page shows variant x */
    int fina_age;      /* -1 when absent */
    int hs_grad_year;  /* -1 when absent */
    int nstats;        /* Dive Statistics rows a parser must return; -1 = no table */
} pagegen_desc;

/* Describe id's page without rendering it. */
void dm_pagegen_describe(uint32_t id, const pagegen_opts *opts, pagegen_desc *out);

/* Append id's page to out; returns the HTTP status to send (200 or 403). */
int dm_pagegen_render(uint32_t id, const pagegen_opts *opts, pagegen_buf *out);

/* Append the expected parse of id's page to out as one JSON object:
 * {"id":N,"http_status":S,"kind":"profile"|"no_profile"|"blocked","variants":[...],
 *  "info":{...},"stats":[...]}; "info"/"stats" are absent when a parser returns nil.
 * "id", "http_status" and "variants" are metadata, not parser output. Returns the status. */
int dm_pagegen_truth(uint32_t id, const pagegen_opts *opts, pagegen_buf *out);

/* The shared contract's name split, as the truth applies it to a clean name: trailing
 * suffixes (Jr, Jr., Sr, Sr., II, III, IV, V) stay with the last name; the surname is the
 * last other token, extended leftwards by particles (de, la, van, st., ...) while one token
 * is left for first_name. A one-token name gives first = name, last = "". */
void dm_pagegen_split_name(const char *name, char *first, char *last, size_t cap);

/* "stats_150" for PG_V_STATS_150, ...; NULL when out of range. */
const char *dm_pagegen_variant_name(int variant);

#endif
