/* test_pagegen: the test page generator (tests/support/pagegen.c) is deterministic, covers
 * every variant over a range of ids, keeps pages within size bounds, and its truth JSON is
 * valid and agrees with the page (read back here with a tiny independent reader). With
 * DM_SHARED set, its dive codes are checked against the app's dive table. */
#include <stdint.h>
#include <stdlib.h>
#include <strings.h>

#include "check.h"
#include "minijson.h"
#include "pagegen.h"
#include "pagegen_data.h"

/* ---- reading a value back from the page, the contract's way ---------------------------- */

static void put_utf8(char *out, size_t *n, unsigned cp)
{
    if (cp < 0x80) {
        out[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*n)++] = (char)(0xC0 | cp >> 6);
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*n)++] = (char)(0xE0 | cp >> 12);
        out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*n)++] = (char)(0x80 | (cp & 0x3F));
    }
}

static int utf8_len(const unsigned char *s)
{
    int len = s[0] >= 0xF0 && s[0] <= 0xF4   ? 4
              : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
              : s[0] >= 0xC2 && s[0] <= 0xDF ? 2
                                             : 0;
    for (int i = 1; i < len; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return len;
}

/* Decode entities, cp1252 bytes and nbsp; collapse whitespace; trim. */
static void clean(const char *in, size_t len, char *out, size_t cap)
{
    static const struct {
        const char *name;
        unsigned cp;
    } ents[] = {{"nbsp", 0xA0},   {"amp", '&'},     {"eacute", 0xE9}, {"ntilde", 0xF1},
                {"aacute", 0xE1}, {"oacute", 0xF3}, {"iacute", 0xED}, {"uacute", 0xFA},
                {"ouml", 0xF6},   {"uuml", 0xFC},   {"auml", 0xE4},   {"euml", 0xEB},
                {"egrave", 0xE8}, {"ccedil", 0xE7}, {"Iacute", 0xCD}, {"Eacute", 0xC9},
                {"rsquo", 0x2019}};
    char *tmp = malloc(len * 4 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        const unsigned char *s = (const unsigned char *)in + i;
        if (*s == '&') {
            const char *semi = memchr(in + i, ';', len - i < 12 ? len - i : 12);
            unsigned cp = 0;
            if (semi && s[1] == '#')
                cp = (unsigned)strtoul((const char *)s + 2, NULL, 10);
            for (size_t k = 0; semi && !cp && k < sizeof ents / sizeof ents[0]; k++)
                if ((size_t)(semi - (const char *)s - 1) == strlen(ents[k].name) &&
                    strncmp((const char *)s + 1, ents[k].name, strlen(ents[k].name)) == 0)
                    cp = ents[k].cp;
            if (cp) {
                put_utf8(tmp, &n, cp == 0xA0 ? ' ' : cp);
                i = (size_t)(semi - in) + 1;
                continue;
            }
        }
        int ul = *s >= 0x80 ? utf8_len(s) : 1;
        if (ul > 0 && i + (size_t)ul <= len) {
            if (ul == 2 && s[0] == 0xC2 && s[1] == 0xA0)
                tmp[n++] = ' ';
            else
                memcpy(tmp + n, s, (size_t)ul), n += (size_t)ul;
            i += (size_t)ul;
        } else { /* not UTF-8: Windows-1252 */
            put_utf8(tmp, &n, *s == 0x92 ? 0x2019 : *s);
            i++;
        }
    }
    size_t k = 0;
    int space = 1;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char ch = tmp[i];
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
            if (!space)
                out[k++] = ' ';
            space = 1;
        } else {
            out[k++] = ch;
            space = 0;
        }
    }
    while (k > 0 && out[k - 1] == ' ')
        k--;
    out[k] = '\0';
    free(tmp);
}

/* The cleaned value after ">Label:" ... "</strong>" up to the next tag; 0 if absent. */
static int page_value(const char *page, const char *lab, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, ">%s:", lab);
    const char *p = strstr(page, pat);
    if (p == NULL)
        return 0;
    p = strstr(p, "</");
    if (p == NULL || (p = strchr(p, '>')) == NULL)
        return 0;
    p++;
    const char *end = strchr(p, '<');
    clean(p, (size_t)(end - p), out, cap);
    return 1;
}

static size_t count_ci(const char *hay, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    char a = needle[0] | 0x20, b = (char)(needle[0] & ~0x20);
    for (const char *p = hay; (p = strpbrk(p, (char[3]){a, b, 0})) != NULL; p++)
        if (strncasecmp(p, needle, nl) == 0)
            n++;
    return n;
}

