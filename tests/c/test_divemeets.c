/* test_divemeets.c: the DiveMeets extractor in C (core/divemeets.c) under ASan/UBSan/LSan:
 * text helpers, the name rule, URL resolution, the research note's example page field by
 * field, every fixture against its JSON (kind, name, row count), classification, bad input
 * (junk, empty, every truncation, 5 MB, deep nesting, invalid UTF-8) and the fuzz crashers. */
#include "check.h"
#include "divemeets.h"
#include "htmlfrag.h"
#include "profile_eq.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXTURES "tests/fixtures/profiles"
#define CRASHERS "tests/fuzz/crashers"
#define CORPUS   "tests/fuzz/corpus"
#define SYS      "https://secure.meetcontrol.com/divemeets/system/"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

static void parse(const char *s, size_t n, dm_profile *p)
{
    dm_divemeets_opts o = {NULL, 0, 0, 1, 0};
    CHECK_INT_EQ(dm_divemeets_parse(s, n, &o, p), 0);
}

/* Parses with and without the href shortcut and with stats = false; checks they agree. */
static void parse_all_ways(const char *s, size_t n, long id, dm_profile *p)
{
    dm_divemeets_opts o = {NULL, 0, id, 1, 0};
    dm_profile g, lean;
    dm_divemeets_parse(s, n, &o, p);
    o.gumbo_only = 1;
    dm_divemeets_parse(s, n, &o, &g);
    o.gumbo_only = 0;
    o.want_stats = 0;
    dm_divemeets_parse(s, n, &o, &lean);
    const char *bad = profile_bad_utf8(p);
    if (bad != NULL)
        fprintf(stderr, "invalid UTF-8 in %s\n", bad);
    CHECK(bad == NULL);
    const char *d = profile_diff(p, &g);
    if (d != NULL)
        fprintf(stderr, "shortcut/gumbo-only differ in %s\n", d);
    CHECK(d == NULL);
    CHECK_INT_EQ(lean.kind, p->kind);
    CHECK(peq_str(lean.info.name, p->info.name));
    CHECK(!lean.has_stats);
    dm_divemeets_free(&g);
    dm_divemeets_free(&lean);
}

static void test_text_helpers(void)
{
    char *s = dm_divemeets_clean_text(" \t a \r\n\r\n b\xc2\xa0\xc2\xa0 c \xc2\xa0", 20);
    CHECK_STR_EQ(s, "a b c");
    free(s);
    s = dm_divemeets_clean_text("", 0);
    CHECK_STR_EQ(s, "");
    free(s);
    size_t n;
    s = dm_divemeets_to_utf8("Jos\xe9 \x93Q\x94 \xc3\xa9 \x81", 13, &n);
    CHECK_STR_EQ(s, "Jos\xc3\xa9 \xe2\x80\x9cQ\xe2\x80\x9d \xc3\xa9 \xef\xbf\xbd");
    free(s);
    /* overlong, surrogate and truncated sequences are not UTF-8: byte by byte as cp1252 */
    s = dm_divemeets_to_utf8("\xc0\xaf\xed\xa0\x80\xe2\x82", 7, &n);
    CHECK_STR_EQ(s, "\xc3\x80\xc2\xaf\xc3\xad\xc2\xa0\xe2\x82\xac\xc3\xa2\xe2\x80\x9a");
    free(s);
}

static void name_case(const char *name, const char *first, const char *last, int rc)
{
    char *f, *l;
    CHECK_INT_EQ(dm_divemeets_split_name(name, &f, &l), rc);
    CHECK_STR_EQ(f, first);
    CHECK_STR_EQ(l, last);
    free(f);
    free(l);
}

static void test_names(void)
{
    name_case("Avery Q Testdiver", "Avery Q", "Testdiver", 0);
    name_case("Mary-Kate O'Brien", "Mary-Kate", "O'Brien", 0);
    name_case("Juan de la Cruz", "Juan", "de la Cruz", 0);
    name_case("John Smith Jr.", "John", "Smith Jr.", 0);
    name_case("John A. Smith III", "John A.", "Smith III", 0);
    name_case("Ana Van Der Berg Jr IV", "Ana", "Van Der Berg Jr IV", 0);
    name_case("Cher", "Cher", "", 1);
    name_case("De Silva", "De", "Silva", 0); /* a particle never takes the first name */
    name_case("Mary V", "Mary", "V", 0);     /* a suffix needs two names in front */
    name_case("Mary St. James", "Mary", "St. James", 0);
}

