/* test_divetable: rules/dive_table.tsv loads, equals the app's diveTable.json entry for entry
 * (read from $DM_SHARED/reference with a tiny JSON reader written here), and malformed files
 * are refused with file:line messages. */
#include "check.h"
#include "divetable.h"

#include <stdlib.h>
#include <string.h>

/* ---- a tiny JSON reader, just enough for {"code": {"name": "...", "dd": {"1": 1.4}}} ---- */

typedef struct json {
    const char *p, *end;
    int bad;
} json;

static void ws(json *j)
{
    while (j->p < j->end && strchr(" \t\r\n", *j->p) != NULL) {
        j->p++;
    }
}

static int eat(json *j, char c)
{
    ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 1;
    }
    return 0;
}

/* A string without escapes other than \" and \\ (the table's names are plain ASCII). */
static int str(json *j, char *out, size_t cap)
{
    size_t n = 0;
    if (!eat(j, '"')) {
        return j->bad = 1, 0;
    }
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;
        if (c == '\\' && j->p < j->end && (*j->p == '"' || *j->p == '\\')) {
            c = *j->p++;
        } else if (c == '\\') {
            return j->bad = 1, 0;
        }
        if (n + 1 < cap) {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    if (!eat(j, '"')) {
        return j->bad = 1, 0;
    }
    return 1;
}

static double num(json *j)
{
    char *e;
    ws(j);
    double v = strtod(j->p, &e);
    if (e == j->p) {
        j->bad = 1;
    }
    j->p = e;
    return v;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = (size_t)n;
    }
    return buf;
}

/* Compare the loaded table with the JSON: every JSON code/height/DD and name is in the table,
 * and the table has nothing more (same number of codes and of defined DDs). */
static void compare_with_json(const dm_divetable *t, const char *path)
{
    size_t len;
    char *text = slurp(path, &len);
    CHECK(text != NULL);
    if (text == NULL) {
        return;
    }
    json j = {text, text + len, 0};
    size_t codes = 0, dds = 0, mismatches = 0;
    CHECK(eat(&j, '{'));
    while (!j.bad && !eat(&j, '}')) {
        char code[32], key[32], name[256];
        int have_name = 0;
        if (codes > 0) {
            CHECK(eat(&j, ','));
        }
        str(&j, code, sizeof code);
        CHECK(eat(&j, ':') && eat(&j, '{'));
        const dm_dive_entry *e = dm_divetable_find(t, code, strlen(code));
        if (e == NULL) {
            fprintf(stderr, "code %s of the JSON is not in the table\n", code);
            mismatches++;
        }
        for (int fields = 0; !j.bad && !eat(&j, '}'); fields++) {
            if (fields > 0) {
                CHECK(eat(&j, ','));
            }
            str(&j, key, sizeof key);
            CHECK(eat(&j, ':'));
            if (strcmp(key, "name") == 0) {
                str(&j, name, sizeof name);
                have_name = 1;
                if (e != NULL && strcmp(e->name, name) != 0) {
                    fprintf(stderr, "%s: name '%s' != '%s'\n", code, e->name, name);
                    mismatches++;
                }
            } else if (strcmp(key, "dd") == 0) {
                CHECK(eat(&j, '{'));
                for (int k = 0; !j.bad && !eat(&j, '}'); k++) {
                    char h[16];
                    if (k > 0) {
                        CHECK(eat(&j, ','));
                    }
                    str(&j, h, sizeof h);
                    CHECK(eat(&j, ':'));
                    double dd = num(&j);
                    double height = strtod(h, NULL);
                    dm_dd_status st;
                    double got = dm_divetable_dd(t, code, strlen(code), height, &st);
                    dds++;
                    if (st != DM_DD_OK || got != dd) { /* exact: same decimal, same double */
                        fprintf(stderr, "%s at %s m: DD %.17g (status %d) != %.17g\n", code, h, got,
                                (int)st, dd);
                        mismatches++;
                    }
                }
            } else {
                j.bad = 1;
            }
        }
        CHECK(have_name);
        codes++;
    }
    CHECK(!j.bad);
    CHECK_INT_EQ(mismatches, 0);
    CHECK_INT_EQ(codes, 210);
    CHECK_INT_EQ(dds, 686);
    CHECK_INT_EQ(dm_divetable_count(t), codes);
    CHECK_INT_EQ(dm_divetable_dd_count(t), dds);
    free(text);
}