/* ---- checks --------------------------------------------------------------------------- */

static void check_contract_names(void)
{
    static const char *cases[][3] = {
        {"Avery Q Testdiver", "Avery Q", "Testdiver"},
        {"Mary-Kate O'Brien", "Mary-Kate", "O'Brien"},
        {"Juan de la Cruz", "Juan", "de la Cruz"},
        {"John Smith Jr.", "John", "Smith Jr."},
        {"Liam Van Dyke III", "Liam", "Van Dyke III"},
        {"Mary St. John", "Mary", "St. John"},
        {"Cher", "Cher", ""},
    };
    char f[64], l[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dm_pagegen_split_name(cases[i][0], f, l, sizeof f);
        CHECK_STR_EQ(f, cases[i][1]);
        CHECK_STR_EQ(l, cases[i][2]);
    }
}

static int check_page(uint32_t id, const pagegen_opts *o, const char *root, size_t *len_out,
                      uint64_t *variants)
{
    pagegen_buf page = {0}, page2 = {0}, truth = {0}, truth2 = {0};
    pagegen_desc d;
    dm_pagegen_describe(id, o, &d);
    int st = dm_pagegen_render(id, o, &page);
    int st2 = dm_pagegen_render(id, o, &page2);
    dm_pagegen_truth(id, o, &truth);
    dm_pagegen_truth(id, o, &truth2);
    int before = check_failures;
    *variants = d.variants;
    *len_out = page.len;

    CHECK(page.len == page2.len && memcmp(page.data, page2.data, page.len) == 0);
    CHECK(truth.len == truth2.len && memcmp(truth.data, truth2.data, truth.len) == 0);
    CHECK_INT_EQ(st, st2);
    CHECK_INT_EQ(st, d.http_status);
    CHECK(page.len > 0 && page.len <= 160 * 1024);
    CHECK_INT_EQ(strlen(page.data), page.len); /* no NUL bytes in a page */

    jv *t = jdecode(truth.data);
    CHECK(t != NULL);
    if (t == NULL) {
        fprintf(stderr, "id %u: truth is not JSON: %.200s\n", (unsigned)id, truth.data);
        goto out;
    }
    CHECK_INT_EQ(jint(t, "id"), id);
    CHECK_INT_EQ(jint(t, "http_status"), st);
    const char *kind = jstr(t, "kind");
    CHECK(kind != NULL);
    if (kind == NULL)
        goto out;
    if (d.kind == PG_KIND_BLOCKED) {
        CHECK_STR_EQ(kind, "blocked");
        CHECK_INT_EQ(st, 403);
        CHECK(strstr(page.data, "<title>Just a moment...</title>") != NULL);
    } else if (d.kind == PG_KIND_NO_PROFILE_A || d.kind == PG_KIND_NO_PROFILE_B) {
        CHECK_STR_EQ(kind, "no_profile");
        CHECK(jget(t, "info") == NULL && jget(t, "stats") == NULL);
        CHECK_INT_EQ(st, 200);
        if (d.kind == PG_KIND_NO_PROFILE_A)
            CHECK(count_ci(page.data, "<td") == 0);
        char v[64];
        if (d.kind == PG_KIND_NO_PROFILE_B) {
            CHECK(page_value(page.data, "Name", v, sizeof v) && v[0] == '\0');
            CHECK(page_value(page.data, "DiveMeets #", v, sizeof v) && v[0] == '\0');
        }
    } else {
        CHECK_STR_EQ(kind, "profile");
        CHECK_INT_EQ(st, 200);
        jv *info = jget(t, "info");
        CHECK(info != NULL);
        CHECK_INT_EQ(jint(info, "divemeets_id"), id);
        char v[256], f[256], l[256];
        CHECK(page_value(page.data, "DiveMeets #", v, sizeof v));
        CHECK_INT_EQ(atol(v), id);
        CHECK(page_value(page.data, "Name", v, sizeof v));
        CHECK_STR_EQ(jstr(info, "name"), v);
        dm_pagegen_split_name(v, f, l, sizeof f);
        CHECK_STR_EQ(jstr(info, "first_name"), f);
        CHECK_STR_EQ(jstr(info, "last_name"), l);
        int has_city = page_value(page.data, "City/State", v, sizeof v) ||
                       page_value(page.data, "State", v, sizeof v);
        CHECK(has_city);
        if (v[0])
            CHECK_STR_EQ(jstr(info, "city_state"), v);
        else
            CHECK(jget(info, "city_state") == NULL);
        CHECK(page_value(page.data, "Country", v, sizeof v));
        CHECK_STR_EQ(jstr(info, "country"), v);
        static const char *const labs[] = {"Age", "FINA Age", "High School Graduation"};
        static const char *const keys[] = {"age", "fina_age", "hs_grad_year"};
        for (int k = 0; k < 3; k++) {
            if (page_value(page.data, labs[k], v, sizeof v))
                CHECK_INT_EQ(jint(info, keys[k]), atol(v));
            else
                CHECK(jget(info, keys[k]) == NULL);
        }
        CHECK_INT_EQ(jint(info, "fina_age"), d.fina_age);
        CHECK_INT_EQ(jint(info, "hs_grad_year"), d.hs_grad_year);
        if (page_value(page.data, "Gender", v, sizeof v))
            CHECK_STR_EQ(jstr(info, "gender"), v);
        else
            CHECK(jget(info, "gender") == NULL && d.kind == PG_KIND_JUDGE);

        jv *stats = jget(t, "stats");
        size_t rows = count_ci(page.data, "bgcolor=");
        if (d.nstats < 0) {
            CHECK(stats == NULL);
            CHECK_INT_EQ(rows, 0);
            CHECK(strstr(page.data, "Dive Statistics") == NULL);
        } else {
            CHECK(stats != NULL && stats->t == 'a');
            CHECK_INT_EQ(stats ? stats->n : -1, d.nstats);
            CHECK_INT_EQ(rows, d.nstats + ((d.variants >> PG_V_BAD_ROW) & 1));
            size_t rl = strlen(root);
            for (int i = 0; stats && i < stats->n; i++) {
                jv *s = stats->vals[i];
                const char *num = jstr(s, "number");
                char cell[64];
                snprintf(cell, sizeof cell, ">%s<", num ? num : "?");
                CHECK(num != NULL && strstr(page.data, cell) != NULL);
                jv *h = jget(s, "height");
                CHECK(h && h->t == 'n' && h->num >= 1 && h->num <= 20);
                CHECK(jint(s, "times") >= 1);
                jv *hi = jget(s, "high_score"), *av = jget(s, "avg_score");
                CHECK(hi && av && hi->num >= av->num && av->num > 0);
                const char *u1 = jstr(s, "high_score_url"), *u2 = jstr(s, "avg_score_url");
                CHECK(u1 && u2);
                if (!u1 || !u2)
                    continue;
                int abs = (d.variants >> PG_V_ABS_HREFS) & 1;
                const char *want = abs ? "https://secure.meetcontrol.com" : root;
                CHECK(strncmp(u1, want, abs ? 30 : rl) == 0);
                CHECK(strstr(u1, "/divemeets/system/judgesscoresext.php?meetnum=") != NULL);
                CHECK(strstr(u2, "/divemeets/system/diversdives.php?dvrnum=") != NULL);
                CHECK(strstr(u1 + 8, "https:") == NULL && strstr(u1, "&amp;") == NULL);
                CHECK(strstr(u2, num) != NULL);
                if (!abs && i < 3) { /* the relative href, entities decoded, is on the page */
                    const char *rel = u1 + rl + strlen("/divemeets/system/");
                    if (!((d.variants >> PG_V_AMP_HREFS) & 1))
                        CHECK(strstr(page.data, rel) != NULL);
                }
            }
        }
    }
out:
    jv_free(t);
    dm_pagegen_buf_free(&page);
    dm_pagegen_buf_free(&page2);
    dm_pagegen_buf_free(&truth);
    dm_pagegen_buf_free(&truth2);
    if (check_failures != before)
        fprintf(stderr, "  (page id %u)\n", (unsigned)id);
    return check_failures == before;
}

