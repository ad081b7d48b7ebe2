/* bench_parse.c: parse throughput of the DiveMeets extractor over pages held in memory.
 * Pages come from the test page generator (dm_pagegen_render, ids 1..N) when built with
 * -DDM_BENCH_PAGEGEN, otherwise from the given fixture files. Prints ms per page (one core),
 * MB/s and peak RSS. Build and run with tests/bench/run.sh. */
#include "divemeets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#ifdef DM_BENCH_PAGEGEN
#include "pagegen.h"
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

static void run(const char *what, page *pages, size_t npages, int rounds, int want_stats)
{
    size_t kinds[3] = {0}, rows = 0, bytes = 0;
    double t0 = now_s();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < npages; i++) {
            dm_divemeets_opts o = {NULL, pages[i].status, (long)(i + 1), want_stats};
            dm_profile p;
            dm_divemeets_parse(pages[i].data, pages[i].len, &o, &p);
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
    printf("pages: %s\n", src);
    run("parse, stats = true", pages, npages, rounds, 1);
    run("parse, stats = false", pages, npages, rounds, 0);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS %.1f MB (pages held in memory included)\n", (double)ru.ru_maxrss / 1024.0);
    for (size_t i = 0; i < npages; i++)
        free(pages[i].data);
    free(pages);
    return 0;
}