/* ---- malformed files ---- */

#define HDR "code\tname\t1m\t3m\t5m\t7.5m\t10m\n"

static void expect_error(const char *text, const char *want)
{
    char err[512] = "";
    dm_divetable *t = dm_divetable_parse(text, strlen(text), "t.tsv", err, sizeof err);
    CHECK(t == NULL);
    if (strstr(err, want) == NULL) {
        fprintf(stderr, "error '%s' lacks '%s'\n", err, want);
        CHECK(0);
    }
    dm_divetable_free(t);
}

static void test_malformed(void)
{
    expect_error("", "t.tsv: no column header line");
    expect_error("# only a comment\n", "t.tsv: no column header line");
    expect_error("code name 1m 3m 5m 7.5m 10m\n", "t.tsv:1: expected the column header line");
    expect_error("# c\n" HDR "101B Forward Dive Pike 1.3 1.5\n",
                 "t.tsv:3: expected tab-separated fields");
    expect_error(HDR "101b\tForward Dive Pike\t1.3\n", "t.tsv:2: bad dive code '101b'");
    expect_error(HDR "701B\tX\t1.3\n", "t.tsv:2: bad dive code '701B'");
    expect_error(HDR "10B\tX\t1.3\n", "t.tsv:2: bad dive code");
    expect_error(HDR "101B\t\t1.3\n", "t.tsv:2: dive 101B has no name");
    expect_error(HDR "101B\tX\t1,3\n", "t.tsv:2: dive 101B, column 1m: bad DD '1,3'");
    expect_error(HDR "101B\tX\t\t\t\t\t0\n", "t.tsv:2: dive 101B, column 10m: bad DD '0'");
    expect_error(HDR "101B\tX\t12\n", "column 1m: bad DD '12'");
    expect_error(HDR "101B\tX\t1.3.1\n", "bad DD '1.3.1'");
    expect_error(HDR "101B\tX\t-1.3\n", "bad DD '-1.3'");
    expect_error(HDR "101B\tX\t.\n", "bad DD '.'");
    expect_error(HDR "101B\tX\t\t\t\t\t\n", "t.tsv:2: dive 101B has no DD at any height");
    expect_error(HDR "101B\tX\t1\t1\t1\t1\t1\t1\n", "t.tsv:2: more than 7 tab-separated fields");
    expect_error(HDR "101B\tX\t1.3\n\n# gap\n101B\tY\t1.4\n",
                 "t.tsv:5: duplicate dive code 101B (first defined at line 2)");
    expect_error("code\tname\n", "t.tsv:1: expected the column header line");
    {
        char err[256] = "";
        static const char nul[] = HDR "101B\tX\0\t1.3\n";
        CHECK(dm_divetable_parse(nul, sizeof nul - 1, "t.tsv", err, sizeof err) == NULL);
        CHECK(strstr(err, "NUL byte") != NULL);
    }
    {
        char err[256] = "";
        CHECK(dm_divetable_load("/nonexistent/dive_table.tsv", err, sizeof err) == NULL);
        CHECK(strstr(err, "/nonexistent/dive_table.tsv: cannot open") != NULL);
        /* a NULL or zero-sized error buffer is allowed */
        CHECK(dm_divetable_load("/nonexistent/x", NULL, 0) == NULL);
    }
}

