/* bench_rating: cost of dm_rating_compute per diver (microseconds), over synthetic divers with
 * realistic Dive Statistics drawn from rules/dive_table.tsv. Run from the source root:
 *   sh tests/bench/rating.sh [divers]      (builds with -O2 and runs; default 100000 divers)
 * Prints one line per statistics size plus the table load time. */
#include "rating.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static uint64_t rng = 88172645463325252u;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

int main(int argc, char **argv)
{
    long divers = argc > 1 ? atol(argv[1]) : 100000;
    char err[512];
    double t0 = now_us();
    dm_divetable *t = dm_divetable_load("rules/dive_table.tsv", err, sizeof err);
    double load_us = now_us() - t0;
    if (t == NULL) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("dive table: %zu codes, %zu DDs, loaded in %.0f us\n", dm_divetable_count(t),
           dm_divetable_dd_count(t), load_us);

    /* every defined (code, height) pair, to draw realistic rows from */
    size_t npairs = 0;
    struct pair {
        const char *code;
        size_t len;
        double h;
    } *pairs = malloc(dm_divetable_dd_count(t) * sizeof *pairs);
    for (size_t i = 0; i < dm_divetable_count(t); i++) {
        const dm_dive_entry *e = dm_divetable_at(t, i);
        for (int h = 0; h < DM_DIVETABLE_NHEIGHTS; h++) {
            if (e->dd[h] > 0) {
                pairs[npairs].code = e->code;
                pairs[npairs].len = e->code_len;
                pairs[npairs++].h = dm_divetable_heights_m[h];
            }
        }
    }

    dm_rating_policy p;
    dm_rating_policy_default(&p);
    static const int sizes[] = {10, 40, 150};
    enum { SETS = 64 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s];
        /* SETS different divers, reused round-robin (all fit in cache, like a real run) */
        dm_rating_dive *d = malloc((size_t)SETS * (size_t)n * sizeof *d);
        for (int k = 0; k < SETS * n; k++) {
            const struct pair *pr = &pairs[rnd((uint32_t)npairs)];
            d[k].number = pr->code;
            d[k].number_len = pr->len;
            d[k].height_m = pr->h;
            d[k].avg_score = 2.0 + rnd(800) / 100.0;
            d[k].times = 1 + (long)rnd(40);
        }
        dm_rating_result r;
        double sink = 0;
        double start = now_us();
        for (long i = 0; i < divers; i++) {
            dm_rating_compute(t, &p, d + (size_t)(i % SETS) * (size_t)n, (size_t)n, &r, NULL);
            sink += r.total;
        }
        double us = (now_us() - start) / (double)divers;
        printf("rate: %3d rows/diver: %.3f us/diver (%.1f ns/row), %ld divers, checksum %.3f\n", n,
               us, us * 1000.0 / n, divers, sink / (double)divers);
        free(d);
    }
    free(pairs);
    dm_divetable_free(t);
    return 0;
}
