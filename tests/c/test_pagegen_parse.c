/* test_pagegen_parse: the extractor (core/divemeets.c) and the page generator's truth
 * (tests/support/pagegen.c) are two independent readings of the shared parse contract;
 * over thousands of generated pages of every variant they must agree exactly on kind,
 * info and stats. A mismatch prints the id: `pageserver --print-page ID` shows the page. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "divemeets.h"
#include "minijson.h"
#include "pagegen.h"

static int same_str(const char *what, const char *want, const char *got, uint32_t id)
{
    if ((want == NULL) != (got == NULL) || (want && strcmp(want, got) != 0)) {
        fprintf(stderr, "id %u %s: truth \"%s\", parsed \"%s\"\n", (unsigned)id, what,
                want ? want : "(nil)", got ? got : "(nil)");
        return 0;
    }
    return 1;
}

static int same_num(const char *what, const jv *want, double got, uint32_t id)
{
    double w = want && want->t == 'n' ? want->num : DM_DIVEMEETS_ABSENT;
    if (fabs(w - got) > 1e-9) {
        fprintf(stderr, "id %u %s: truth %g, parsed %g\n", (unsigned)id, what, w, got);
        return 0;
    }
    return 1;
}

/* 1 when the parse of id's page equals its truth. */
static int agree(uint32_t id, const pagegen_opts *o)
{
    pagegen_buf page = {0}, truth = {0};
    int status = dm_pagegen_render(id, o, &page);
    dm_pagegen_truth(id, o, &truth);
    jv *t = jdecode(truth.data);
    dm_divemeets_opts po = {o->site_root, status, (long)id, 1, 0};
    dm_profile p;
    memset(&p, 0, sizeof p);
    int ok = t != NULL && dm_divemeets_parse(page.data, page.len, &po, &p) == 0;
    ok = ok && same_str("kind", jstr(t, "kind"), dm_divemeets_kind_name(p.kind), id);
    jv *info = ok ? jget(t, "info") : NULL;
    if (ok && (info != NULL) != (p.has_info != 0)) {
        fprintf(stderr, "id %u: info in truth %d, parsed %d\n", (unsigned)id, info != NULL,
                p.has_info);
        ok = 0;
    }
    if (ok && info) {
        const dm_profile_info *i = &p.info;
        ok = same_str("name", jstr(info, "name"), i->name, id) &&
             same_str("first_name", jstr(info, "first_name"), i->first_name, id) &&
             same_str("last_name", jstr(info, "last_name"), i->last_name, id) &&
             same_str("city_state", jstr(info, "city_state"), i->city_state, id) &&
             same_str("country", jstr(info, "country"), i->country, id) &&
             same_str("gender", jstr(info, "gender"), i->gender, id) &&
             same_num("age", jget(info, "age"), (double)i->age, id) &&
             same_num("fina_age", jget(info, "fina_age"), (double)i->fina_age, id) &&
             same_num("hs_grad_year", jget(info, "hs_grad_year"), (double)i->hs_grad_year, id) &&
             same_num("divemeets_id", jget(info, "divemeets_id"), (double)i->divemeets_id, id);
    }
    jv *stats = ok ? jget(t, "stats") : NULL;
    if (ok && (stats != NULL) != (p.has_stats != 0)) {
        fprintf(stderr, "id %u: stats in truth %d, parsed %d\n", (unsigned)id, stats != NULL,
                p.has_stats);
        ok = 0;
    }
    if (ok && stats && stats->n != (int)p.nstats) {
        fprintf(stderr, "id %u: %d stats rows in truth, %zu parsed\n", (unsigned)id, stats->n,
                p.nstats);
        ok = 0;
    }
    for (int k = 0; ok && stats && k < stats->n; k++) {
        const jv *s = stats->vals[k];
        const dm_dive_stat *d = &p.stats[k];
        ok = same_str("number", jstr(s, "number"), d->number, id) &&
             same_num("height", jget(s, "height"), d->height, id) &&
             same_str("description", jstr(s, "description"), d->description, id) &&
             same_num("high_score", jget(s, "high_score"), d->high_score, id) &&
             same_str("high_score_url", jstr(s, "high_score_url"), d->high_score_url, id) &&
             same_num("avg_score", jget(s, "avg_score"), d->avg_score, id) &&
             same_str("avg_score_url", jstr(s, "avg_score_url"), d->avg_score_url, id) &&
             same_num("times", jget(s, "times"), (double)d->times, id);
    }
    jv_free(t);
    dm_divemeets_free(&p);
    dm_pagegen_buf_free(&page);
    dm_pagegen_buf_free(&truth);
    return ok;
}

int main(void)
{
    /* Two runs: default site root and year, and a local root with a later year. */
    const pagegen_opts runs[2] = {{2026, "https://secure.meetcontrol.com", -1},
                                  {2031, "http://127.0.0.1:8080", -1}};
    int mismatches = 0;
    for (int r = 0; r < 2; r++) {
        uint32_t first = r == 0 ? 25000 : 140000;
        for (uint32_t id = first; id < first + 4000; id++) {
            int ok = agree(id, &runs[r]);
            CHECK(ok);
            if (!ok && ++mismatches >= 10)
                return CHECK_DONE(); /* enough to go on */
        }
    }
    return CHECK_DONE();
}