static void check_dive_table(void)
{
    const char *shared = getenv("DM_SHARED");
    char path[4096];
    snprintf(path, sizeof path, "%s/reference/diveTable.json", shared ? shared : "../shared");
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "skip: %s not found, dive list not checked against the table\n", path);
        return;
    }
    pagegen_buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        b.data = realloc(b.data, b.len + n + 1);
        memcpy(b.data + b.len, tmp, n);
        b.len += n;
        b.data[b.len] = '\0';
    }
    fclose(f);
    jv *t = jdecode(b.data);
    CHECK(t != NULL && t->t == 'o');
    static const char *hk[5] = {"1", "3", "5", "7.5", "10"};
    for (size_t i = 0; t && i < dm_pagegen_ndives; i++) {
        jv *dd = jget(jget(t, dm_pagegen_dives[i].code), "dd");
        CHECK(dd != NULL);
        for (int k = 0; k < 5; k++)
            if (dm_pagegen_dives[i].heights & (1u << k)) {
                int ok = jget(dd, hk[k]) != NULL;
                CHECK(ok);
                if (!ok)
                    fprintf(stderr, "  %s at %s m not in the table\n", dm_pagegen_dives[i].code,
                            hk[k]);
            }
    }
    for (size_t i = 0; t && i < dm_pagegen_nunknown_dives; i++) {
        jv *dd = jget(jget(t, dm_pagegen_unknown_dives[i].code), "dd");
        for (int k = 0; k < 5; k++)
            if (dm_pagegen_unknown_dives[i].heights & (1u << k))
                CHECK(dd == NULL || jget(dd, hk[k]) == NULL);
    }
    jv_free(t);
    dm_pagegen_buf_free(&b);
}

