/* bench_parse.c: parse throughput of the DiveMeets extractor over pages held in memory.
 * Pages come from the test page generator (dm_pagegen_render, ids 1..N) when built with
 * -DDM_BENCH_PAGEGEN, otherwise from the given fixture files; with -DDM_BENCH_RATING it also
 * rates every profile (core/rating.c, rules/dive_table.tsv). Prints ms per page (one core),
 * MB/s and peak RSS. Build and run with tests/bench/run.sh (from any directory). */
#include "divemeets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef DM_BENCH_PAGEGEN
#include "pagegen.h"
#endif
#ifdef DM_BENCH_RATING
#include "rating.h"
static dm_divetable *table;
static dm_rating_policy policy;
#endif

typedef struct {
    char *data;
    size_t len;
    int status;
} page;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#ifndef DM_BENCH_PAGEGEN
static int load_file(const char *path, page *p)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    p->data = malloc((size_t)n + 1);
    p->len = p->data ? fread(p->data, 1, (size_t)n, f) : 0;
    p->status = 200;
    fclose(f);
    return p->data ? 0 : -1;
}
#endif

static double rate(const dm_profile *p)
{
#ifdef DM_BENCH_RATING
    dm_rating_dive d[512];
    size_t n = p->nstats < 512 ? p->nstats : 512;
    for (size_t i = 0; i < n; i++) {
        d[i].number = p->stats[i].number;
        d[i].number_len = strlen(p->stats[i].number);
        d[i].height_m = p->stats[i].height;
        d[i].avg_score = p->stats[i].avg_score;
        d[i].times = p->stats[i].times;
    }
    dm_rating_result r;
    dm_rating_compute(table, &policy, d, n, &r, NULL);
    return r.total;
#else
    (void)p;
    return 0;
#endif
}

static void run(const char *what, page *pages, size_t npages, int rounds, int want_stats,
                int with_rating)
{
    size_t kinds[3] = {0}, rows = 0, bytes = 0;
    static volatile double sink;
    double t0 = now_s();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < npages; i++) {
            dm_divemeets_opts o = {NULL, pages[i].status, (long)(i + 1), want_stats, 0};
            dm_profile p;
            dm_divemeets_parse(pages[i].data, pages[i].len, &o, &p);
            if (with_rating && p.nstats > 0)
                sink += rate(&p);
            if (r == 0) {
                kinds[p.kind]++;
                rows += p.nstats;
                bytes += pages[i].len;
            }
            dm_divemeets_free(&p);
        }
    }
    double dt = now_s() - t0;
    double per = dt * 1e3 / (double)(npages * (size_t)rounds);
    printf("%-28s %6zu pages x %d: %.4f ms/page, %7.1f MB/s, %zu rows "
           "(profile %zu, no_profile %zu, blocked %zu), avg page %.1f KB\n",
           what, npages, rounds, per, (double)bytes * rounds / dt / 1e6, rows, kinds[0], kinds[1],
           kinds[2], (double)bytes / (double)npages / 1024.0);
}

int main(int argc, char **argv)
{
    size_t npages = 0;
    page *pages = NULL;
    int rounds = 3;
#ifdef DM_BENCH_PAGEGEN
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    pages = calloc(n, sizeof *pages);
    pagegen_opts po = {2026, NULL, -1};
    for (size_t i = 0; i < n; i++) {
        pagegen_buf b = {0};
        pages[i].status = dm_pagegen_render((uint32_t)(i + 1), &po, &b);
        pages[i].data = b.data;
        pages[i].len = b.len;
    }
    npages = n;
    const char *src = "generated (dm_pagegen_render)";
#else
    pages = calloc((size_t)argc, sizeof *pages);
    for (int i = 1; i < argc; i++)
        if (load_file(argv[i], &pages[npages]) == 0)
            npages++;
    rounds = 200;
    const char *src = "fixture files";
#endif
    if (npages == 0) {
        fprintf(stderr, "usage: bench_parse [N] | bench_parse FILE...\n");
        return 2;
    }
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    printf("pages: %s; RSS with the pages loaded %.1f MB\n", src, (double)ru0.ru_maxrss / 1024.0);
    run("parse, stats = true", pages, npages, rounds, 1, 0);
    run("parse, stats = false", pages, npages, rounds, 0, 0);
#ifdef DM_BENCH_RATING
    char err[256];
    table = dm_divetable_load("rules/dive_table.tsv", err, sizeof err);
    if (table == NULL) {
        fprintf(stderr, "no dive table: %s\n", err);
        return 1;
    }
    dm_rating_policy_default(&policy);
    run("parse + rate", pages, npages, rounds, 1, 1);
    dm_divetable_free(table);
#endif
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB (pages held in memory included)\n", (double)ru.ru_maxrss / 1024.0);
    for (size_t i = 0; i < npages; i++)
        free(pages[i].data);
    free(pages);
    return 0;
}
