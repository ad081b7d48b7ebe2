/* profile_eq.h: field-by-field equality of two dm_profile results, for the C test and the
 * fuzz harness (which checks that the href shortcut and the all-gumbo path agree). Returns
 * NULL when equal, else the name of the first field that differs. */
#ifndef DM_PROFILE_EQ_H
#define DM_PROFILE_EQ_H

#include "divemeets.h"

#include <string.h>

static int peq_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 1 if s is NULL or valid UTF-8 (results end up in JSON, which must be valid). */
static int peq_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u == NULL)
        return 1;
    while (*u) {
        size_t k = *u < 0x80             ? 1
                   : (*u & 0xE0) == 0xC0 ? 2
                   : (*u & 0xF0) == 0xE0 ? 3
                   : (*u & 0xF8) == 0xF0 ? 4
                                         : 0;
        if (k == 0 || (k == 2 && *u < 0xC2))
            return 0;
        for (size_t i = 1; i < k; i++)
            if ((u[i] & 0xC0) != 0x80)
                return 0;
        u += k;
    }
    return 1;
}

/* NULL when every string of the result is valid UTF-8, else the field. */
static const char *profile_bad_utf8(const dm_profile *p)
{
    const dm_profile_info *x = &p->info;
    if (!peq_utf8(x->name) || !peq_utf8(x->first_name) || !peq_utf8(x->last_name) ||
        !peq_utf8(x->city_state) || !peq_utf8(x->country) || !peq_utf8(x->gender))
        return "info";
    for (size_t i = 0; i < p->nstats; i++) {
        const dm_dive_stat *s = &p->stats[i];
        if (!peq_utf8(s->number) || !peq_utf8(s->description) || !peq_utf8(s->high_score_url) ||
            !peq_utf8(s->avg_score_url))
            return "stats";
    }
    for (size_t i = 0; i < p->nwarnings; i++)
        if (!peq_utf8(p->warnings[i]))
            return "warnings";
    return NULL;
}

static const char *profile_diff(const dm_profile *a, const dm_profile *b)
{
    if (a->kind != b->kind)
        return "kind";
    if (a->has_info != b->has_info)
        return "has_info";
    const dm_profile_info *x = &a->info, *y = &b->info;
    if (!peq_str(x->name, y->name) || !peq_str(x->first_name, y->first_name) ||
        !peq_str(x->last_name, y->last_name))
        return "name";
    if (!peq_str(x->city_state, y->city_state) || !peq_str(x->country, y->country) ||
        !peq_str(x->gender, y->gender))
        return "info text";
    if (x->age != y->age || x->fina_age != y->fina_age || x->hs_grad_year != y->hs_grad_year ||
        x->divemeets_id != y->divemeets_id)
        return "info numbers";
    if (a->has_stats != b->has_stats || a->nstats != b->nstats)
        return "stats count";
    for (size_t i = 0; i < a->nstats; i++) {
        const dm_dive_stat *s = &a->stats[i], *t = &b->stats[i];
        if (!peq_str(s->number, t->number) || !peq_str(s->description, t->description) ||
            !peq_str(s->high_score_url, t->high_score_url) ||
            !peq_str(s->avg_score_url, t->avg_score_url))
            return "stats text";
        if (s->height != t->height || s->high_score != t->high_score ||
            s->avg_score != t->avg_score || s->times != t->times)
            return "stats numbers";
    }
    if (a->nwarnings != b->nwarnings)
        return "warning count";
    for (size_t i = 0; i < a->nwarnings; i++)
        if (!peq_str(a->warnings[i], b->warnings[i]))
            return "warnings";
    return NULL;
}

#endif
