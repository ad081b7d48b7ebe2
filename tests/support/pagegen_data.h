/* pagegen_data.h: the word lists behind the page generator (names, places, teams, dives).
 * Internal to tests/support: pagegen.c draws from these; the unit test checks the dive
 * list against the app's dive table. All strings are UTF-8. */
#ifndef DM_PAGEGEN_DATA_H
#define DM_PAGEGEN_DATA_H

#include <stddef.h>

/* Heights as bits: 1 m, 3 m, 5 m, 7.5 m, 10 m. */
enum { PG_H1 = 1, PG_H3 = 2, PG_H5 = 4, PG_H75 = 8, PG_H10 = 16, PG_HALL = 31 };

typedef struct pagegen_dive {
    const char *code;        /* "101B" */
    const char *description; /* as DiveMeets prints it */
    unsigned heights;        /* PG_H* bits at which the app's table has a DD */
} pagegen_dive;

typedef struct pagegen_place {
    const char *city; /* may be empty */
    const char *st;   /* state / province code */
    const char *country;
} pagegen_place;

extern const pagegen_dive dm_pagegen_dives[];
extern const size_t dm_pagegen_ndives;
/* Plausible codes the app's table does not know (DD 0 in the rating). */
extern const pagegen_dive dm_pagegen_unknown_dives[];
extern const size_t dm_pagegen_nunknown_dives;

extern const char *const dm_pagegen_first_f[];
extern const size_t dm_pagegen_nfirst_f;
extern const char *const dm_pagegen_first_m[];
extern const size_t dm_pagegen_nfirst_m;
extern const char *const dm_pagegen_last[];
extern const size_t dm_pagegen_nlast;
/* Surnames with an apostrophe (ASCII '), rendered straight, curly or as an entity. */
extern const char *const dm_pagegen_last_apos[];
extern const size_t dm_pagegen_nlast_apos;
/* Surnames made of particles + name ("de la Cruz"); the split rule keeps them whole. */
extern const char *const dm_pagegen_last_particle[];
extern const size_t dm_pagegen_nlast_particle;
extern const char *const dm_pagegen_suffixes[];
extern const size_t dm_pagegen_nsuffixes;

extern const pagegen_place dm_pagegen_places[];
extern const size_t dm_pagegen_nplaces;
extern const char *const dm_pagegen_team_words[];
extern const size_t dm_pagegen_nteam_words;
extern const char *const dm_pagegen_meet_words[];
extern const size_t dm_pagegen_nmeet_words;
extern const char *const dm_pagegen_orgs[];
extern const size_t dm_pagegen_norgs;

#endif