static void url_case(const char *root, const char *href, const char *want)
{
    char *u = dm_divemeets_resolve_url(root, href);
    CHECK_STR_EQ(u, want);
    free(u);
}

static void test_urls(void)
{
    url_case(NULL, "diversdives.php?a=1&b=2", SYS "diversdives.php?a=1&b=2");
    url_case("https://secure.meetcontrol.com/", " x.php ", SYS "x.php");
    url_case(NULL, "https://other.example/x", "https://other.example/x");
    url_case(NULL, "HTTP://secure.meetcontrol.com/divemeets/system/x.php",
             "HTTP://secure.meetcontrol.com/divemeets/system/x.php");
    url_case(NULL, "/divemeets/system/y.php", SYS "y.php");
    url_case("http://127.0.0.1:8080", "//cdn.example/z", "http://cdn.example/z");
    url_case("http://127.0.0.1:8080", "z.php", "http://127.0.0.1:8080/divemeets/system/z.php");
}

static void test_example_page(void)
{
    size_t n;
    char *html = read_file(FIXTURES "/900001.html", &n);
    CHECK(html != NULL);
    if (html == NULL)
        return;
    dm_profile p;
    parse(html, n, &p);
    CHECK_INT_EQ(p.kind, DM_KIND_PROFILE);
    CHECK_STR_EQ(p.info.name, "Avery Q Testdiver");
    CHECK_STR_EQ(p.info.first_name, "Avery Q");
    CHECK_STR_EQ(p.info.last_name, "Testdiver");
    CHECK_STR_EQ(p.info.city_state, "Lakeview OH");
    CHECK_STR_EQ(p.info.country, "United States");
    CHECK_STR_EQ(p.info.gender, "F");
    CHECK_INT_EQ(p.info.age, 16);
    CHECK_INT_EQ(p.info.fina_age, 17);
    CHECK_INT_EQ(p.info.hs_grad_year, 2027);
    CHECK_INT_EQ(p.info.divemeets_id, 654321);
    CHECK_INT_EQ(p.nstats, 3);
    CHECK_INT_EQ(p.nwarnings, 0);
    if (p.nstats == 3) {
        CHECK_STR_EQ(p.stats[0].number, "101B");
        CHECK_NUM_NEAR(p.stats[0].height, 1, 0);
        CHECK_STR_EQ(p.stats[0].description, "Forward Dive Pike");
        CHECK_NUM_NEAR(p.stats[0].high_score, 21.0, 0);
        CHECK_NUM_NEAR(p.stats[0].avg_score, 19.25, 0);
        CHECK_INT_EQ(p.stats[0].times, 4);
        CHECK_STR_EQ(p.stats[0].high_score_url,
                     SYS "judgesscoresext.php?meetnum=99900&eventnum=120&dvrnum=654321&divord=1"
                         "&eventtype=9&synchdvrnum=&sts=4070908800");
        CHECK_STR_EQ(p.stats[0].avg_score_url,
                     SYS "diversdives.php?dvrnum=654321&height=1&dive=101B");
        CHECK_NUM_NEAR(p.stats[2].height, 7.5, 0);
        CHECK_NUM_NEAR(p.stats[2].avg_score, 51.1, 0);
        CHECK_STR_EQ(p.stats[1].description, "Back 1 1/2 Somersault 1/2 Twist Free");
    }
    dm_divemeets_free(&p);
    dm_divemeets_free(&p); /* idempotent */

    /* HTTP status: only a 2xx page is read */
    int statuses[] = {403, 404, 429, 500, 503, 302};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        dm_divemeets_opts o = {NULL, statuses[i], 0, 1, 0};
        dm_divemeets_parse(html, n, &o, &p);
        CHECK_INT_EQ(p.kind, DM_KIND_BLOCKED);
        CHECK(!p.has_info);
        dm_divemeets_free(&p);
    }
    /* site root option */
    dm_divemeets_opts o = {"http://127.0.0.1:1/", 200, 654321, 1, 0};
    dm_divemeets_parse(html, n, &o, &p);
    CHECK_STR_EQ(p.stats[1].avg_score_url,
                 "http://127.0.0.1:1/divemeets/system/diversdives.php?dvrnum=654321&height=3"
                 "&dive=5231D");
    CHECK_INT_EQ(p.nwarnings, 0);
    dm_divemeets_free(&p);

    /* every truncation of the page: a kind, no crash, and never "no_profile" for a cut page
     * that had not reached its info block yet */
    for (size_t cut = 0; cut <= n; cut += 7) {
        dm_profile q;
        dm_divemeets_parse(html, cut, NULL, &q);
        CHECK(q.kind == DM_KIND_PROFILE || q.kind == DM_KIND_BLOCKED);
        dm_divemeets_free(&q);
    }
    free(html);
}