/* CRLF, a byte-order mark, comments, blank lines, spaces around cells, short rows. */
static void test_lenient(void)
{
    static const char text[] = "\xEF\xBB\xBF# spreadsheet export\r\n"
                               "code\tname\t1m\t3m\t5m\t7.5m\t10m\r\n"
                               "\r\n"
                               "101B\t Forward Dive Pike \t1.3\t 1.5 \r\n"
                               "  \t \r\n"
                               "6142D\tArmstand Back Double Somersault 1 Twist\t\t\t\t\t3.2";
    char err[256] = "";
    dm_divetable *t = dm_divetable_parse(text, sizeof text - 1, "x.tsv", err, sizeof err);
    CHECK(t != NULL);
    if (t == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    dm_dd_status st;
    CHECK_INT_EQ(dm_divetable_count(t), 2);
    CHECK_INT_EQ(dm_divetable_dd_count(t), 3);
    CHECK(dm_divetable_dd(t, "101B", 4, 1.0, &st) == 1.3 && st == DM_DD_OK);
    CHECK(dm_divetable_dd(t, "101B", 4, 3.0, &st) == 1.5 && st == DM_DD_OK);
    CHECK(dm_divetable_dd(t, "101B", 4, 5.0, &st) == 0.0 && st == DM_DD_UNKNOWN_HEIGHT);
    CHECK(dm_divetable_dd(t, "101B", 4, 0.5, &st) == 0.0 && st == DM_DD_UNKNOWN_HEIGHT);
    CHECK(dm_divetable_dd(t, "6142D", 5, 10.0, &st) == 3.2 && st == DM_DD_OK);
    CHECK(dm_divetable_dd(t, "101C", 4, 1.0, &st) == 0.0 && st == DM_DD_UNKNOWN_CODE);
    CHECK(dm_divetable_dd(t, "101B", 3, 1.0, &st) == 0.0 && st == DM_DD_UNKNOWN_CODE);
    CHECK(dm_divetable_dd(t, "101b", 4, 1.0, &st) == 0.0 && st == DM_DD_UNKNOWN_CODE);
    CHECK_STR_EQ(dm_divetable_find(t, "101B", 4)->name, "Forward Dive Pike");
    CHECK_INT_EQ(dm_divetable_find(t, "6142D", 5)->line, 6);
    CHECK(dm_divetable_at(t, 2) == NULL);
    dm_divetable_free(t);
}

/* Many codes: every one is found through the hash, and near misses are not. */
static void test_many_codes(void)
{
    size_t cap = 200000, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, HDR);
    int n = 0;
    for (int num = 1000; num < 7000; num += 3) {
        len += (size_t)snprintf(text + len, cap - len, "%d%c\tDive %d\t%d.%d\n", num, 'A' + num % 4,
                                n, 1 + num % 3, num % 10);
        n++;
    }
    char err[256] = "";
    dm_divetable *t = dm_divetable_parse(text, len, "many", err, sizeof err);
    CHECK(t != NULL);
    if (t != NULL) {
        int found = 0, wrong = 0;
        for (int num = 1000; num < 7000; num++) {
            char code[8];
            snprintf(code, sizeof code, "%d%c", num, 'A' + num % 4);
            double dd = dm_divetable_dd(t, code, strlen(code), 1.0, NULL);
            if ((num - 1000) % 3 == 0) {
                found += dd == (1 + num % 3) + (num % 10) / 10.0;
            } else {
                wrong += dd != 0.0;
            }
        }
        CHECK_INT_EQ(found, n);
        CHECK_INT_EQ(wrong, 0);
        CHECK_INT_EQ(dm_divetable_count(t), n);
    }
    dm_divetable_free(t);
    free(text);
}

int main(void)
{
    char err[512] = "";
    dm_divetable *t = dm_divetable_load("rules/dive_table.tsv", err, sizeof err);
    CHECK(t != NULL);
    if (t == NULL) {
        fprintf(stderr, "%s\n", err);
    } else {
        CHECK_INT_EQ(dm_divetable_count(t), 210);
        CHECK_INT_EQ(dm_divetable_dd_count(t), 686);
        /* spot checks, including entries that differ from the FINA formula (kept on purpose) */
        CHECK(dm_divetable_dd(t, "101B", 4, 1, NULL) == 1.3);
        CHECK(dm_divetable_dd(t, "103B", 4, 5, NULL) == 1.5);
        CHECK(dm_divetable_dd(t, "5312A", 5, 5, NULL) == 2.2);
        CHECK(dm_divetable_dd(t, "626B", 4, 10, NULL) == 3.5);
        CHECK_STR_EQ(dm_divetable_find(t, "626B", 4)->name,
                     "Armstand Forward Triple Somersault Pike");
        const char *shared = getenv("DM_SHARED");
        char path[4096];
        snprintf(path, sizeof path, "%s/reference/diveTable.json", shared ? shared : "../shared");
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
            fprintf(stderr, "SKIP: %s is absent: table not compared with the app's JSON\n", path);
        } else {
            fclose(f);
            compare_with_json(t, path);
        }
        dm_divetable_free(t);
    }
    test_malformed();
    test_lenient();
    test_many_codes();
    return CHECK_DONE();
}
