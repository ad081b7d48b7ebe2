/* rating: the Adrenaline skill rating of one diver from their Dive Statistics rows (the app's
 * semantics, made independent of row order). Pure C, no Lua; reads a dm_divetable.
 * Owns nothing: the caller owns the rows, the table and the result. See docs/rating.md. */
#ifndef DM_RATING_H
#define DM_RATING_H

#include <stddef.h>

#include "divetable.h"

/* One Dive Statistics row. number need not be NUL-terminated. */
typedef struct dm_rating_dive {
    const char *number; /* "105B" */
    size_t number_len;
    double height_m;  /* 1, 3, 5, 7.5, 10 */
    double avg_score; /* the row's average award */
    long times;       /* how many times the dive was performed */
} dm_rating_dive;

/* The tunable policy (rules/rating.lua). dm_rating_policy_default gives the app's values. */
typedef struct dm_rating_policy {
    double times_weight_base;     /* weight of a dive = base - 1/times; app: 1.01 */
    double event_1m_max_height_m; /* height <= this -> 1 m event; app: 1 */
    double event_3m_max_height_m; /* height <= this -> 3 m event, above -> platform; app: 3 */
    int count_armstand_best;      /* 1: the best armstand (6xx) dive counts like groups 1-5;
                                     app: 0 (only its second-best can be the sixth dive) */
} dm_rating_policy;

void dm_rating_policy_default(dm_rating_policy *p);

/* NULL if the policy is usable, else a message naming the bad field. */
const char *dm_rating_policy_check(const dm_rating_policy *p);

enum { DM_RATING_1M = 0, DM_RATING_3M, DM_RATING_PLATFORM, DM_RATING_NEVENTS };
enum { DM_RATING_MAX_PICKS = 7 }; /* six group bests + the sixth dive */

/* What happened to each input row. */
typedef enum dm_rating_row {
    DM_ROW_OK = 0,
    DM_ROW_UNKNOWN_CODE,   /* not in the dive table: DD 0, still a candidate (as the app) */
    DM_ROW_UNKNOWN_HEIGHT, /* code known, no DD at this height: DD 0, still a candidate */
    DM_ROW_NO_GROUP,       /* number does not start with 1-6: ignored (as the app) */
    DM_ROW_BAD_TIMES,      /* times < 1: ignored (the app divided by zero) */
    DM_ROW_BAD_SCORE,      /* avg_score negative or not finite: ignored */
    DM_ROW_BAD_HEIGHT,     /* height not finite: ignored */
} dm_rating_row;

typedef struct dm_rating_pick {
    size_t row;    /* index of the chosen row in the input */
    int group;     /* 1-6: first digit of the dive number */
    int sixth;     /* 1 for the sixth dive (best of the groups' second-best dives) */
    double dd;     /* 0 when unknown */
    double skill;  /* avg_score * dd: what the choice ranks by */
    double weight; /* times_weight_base - 1/times */
    double value;  /* skill * weight: what the dive adds to the event */
} dm_rating_pick;

typedef struct dm_rating_event {
    double value; /* sum of the picks' values, in pick order */
    int npicks;
    dm_rating_pick picks[DM_RATING_MAX_PICKS]; /* group bests by group, then the sixth */
} dm_rating_event;

typedef struct dm_rating_result {
    double springboard; /* 1 m + 3 m */
    double platform;
    double total;     /* springboard + platform */
    int empty;        /* 1: no usable row at all; ratings are 0 and the caller should skip */
    size_t rows_used; /* rows that were candidates */
    size_t unknown_code, unknown_height, ignored;
    dm_rating_event events[DM_RATING_NEVENTS];
} dm_rating_result;

/* Rate one diver. row_status (may be NULL) receives one dm_rating_row per input row.
 * Returns 0, or -1 if the policy is unusable or n is too large (result zeroed, empty = 1). */
int dm_rating_compute(const dm_divetable *table, const dm_rating_policy *policy,
                      const dm_rating_dive *dives, size_t n, dm_rating_result *out,
                      unsigned char *row_status);

/* The total order used for every choice: negative if a ranks before (is better than) b.
 * skill desc, times desc, number asc (bytes), height asc, avg_score desc. */
int dm_rating_order(const dm_rating_dive *a, double skill_a, const dm_rating_dive *b,
                    double skill_b);

/* Event of a height under the policy: DM_RATING_1M, DM_RATING_3M or DM_RATING_PLATFORM. */
int dm_rating_event_of(const dm_rating_policy *p, double height_m);

/* Length of the dive number without its position letter ("105B" -> 3); the app compared
 * number[:-1]. A number not ending in a letter is taken whole. */
size_t dm_rating_base_len(const char *number, size_t len);

#endif