int main(void)
{
    check_contract_names();
    check_dive_table();

    const char *root = "http://127.0.0.1:8080";
    pagegen_opts o = {2026, root, -1};
    enum { FIRST = 25000, COUNT = 5000 };
    int seen[PG_V_COUNT] = {0}, bad_pages = 0, eligible = 0, profiles = 0;
    size_t big = 0, total = 0;
    for (uint32_t id = FIRST; id < FIRST + COUNT; id++) {
        size_t len;
        uint64_t v;
        if (!check_page(id, &o, root, &len, &v) && ++bad_pages > 5)
            break; /* enough output */
        total += len;
        if (len > big)
            big = len;
        for (int i = 0; i < PG_V_COUNT; i++)
            seen[i] += (v >> i) & 1;
        pagegen_desc d;
        dm_pagegen_describe(id, &o, &d);
        profiles += d.kind >= PG_KIND_DIVER;
        eligible += (d.fina_age >= 14 && d.fina_age <= 18) ||
                    (d.hs_grad_year >= 2026 && d.hs_grad_year <= 2030);
    }
    for (int i = 0; i < PG_V_COUNT; i++) {
        CHECK(seen[i] >= 3);
        if (seen[i] < 3)
            fprintf(stderr, "  variant %s seen %d times\n", dm_pagegen_variant_name(i), seen[i]);
    }
    CHECK(big > 100 * 1024); /* long histories reach the size of real big pages */
    CHECK(total / COUNT < 20 * 1024);
    /* A realistic mix: most ids are no profile or adults; some are high-school age. */
    CHECK(profiles > COUNT / 2 && profiles < COUNT * 8 / 10);
    CHECK(eligible > COUNT / 20 && eligible < COUNT / 5);
    fprintf(stderr, "pages %d, profiles %d, eligible-looking %d, largest %zu B, mean %zu B\n",
            COUNT, profiles, eligible, big, total / COUNT);

    /* Another reference year moves the numbers only. */
    pagegen_opts later = {2030, root, -1};
    for (uint32_t id = FIRST; id < FIRST + 500; id++) {
        pagegen_desc a, b;
        dm_pagegen_describe(id, &o, &a);
        dm_pagegen_describe(id, &later, &b);
        CHECK_INT_EQ(a.kind, b.kind);
        CHECK(a.variants == b.variants);
        CHECK_INT_EQ(a.fina_age, b.fina_age);
        CHECK_INT_EQ(a.hs_grad_year < 0 ? -1 : a.hs_grad_year + 4, b.hs_grad_year);
        uint64_t v;
        size_t len;
        check_page(id, &later, root, &len, &v);
    }
    /* Id 0 is reserved for "no profile" (the server's answer to a bad number). */
    pagegen_desc z;
    dm_pagegen_describe(0, &o, &z);
    CHECK_INT_EQ(z.kind, PG_KIND_NO_PROFILE_A);
    /* The bot block can be forced (the server's --fault-403) or switched off. */
    pagegen_opts all = {2026, NULL, 1000}, none = {2026, NULL, 0};
    int blocked_none = 0;
    for (uint32_t id = 1; id < 2000; id++) {
        pagegen_desc d;
        dm_pagegen_describe(id, &all, &d);
        CHECK_INT_EQ(d.kind, PG_KIND_BLOCKED);
        dm_pagegen_describe(id, &none, &d);
        blocked_none += d.kind == PG_KIND_BLOCKED;
    }
    CHECK_INT_EQ(blocked_none, 0);
    return CHECK_DONE();
}