/* The value of "key": "..." (or "key": word) in a small JSON text, into buf. */
static const char *json_value(const char *json, const char *key, char *buf, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\": ", key);
    const char *p = strstr(json, pat);
    if (p == NULL)
        return NULL;
    p += strlen(pat);
    size_t i = 0;
    if (*p == '"') {
        p++;
        while (*p && *p != '"' && i + 1 < cap)
            buf[i++] = *p++;
    } else {
        while (*p && *p != ',' && *p != '\n' && i + 1 < cap)
            buf[i++] = *p++;
    }
    buf[i] = '\0';
    return buf;
}

static size_t count_of(const char *s, const char *needle)
{
    size_t k = 0;
    for (const char *p = strstr(s, needle); p != NULL; p = strstr(p + 1, needle))
        k++;
    return k;
}

static void test_fixtures(void)
{
    DIR *d = opendir(FIXTURES);
    CHECK(d != NULL);
    if (d == NULL)
        return;
    int seen = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned long id;
        char ext[8];
        if (sscanf(e->d_name, "%lu.%7s", &id, ext) != 2 || strcmp(ext, "html") != 0)
            continue;
        char path[512], buf[256];
        size_t n, jn;
        snprintf(path, sizeof path, FIXTURES "/%lu.html", id);
        char *html = read_file(path, &n);
        snprintf(path, sizeof path, FIXTURES "/%lu.json", id);
        char *json = read_file(path, &jn);
        CHECK(html != NULL && json != NULL);
        if (html == NULL || json == NULL) {
            free(html);
            free(json);
            continue;
        }
        seen++;
        dm_profile p;
        parse_all_ways(html, n, (long)id, &p);
        const char *kind = json_value(json, "kind", buf, sizeof buf);
        CHECK_STR_EQ(dm_divemeets_kind_name(p.kind), kind);
        const char *name = json_value(json, "name", buf, sizeof buf);
        if (name != NULL)
            CHECK_STR_EQ(p.info.name, name);
        CHECK_INT_EQ(p.nstats, count_of(json, "\"number\":"));
        CHECK_INT_EQ(p.has_stats, strstr(json, "\"stats\":") != NULL);
        if (check_failures)
            fprintf(stderr, "  (fixture %lu)\n", id);
        dm_divemeets_free(&p);
        free(html);
        free(json);
    }
    closedir(d);
    CHECK(seen >= 28);
}

static void test_bad_input(void)
{
    dm_profile p;
    parse(NULL, 0, &p);
    CHECK_INT_EQ(p.kind, DM_KIND_BLOCKED);
    dm_divemeets_free(&p);
    parse("", 0, &p);
    CHECK_INT_EQ(p.kind, DM_KIND_BLOCKED);
    CHECK(p.nwarnings == 1);
    dm_divemeets_free(&p);

    /* binary junk, 1 MB */
    size_t jn = 1u << 20;
    char *junk = malloc(jn);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < jn; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        junk[i] = (char)(x & 0xFF);
    }
    parse_all_ways(junk, jn, 0, &p);
    CHECK_INT_EQ(p.kind, DM_KIND_BLOCKED);
    dm_divemeets_free(&p);
    /* junk made of markup bytes */
    static const char alphabet[] = "<>/=\"' &;#abdegilmnorstABDMNST:0123456789\r\n\xa0\xc2";
    for (size_t i = 0; i < jn; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        junk[i] = alphabet[x % (sizeof alphabet - 1)];
    }
    parse_all_ways(junk, jn, 0, &p);
    CHECK(p.kind <= DM_KIND_BLOCKED);
    dm_divemeets_free(&p);
    free(junk);

    /* 100k-deep nesting before the info block, inside it, and in the stats table */
    const char *info = "<strong>Name: </strong>Deep Diver<br><strong>Gender: </strong>M<br>";
    size_t depth = 100000, il = strlen(info);
    char *deep = malloc(depth * 15 + il + 64);
    size_t k = 0;
    for (size_t i = 0; i < depth; i++)
        memcpy(deep + k, "<div>", 5), k += 5;
    memcpy(deep + k, info, il), k += il;
    parse_all_ways(deep, k, 0, &p);
    CHECK_INT_EQ(p.kind, DM_KIND_PROFILE);
    CHECK_STR_EQ(p.info.name, "Deep Diver");
    dm_divemeets_free(&p);
    k = 0;
    memcpy(deep + k, info, il), k += il;
    memcpy(deep + k, "<table><tr><td>Dive Statistics", 31), k += 31;
    for (size_t i = 0; i < depth; i++)
        memcpy(deep + k, "<table><tr><td>", 15), k += 15;
    parse_all_ways(deep, k, 0, &p);
    CHECK_INT_EQ(p.kind, DM_KIND_PROFILE);
    CHECK(p.has_stats && p.nstats == 0);
    dm_divemeets_free(&p);
    k = 0;
    for (size_t i = 0; i < depth; i++)
        memcpy(deep + k, "<b>", 3), k += 3;
    memcpy(deep + k, info, il), k += il;
    parse_all_ways(deep, k, 0, &p);
    CHECK(p.kind <= DM_KIND_BLOCKED);
    dm_divemeets_free(&p);
    free(deep);

    /* invalid UTF-8 in the name: read as Windows-1252 */
    const char *bad = "<strong>Name: </strong>Ren\xe9\xe9 \xff\xfe O\x92Neil<br><strong>Gender: "
                      "</strong>F<br></html>";
    parse_all_ways(bad, strlen(bad), 0, &p);
    CHECK_INT_EQ(p.kind, DM_KIND_PROFILE);
    CHECK_STR_EQ(p.info.name, "Ren\xc3\xa9\xc3\xa9 \xc3\xbf\xc3\xbe O\xe2\x80\x99Neil");
    CHECK_STR_EQ(p.info.last_name, "O\xe2\x80\x99Neil");
    dm_divemeets_free(&p);

    /* warnings quote values cut to a few dozen bytes: never in the middle of a character */
    const char *wide =
        "<strong>Name: </strong>A B<br><table><tr><td>Dive Statistics</td></tr>"
        "<tr bgcolor=\"FFFFFF\"><td>101B</td><td>\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
        "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac</td><td>x</td><td>1</td><td>2"
        "</td><td>3</td></tr></table></html>";
    parse_all_ways(wide, strlen(wide), 0, &p);
    CHECK_INT_EQ(p.nstats, 0);
    CHECK(p.nwarnings >= 1);
    dm_divemeets_free(&p);

    /* a 5 MB page: the 150-row fixture repeated */
    size_t n;
    char *big = read_file(FIXTURES "/900013.html", &n);
    CHECK(big != NULL);
    if (big != NULL) {
        size_t reps = (5u << 20) / n + 1;
        char *five = malloc(n * reps);
        for (size_t i = 0; i < reps; i++)
            memcpy(five + i * n, big, n);
        parse_all_ways(five, n * reps, 900013, &p);
        CHECK_INT_EQ(p.kind, DM_KIND_PROFILE);
        CHECK_INT_EQ(p.nstats, 150);
        dm_divemeets_free(&p);
        /* a single 5 MB statistics table: capped, never unbounded */
        const char *head = "<strong>Name: </strong>Big Table<br><table><tr><td>Dive Statistics"
                           "</td></tr>";
        const char *row = "<tr bgcolor=\"DDDDDD\"><td>101B</td><td>1M</td><td>F</td><td><a "
                          "href=\"a.php?x=1&amp;y=2\">1.00</a></td><td><a href=\"b.php\">2.00</a>"
                          "</td><td>3</td></tr>";
        size_t hl = strlen(head), rl = strlen(row), rows = (5u << 20) / rl;
        char *t = realloc(five, hl + rows * rl);
        memcpy(t, head, hl);
        for (size_t i = 0; i < rows; i++)
            memcpy(t + hl + i * rl, row, rl);
        parse(t, hl + rows * rl, &p);
        CHECK_INT_EQ(p.kind, DM_KIND_PROFILE);
        CHECK(p.nstats > 1000 && p.nstats < rows);
        CHECK(p.nwarnings >= 1);
        if (p.nstats > 0)
            CHECK_STR_EQ(p.stats[0].high_score_url, SYS "a.php?x=1&y=2");
        dm_divemeets_free(&p);
        free(t);
        free(big);
    }
}

/* Replays every file of a directory (fuzz crashers, the seed corpus) through all parse paths. */
static void replay_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        size_t n;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        char *s = read_file(path, &n);
        if (s == NULL)
            continue;
        dm_profile p;
        parse_all_ways(s, n, 42, &p);
        dm_divemeets_free(&p);
        free(s);
    }
    closedir(d);
}

int main(void)
{
    test_text_helpers();
    test_names();
    test_urls();
    test_example_page();
    test_fixtures();
    test_bad_input();
    replay_dir(CRASHERS);
    replay_dir(CORPUS);
    dm_arena_trim();
    return CHECK_DONE();
}
