/* test_rating: the skill rating. Hand-computed ratings (arithmetic in the comments), the
 * defect-19 example in both orders, times = 0, empty input, unknown codes, the policy knobs, and
 * property tests over random tables: row-order invariance, agreement with an independent
 * sort-based oracle and with a literal model of the app's loop, monotone times weighting. */
#include "check.h"
#include "rating.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define HDR "code\tname\t1m\t3m\t5m\t7.5m\t10m\n"
#define EPS 1e-9

static dm_divetable *table_from(const char *text)
{
    char err[256] = "";
    dm_divetable *t = dm_divetable_parse(text, strlen(text), "test", err, sizeof err);
    if (t == NULL) {
        fprintf(stderr, "table: %s\n", err);
    }
    return t;
}

static dm_rating_dive dive(const char *number, double height, double avg, long times)
{
    dm_rating_dive d = {number, strlen(number), height, avg, times};
    return d;
}

static dm_rating_policy app_policy(void)
{
    dm_rating_policy p;
    dm_rating_policy_default(&p);
    return p;
}

/* The pick of event e whose row has this number, or NULL. */
static const dm_rating_pick *pick_of(const dm_rating_result *r, int e, const dm_rating_dive *d,
                                     const char *number)
{
    for (int i = 0; i < r->events[e].npicks; i++) {
        if (strcmp(d[r->events[e].picks[i].row].number, number) == 0) {
            return &r->events[e].picks[i];
        }
    }
    return NULL;
}

/* ---- hand-computed ratings ---- */

static const char small_table[] = HDR "101B\tFwd Dive Pike\t1.5\t1.6\t\t\t\n"
                                      "103B\tFwd 1.5 Som Pike\t2.0\t1.9\t\t\t\n"
                                      "103C\tFwd 1.5 Som Tuck\t2.0\t\t\t\t\n"
                                      "105B\tFwd 2.5 Som Pike\t2.5\t\t\t\t\n"
                                      "201B\tBack Dive Pike\t1.5\t\t\t\t\n"
                                      "203B\tBack 1.5 Som Pike\t2.0\t\t\t\t\n"
                                      "301B\tReverse Dive Pike\t1.6\t\t\t\t\n"
                                      "5111A\tFwd Dive 1/2 Twist\t1.8\t\t\t\t\n"
                                      "612B\tArmstand Back Som\t\t\t\t\t2.0\n"
                                      "614B\tArmstand Back Double\t\t\t\t\t2.5\n";

static void test_hand_computed(void)
{
    dm_divetable *t = table_from(small_table);
    dm_rating_policy p = app_policy();
    dm_rating_dive d[] = {
        /* 1 m. weights: 1.01 - 1/times: t2 0.51, t4 0.76, t5 0.81, t10 0.91, t100 1.00 */
        dive("101B", 1, 6.0, 10),  /* skill 6.0 x 1.5 = 9.0                              */
        dive("103B", 1, 5.0, 4),   /* skill 5.0 x 2.0 = 10.0  best of group 1 (more times)  */
        dive("105B", 1, 4.0, 2),   /* skill 4.0 x 2.5 = 10.0  group 1's second -> sixth     */
        dive("201B", 1, 6.0, 5),   /* skill 9.0               best of group 2               */
        dive("301B", 1, 5.0, 100), /* skill 8.0               best of group 3               */
        dive("5111A", 1, 5.0, 10), /* skill 9.0               best of group 5               */
        dive("107B", 1, 9.0, 3),   /* not in the table: DD 0, skill 0, counted             */
        dive("101B", 3, 30.0, 0),  /* times 0: ignored (the app divided by zero)           */
        /* 3 m */
        dive("103B", 3, 10.0, 100), /* skill 10 x 1.9 = 19.0, weight 1.00               */
        /* platform */
        dive("614B", 10, 8.0, 10), /* skill 20.0: best armstand, NOT counted by the app   */
        dive("612B", 10, 8.0, 10), /* skill 16.0: armstand second -> the sixth dive       */
        dive("101B", 5, 9.0, 7),   /* 101B has no DD at 5 m: DD 0, counted                */
    };
    size_t n = sizeof d / sizeof d[0];
    unsigned char st[sizeof d / sizeof d[0]];
    dm_rating_result r;
    CHECK_INT_EQ(dm_rating_compute(t, &p, d, n, &r, st), 0);

    /* 1 m = 103B 10 x 0.76 = 7.60
     *     + 201B  9 x 0.81 = 7.29
     *     + 301B  8 x 1.00 = 8.00
     *     + 5111A 9 x 0.91 = 8.19
     *     + sixth 105B 10 x 0.51 = 5.10 (group 1's best without number 103: 105B 10 > 101B 9)
     *     = 36.18 */
    CHECK_NUM_NEAR(r.events[DM_RATING_1M].value, 36.18, EPS);
    CHECK_INT_EQ(r.events[DM_RATING_1M].npicks, 5);
    CHECK(pick_of(&r, DM_RATING_1M, d, "103B") != NULL &&
          !pick_of(&r, DM_RATING_1M, d, "103B")->sixth);
    CHECK(pick_of(&r, DM_RATING_1M, d, "105B") != NULL &&
          pick_of(&r, DM_RATING_1M, d, "105B")->sixth);
    CHECK(pick_of(&r, DM_RATING_1M, d, "101B") == NULL);
    /* picks come group by group, the sixth last */
    CHECK_INT_EQ(r.events[DM_RATING_1M].picks[0].group, 1);
    CHECK_INT_EQ(r.events[DM_RATING_1M].picks[3].group, 5);
    CHECK_INT_EQ(r.events[DM_RATING_1M].picks[4].sixth, 1);
    /* 3 m = 103B 19 x 1.00 = 19.00 (the times-0 101B row is not a candidate) */
    CHECK_NUM_NEAR(r.events[DM_RATING_3M].value, 19.0, EPS);
    CHECK_INT_EQ(r.events[DM_RATING_3M].npicks, 1);
    /* platform: 101B@5m best of group 1 with DD 0 -> 0; 614B (group 6 best) not counted;
     * sixth = 612B 16 x 0.91 = 14.56 */
    CHECK_NUM_NEAR(r.events[DM_RATING_PLATFORM].value, 14.56, EPS);
    CHECK(pick_of(&r, DM_RATING_PLATFORM, d, "614B") == NULL);
    CHECK(pick_of(&r, DM_RATING_PLATFORM, d, "612B") != NULL &&
          pick_of(&r, DM_RATING_PLATFORM, d, "612B")->sixth);
    CHECK(pick_of(&r, DM_RATING_PLATFORM, d, "101B") != NULL &&
          pick_of(&r, DM_RATING_PLATFORM, d, "101B")->value == 0.0);
    /* springboard = 36.18 + 19.00 = 55.18; total = 55.18 + 14.56 = 69.74 */
    CHECK_NUM_NEAR(r.springboard, 55.18, EPS);
    CHECK_NUM_NEAR(r.platform, 14.56, EPS);
    CHECK_NUM_NEAR(r.total, 69.74, EPS);
    CHECK(!r.empty);
    CHECK_INT_EQ(r.unknown_code, 1);
    CHECK_INT_EQ(r.unknown_height, 1);
    CHECK_INT_EQ(r.ignored, 1);
    CHECK_INT_EQ(r.rows_used, n - 1);
    CHECK_INT_EQ(st[6], DM_ROW_UNKNOWN_CODE);
    CHECK_INT_EQ(st[7], DM_ROW_BAD_TIMES);
    CHECK_INT_EQ(st[11], DM_ROW_UNKNOWN_HEIGHT);
    CHECK_INT_EQ(st[0], DM_ROW_OK);

    /* count_armstand_best: platform adds 614B 20 x 0.91 = 18.20 -> 14.56 + 18.20 = 32.76 */
    p.count_armstand_best = 1;
    CHECK_INT_EQ(dm_rating_compute(t, &p, d, n, &r, NULL), 0);
    CHECK_NUM_NEAR(r.platform, 32.76, EPS);
    CHECK_NUM_NEAR(r.springboard, 55.18, EPS);

    /* times_weight_base 1.5: 1 m = 10x(1.5-.25) + 9x(1.5-.2) + 8x(1.5-.01) + 9x(1.5-.1)
     *   + 10x(1.5-.5) = 12.5 + 11.7 + 11.92 + 12.6 + 10 = 58.72 */
    p = app_policy();
    p.times_weight_base = 1.5;
    CHECK_INT_EQ(dm_rating_compute(t, &p, d, n, &r, NULL), 0);
    CHECK_NUM_NEAR(r.events[DM_RATING_1M].value, 58.72, EPS);

    /* event split: with event_1m_max_height_m = 0.5 the 1 m rows join the 3 m event. 3 m then
     * holds 103B@1m (10, t4) and 103B@3m (19, t100): best 103B@3m, the other shares number 103
     * so group 1's second is 105B (10, t2) -> sixth; 201B, 301B, 5111A as before:
     * 19 + 7.29 + 8.00 + 8.19 + 5.10 = 47.58; 1 m is empty. */
    p = app_policy();
    p.event_1m_max_height_m = 0.5;
    CHECK_INT_EQ(dm_rating_compute(t, &p, d, n, &r, NULL), 0);
    CHECK_INT_EQ(r.events[DM_RATING_1M].npicks, 0);
    CHECK_NUM_NEAR(r.events[DM_RATING_3M].value, 47.58, EPS);
    CHECK_NUM_NEAR(r.springboard, 47.58, EPS);

    /* a bad policy is refused and gives an empty result */
    p = app_policy();
    p.times_weight_base = 0.5;
    CHECK(dm_rating_policy_check(&p) != NULL);
    CHECK_INT_EQ(dm_rating_compute(t, &p, d, n, &r, NULL), -1);
    CHECK(r.empty && r.total == 0.0);
    p = app_policy();
    p.event_1m_max_height_m = 5;
    CHECK(dm_rating_policy_check(&p) != NULL);
    dm_divetable_free(t);
}

/* With the real table: 101B at 1 m has DD 1.3. One dive, avg 10, performed 4 times:
 * 10 x 1.3 x (1.01 - 1/4) = 13 x 0.76 = 9.88. */
static void test_real_table(void)
{
    char err[256] = "";
    dm_divetable *t = dm_divetable_load("rules/dive_table.tsv", err, sizeof err);
    CHECK(t != NULL);
    if (t == NULL) {
        fprintf(stderr, "%s\n", err);
        return;
    }
    dm_rating_policy p = app_policy();
    dm_rating_dive d[] = {dive("101B", 1, 10.0, 4)};
    dm_rating_result r;
    CHECK_INT_EQ(dm_rating_compute(t, &p, d, 1, &r, NULL), 0);
    CHECK_NUM_NEAR(r.total, 9.88, EPS);
    CHECK_INT_EQ(r.unknown_code + r.unknown_height, 0);
    dm_divetable_free(t);
}

/* ---- a literal model of the app's loop (order-dependent), for comparison ---- */

static double app_skill(const dm_divetable *t, const dm_rating_dive *d)
{
    return d->avg_score * dm_divetable_dd(t, d->number, d->number_len, d->height_m, NULL);
}

static int app_same(const dm_rating_dive *d, long a, long b) /* number[:-1] equal */
{
    return b >= 0 && d[a].number_len == d[b].number_len &&
           memcmp(d[a].number, d[b].number, d[a].number_len - 1) == 0;
}

static long app_best(const dm_divetable *t, const dm_rating_dive *d, long dv, long stored)
{
    if (stored < 0) {
        return dv;
    }
    double a = app_skill(t, &d[dv]), b = app_skill(t, &d[stored]);
    return (a > b || (a == b && d[dv].times > d[stored].times)) ? dv : stored;
}

static double app_event(const dm_divetable *t, const dm_rating_dive *d, size_t n, int event)
{
    long best[7] = {-1, -1, -1, -1, -1, -1, -1}, second[7] = {-1, -1, -1, -1, -1, -1, -1};
    for (size_t k = 0; k < n; k++) {
        long i = (long)k;
        double h = d[i].height_m;
        int e = h > 3 ? 2 : h > 1 ? 1 : 0;
        int g = d[i].number[0] - '0';
        if (e != event || g < 1 || g > 6) {
            continue;
        }
        if (best[g] < 0) {
            best[g] = i;
            continue;
        }
        double v = app_skill(t, &d[i]), cur = app_skill(t, &d[best[g]]);
        if (v > cur || (v == cur && d[i].times > d[best[g]].times)) {
            if (!app_same(d, i, best[g])) {
                second[g] = best[g];
            }
            best[g] = i;
        } else if (!app_same(d, i, best[g]) && !app_same(d, i, second[g])) {
            second[g] = app_best(t, d, i, second[g]);
        }
    }
    long sixth = -1;
    for (int g = 1; g <= 6; g++) {
        if (second[g] >= 0) {
            sixth = app_best(t, d, second[g], sixth);
        }
    }
    long final[6] = {best[1], best[2], best[3], best[4], best[5], sixth};
    double total = 0;
    for (int i = 0; i < 6; i++) {
        if (final[i] >= 0) {
            total += app_skill(t, &d[final[i]]) * (1.01 - 1.0 / (double)d[final[i]].times);
        }
    }
    return total;
}

static double app_total(const dm_divetable *t, const dm_rating_dive *d, size_t n)
{
    double springboard = 0.0, platform = 0.0;
    springboard += app_event(t, d, n, 0);
    springboard += app_event(t, d, n, 1);
    platform += app_event(t, d, n, 2);
    return springboard + platform;
}

/* Defect 19: three 1 m dives 103B, 105B, 103C with skill values 8, 10, 9 (103B 4 x 2.0,
 * 105B 4 x 2.5, 103C 4.5 x 2.0), each performed 10 times (weight 1.01 - 1/10 = 0.91).
 * The app, order [103B, 105B, 103C]: 105B replaces 103B as best and 103B becomes second; 103C
 * shares number 103 with that second, so it is never compared: (10 + 8) x 0.91 = 16.38.
 * The app, order [103C, 105B, 103B]: second 103C, 103B never compared: (10 + 9) x 0.91 = 17.29.
 * dmhost, both orders: best 105B; second = best dive of group 1 whose number is not 105 =
 * 103C (9 > 8); so 17.29 whatever the order. */
static void test_defect_19(void)
{
    dm_divetable *t = table_from(small_table);
    dm_rating_policy p = app_policy();
    dm_rating_dive a[] = {dive("103B", 1, 4.0, 10), dive("105B", 1, 4.0, 10),
                          dive("103C", 1, 4.5, 10)};
    dm_rating_dive b[] = {a[2], a[1], a[0]};
    dm_rating_result ra, rb;
    CHECK_NUM_NEAR(app_total(t, a, 3), 16.38, EPS); /* the model reproduces the note's figures */
    CHECK_NUM_NEAR(app_total(t, b, 3), 17.29, EPS);
    CHECK_INT_EQ(dm_rating_compute(t, &p, a, 3, &ra, NULL), 0);
    CHECK_INT_EQ(dm_rating_compute(t, &p, b, 3, &rb, NULL), 0);
    CHECK_NUM_NEAR(ra.total, 17.29, EPS);
    CHECK(ra.total == rb.total);
    CHECK(pick_of(&ra, DM_RATING_1M, a, "103C") != NULL &&
          pick_of(&ra, DM_RATING_1M, a, "103C")->sixth);
    CHECK(pick_of(&rb, DM_RATING_1M, b, "103C") != NULL);
    dm_divetable_free(t);
}

/* Ties: equal skill and times are broken by number, then height, then avg_score. */
static void test_ties(void)
{
    dm_divetable *t = table_from(small_table);
    dm_rating_policy p = app_policy();
    /* 103B@1m 5 x 2.0 = 10 and 105B@1m 4 x 2.5 = 10, both 3 times: "103B" < "105B" is best,
     * 105B the sixth; both orders give the same picks. */
    dm_rating_dive a[] = {dive("105B", 1, 4.0, 3), dive("103B", 1, 5.0, 3)};
    dm_rating_dive b[] = {a[1], a[0]};
    dm_rating_result ra, rb;
    dm_rating_compute(t, &p, a, 2, &ra, NULL);
    dm_rating_compute(t, &p, b, 2, &rb, NULL);
    CHECK(strcmp(a[ra.events[0].picks[0].row].number, "103B") == 0);
    CHECK(strcmp(b[rb.events[0].picks[0].row].number, "103B") == 0);
    CHECK(ra.events[0].picks[1].sixth && rb.events[0].picks[1].sixth);
    /* the order itself */
    CHECK(dm_rating_order(&a[1], 10, &a[0], 10) < 0);
    CHECK(dm_rating_order(&a[0], 10.5, &a[1], 10) < 0);
    dm_rating_dive x = dive("101B", 1, 5, 3), y = dive("101B", 3, 5, 3);
    CHECK(dm_rating_order(&x, 1, &y, 1) < 0); /* lower height first */
    dm_rating_dive u = dive("101B", 1, 6, 3), v = dive("101B", 1, 5, 3);
    CHECK(dm_rating_order(&u, 0, &v, 0) < 0); /* same skill (DD 0): higher avg first */
    CHECK(dm_rating_order(&u, 0, &u, 0) == 0);
    dm_rating_dive m = dive("101B", 1, 5, 4);
    CHECK(dm_rating_order(&m, 1, &v, 1) < 0); /* more times first */
    dm_divetable_free(t);
}

/* Empty input, all rows ignored, unknown codes only, odd rows. */
static void test_edges(void)
{
    dm_divetable *t = table_from(small_table);
    dm_rating_policy p = app_policy();
    dm_rating_result r;
    CHECK_INT_EQ(dm_rating_compute(t, &p, NULL, 0, &r, NULL), 0);
    CHECK(r.empty && r.springboard == 0.0 && r.platform == 0.0 && r.total == 0.0);

    dm_rating_dive bad[] = {dive("101B", 1, 5.0, 0),       dive("101B", 1, 5.0, -3),
                            dive("701B", 1, 5.0, 3),       dive("", 1, 5.0, 3),
                            dive("101B", 1, -1.0, 3),      dive("101B", 1, 0.0 / 0.0, 3),
                            dive("101B", 0.0 / 0.0, 5, 3), dive("105B", 1, 1e308, 3)};
    unsigned char st[8];
    CHECK_INT_EQ(dm_rating_compute(t, &p, bad, 8, &r, st), 0);
    CHECK(r.empty && r.total == 0.0);
    CHECK_INT_EQ(r.ignored, 8);
    CHECK_INT_EQ(st[0], DM_ROW_BAD_TIMES);
    CHECK_INT_EQ(st[1], DM_ROW_BAD_TIMES);
    CHECK_INT_EQ(st[2], DM_ROW_NO_GROUP);
    CHECK_INT_EQ(st[3], DM_ROW_NO_GROUP);
    CHECK_INT_EQ(st[4], DM_ROW_BAD_SCORE);
    CHECK_INT_EQ(st[5], DM_ROW_BAD_SCORE);
    CHECK_INT_EQ(st[6], DM_ROW_BAD_HEIGHT);
    CHECK_INT_EQ(st[7], DM_ROW_BAD_SCORE); /* 1e308 x 2.5 overflows to inf */

    /* only unknown dives: rated (not empty), every value 0 */
    dm_rating_dive unk[] = {dive("109B", 1, 7.0, 3), dive("101B", 7.5, 7.0, 3)};
    CHECK_INT_EQ(dm_rating_compute(t, &p, unk, 2, &r, st), 0);
    CHECK(!r.empty && r.total == 0.0);
    CHECK_INT_EQ(r.unknown_code, 1);
    CHECK_INT_EQ(r.unknown_height, 1);

    /* times 0 on what would be the best dive: the next best takes its place.
     * 105B@1m 10 x 2.5 = 25 (times 0, ignored); 103B 5 x 2 = 10 times 2: 10 x 0.51 = 5.10 */
    dm_rating_dive z[] = {dive("105B", 1, 10.0, 0), dive("103B", 1, 5.0, 2)};
    CHECK_INT_EQ(dm_rating_compute(t, &p, z, 2, &r, NULL), 0);
    CHECK_NUM_NEAR(r.total, 5.10, EPS);
    /* a dive performed once weighs 1.01 - 1 = 0.01: 10 x 0.01 = 0.10 */
    z[1].times = 1;
    CHECK_INT_EQ(dm_rating_compute(t, &p, z, 2, &r, NULL), 0);
    CHECK_NUM_NEAR(r.total, 0.10, EPS);
    /* no table at all: every dive unknown, rated 0, no crash */
    CHECK_INT_EQ(dm_rating_compute(NULL, &p, z, 2, &r, NULL), 0);
    CHECK(r.total == 0.0 && r.unknown_code == 1);
    CHECK_INT_EQ(dm_rating_base_len("105B", 4), 3);
    CHECK_INT_EQ(dm_rating_base_len("105", 3), 3);
    CHECK_INT_EQ(dm_rating_base_len("", 0), 0);
    dm_divetable_free(t);
}

/* Adding a dive can LOWER the rating: a dive performed once that beats a group's best takes
 * its place with weight 0.01. Before: 101B 5 x 1.5 = 7.5, 201B 6 x 1.5 = 9, 203B 4.25 x 2 = 8.5,
 * all 100 times (weight 1.00): 101B 7.5 + 201B 9 + sixth 203B 8.5 = 25.00.
 * Add 103B 4 x 2 = 8 performed once: group 1 best 103B 8 x 0.01 = 0.08; sixth = max(101B 7.5,
 * 203B 8.5) = 203B: 0.08 + 9 + 8.5 = 17.58. The sum of the chosen skills still grows
 * (25 -> 25.5); only that sum is monotone (see test_properties). */
static void test_adding_can_lower(void)
{
    dm_divetable *t = table_from(small_table);
    dm_rating_policy p = app_policy();
    dm_rating_dive d[] = {dive("101B", 1, 5.0, 100), dive("201B", 1, 6.0, 100),
                          dive("203B", 1, 4.25, 100), dive("103B", 1, 4.0, 1)};
    dm_rating_result r;
    dm_rating_compute(t, &p, d, 3, &r, NULL);
    CHECK_NUM_NEAR(r.total, 25.0, EPS);
    dm_rating_compute(t, &p, d, 4, &r, NULL);
    CHECK_NUM_NEAR(r.total, 17.58, EPS);
    CHECK_NUM_NEAR(app_total(t, d, 4), 17.58, EPS); /* the app does the same */
    dm_divetable_free(t);
}

/* ---- property tests over random tables ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static const double heights[] = {1, 3, 5, 7.5, 10, 0.5};
static const char letters[] = "ABCD";

/* A random table: groups 1-6, numbers g01-g09 (3 digits) and g101-g104 (4 digits), each with
 * letters A-D, DD at most heights. */
static dm_divetable *random_table(void)
{
    static char text[64 * 1024];
    size_t len = (size_t)snprintf(text, sizeof text, HDR);
    for (int g = 1; g <= 6; g++) {
        for (int k = 1; k <= 13; k++) {
            for (int l = 0; l < 4; l++) {
                len += (size_t)snprintf(text + len, sizeof text - len,
                                        k <= 9 ? "%d0%d%c\tx" : "%d1%d%c\tx", g, k <= 9 ? k : k - 9,
                                        letters[l]);
                for (int h = 0; h < 5; h++) {
                    if (rnd(6) == 0 && h < 4) { /* the 10 m column is always defined */
                        len += (size_t)snprintf(text + len, sizeof text - len, "\t");
                    } else {
                        len += (size_t)snprintf(text + len, sizeof text - len, "\t%u.%u",
                                                1 + rnd(3), rnd(10));
                    }
                }
                len += (size_t)snprintf(text + len, sizeof text - len, "\n");
            }
        }
    }
    return table_from(text);
}

typedef struct row {
    char number[8];
    dm_rating_dive d;
} row;

/* Random rows. ties != 0 draws from few values so that equal skills and times are common;
 * distinct_bases != 0 keeps every (event, dive number without letter) unique. */
static size_t random_rows(row *rows, size_t max, int ties, int distinct_bases)
{
    size_t n = 1 + rnd((uint32_t)max);
    size_t k = 0;
    for (size_t tries = 0; k < n && tries < 20 * max; tries++) {
        row *r = &rows[k];
        int g = 1 + (int)rnd(6), num = 1 + (int)rnd(13);
        if (rnd(20) == 0) {
            g = 7 + (int)rnd(2); /* no group */
        }
        snprintf(r->number, sizeof r->number, num <= 9 ? "%d0%d%c" : "%d1%d%c", g,
                 num <= 9 ? num : num - 9, rnd(25) == 0 ? 'E' : letters[rnd(4)]);
        double h = heights[rnd(rnd(8) == 0 ? 6 : 5)];
        double avg = ties ? (double)(rnd(4) * 2) : rnd(300001) / 10000.0;
        long times = ties ? 1 + (long)rnd(3) : 1 + (long)rnd(60);
        if (rnd(30) == 0) {
            times = 0;
        }
        r->d = dive(r->number, h, avg, times);
        if (distinct_bases) {
            int clash = 0;
            int ev = h > 3 ? 2 : h > 1 ? 1 : 0;
            for (size_t j = 0; j < k; j++) {
                double hj = rows[j].d.height_m;
                int ej = hj > 3 ? 2 : hj > 1 ? 1 : 0;
                clash |= ej == ev &&
                         memcmp(rows[j].number, r->number, strlen(r->number) - 1) == 0 &&
                         strlen(rows[j].number) == strlen(r->number);
            }
            if (clash || times == 0) {
                continue;
            }
        }
        k++;
    }
    return k;
}

static void to_dives(row *rows, size_t n, dm_rating_dive *d)
{
    for (size_t i = 0; i < n; i++) {
        rows[i].d.number = rows[i].number;
        d[i] = rows[i].d;
    }
}

/* Results equal in ratings and in the content of every pick (not the row index). */
static int same_result(const dm_rating_result *a, const dm_rating_dive *da,
                       const dm_rating_result *b, const dm_rating_dive *db)
{
    if (a->springboard != b->springboard || a->platform != b->platform || a->total != b->total ||
        a->empty != b->empty || a->unknown_code != b->unknown_code ||
        a->unknown_height != b->unknown_height || a->ignored != b->ignored) {
        return 0;
    }
    for (int e = 0; e < DM_RATING_NEVENTS; e++) {
        if (a->events[e].npicks != b->events[e].npicks ||
            a->events[e].value != b->events[e].value) {
            return 0;
        }
        for (int i = 0; i < a->events[e].npicks; i++) {
            const dm_rating_pick *pa = &a->events[e].picks[i], *pb = &b->events[e].picks[i];
            const dm_rating_dive *x = &da[pa->row], *y = &db[pb->row];
            if (pa->sixth != pb->sixth || pa->group != pb->group || pa->value != pb->value ||
                strcmp(x->number, y->number) != 0 || x->height_m != y->height_m ||
                x->avg_score != y->avg_score || x->times != y->times) {
                return 0;
            }
        }
    }
    return 1;
}

/* Oracle: the semantics by sorting. Rows of each event and group sorted by the total order;
 * best = first; second = first whose number without letter differs; sixth = best second. */
static const dm_rating_dive *sort_rows;
static const double *sort_skill;

static int cmp_rows(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    return dm_rating_order(&sort_rows[i], sort_skill[i], &sort_rows[j], sort_skill[j]);
}

static double oracle_total(const dm_divetable *t, const dm_rating_policy *p,
                           const dm_rating_dive *d, size_t n)
{
    double ev[3] = {0, 0, 0};
    double *skill = malloc((n + 1) * sizeof *skill);
    size_t *idx = malloc((n + 1) * sizeof *idx);
    for (size_t i = 0; i < n; i++) {
        skill[i] =
            d[i].avg_score * dm_divetable_dd(t, d[i].number, d[i].number_len, d[i].height_m, NULL);
    }
    sort_rows = d;
    sort_skill = skill;
    for (int e = 0; e < 3; e++) {
        long seconds[7];
        for (int g = 1; g <= 6; g++) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                if (d[i].times >= 1 && d[i].number[0] - '0' == g &&
                    dm_rating_event_of(p, d[i].height_m) == e) {
                    idx[m++] = i;
                }
            }
            qsort(idx, m, sizeof *idx, cmp_rows);
            seconds[g] = -1;
            if (m == 0) {
                continue;
            }
            if (g <= 5 || p->count_armstand_best) {
                ev[e] += skill[idx[0]] * (p->times_weight_base - 1.0 / (double)d[idx[0]].times);
            }
            size_t bl = dm_rating_base_len(d[idx[0]].number, d[idx[0]].number_len);
            for (size_t k = 1; k < m; k++) {
                size_t kl = dm_rating_base_len(d[idx[k]].number, d[idx[k]].number_len);
                if (kl != bl || memcmp(d[idx[k]].number, d[idx[0]].number, bl) != 0) {
                    seconds[g] = (long)idx[k];
                    break;
                }
            }
        }
        size_t m = 0;
        for (int g = 1; g <= 6; g++) {
            if (seconds[g] >= 0) {
                idx[m++] = (size_t)seconds[g];
            }
        }
        qsort(idx, m, sizeof *idx, cmp_rows);
        if (m > 0) {
            ev[e] += skill[idx[0]] * (p->times_weight_base - 1.0 / (double)d[idx[0]].times);
        }
    }
    free(skill);
    free(idx);
    return ev[0] + ev[1] + ev[2];
}

static double chosen_skill(const dm_rating_result *r, int e)
{
    double s = 0;
    for (int i = 0; i < r->events[e].npicks; i++) {
        s += r->events[e].picks[i].skill;
    }
    return s;
}

/* No two rows with the same positive skill, so the times tie-break never decides a choice
 * that matters (rows of skill 0 add 0 whichever is chosen). */
static int distinct_skills(const dm_divetable *t, const dm_rating_dive *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (app_skill(t, &d[i]) == app_skill(t, &d[j]) && app_skill(t, &d[i]) > 0) {
                return 0;
            }
        }
    }
    return 1;
}

static void test_properties(void)
{
    enum { MAXROWS = 60, TABLES = 40, CASES = 100, SHUFFLES = 20 };
    static row rows[MAXROWS + 1];
    static dm_rating_dive d[MAXROWS + 1], s[MAXROWS + 1];
    int perm_bad = 0, oracle_bad = 0, app_bad = 0, times_bad = 0, add_bad = 0, nonneg_bad = 0;
    int cases = 0, times_cases = 0;
    for (int tb = 0; tb < TABLES; tb++) {
        dm_divetable *t = random_table();
        for (int c = 0; c < CASES; c++, cases++) {
            dm_rating_policy p = app_policy();
            if (c % 4 == 3) {
                p.count_armstand_best = 1;
                p.times_weight_base = 1.2;
            }
            int ties = c % 2;
            size_t n = random_rows(rows, MAXROWS, ties, 0);
            to_dives(rows, n, d);
            dm_rating_result r, r2;
            dm_rating_compute(t, &p, d, n, &r, NULL);

            /* permutation invariance: identical ratings and picks for every shuffle */
            for (int k = 0; k < SHUFFLES; k++) {
                memcpy(s, d, n * sizeof *d);
                for (size_t i = n; i > 1; i--) {
                    size_t j = rnd((uint32_t)i);
                    dm_rating_dive tmp = s[i - 1];
                    s[i - 1] = s[j];
                    s[j] = tmp;
                }
                dm_rating_compute(t, &p, s, n, &r2, NULL);
                perm_bad += !same_result(&r, d, &r2, s);
            }
            /* the sort-based oracle agrees (within rounding: it sums in another order) */
            oracle_bad += fabs(oracle_total(t, &p, d, n) - r.total) > 1e-9;
            /* ratings are never negative (weights >= 0.01 for times >= 1, skills >= 0) */
            nonneg_bad += r.springboard < 0 || r.platform < 0;

            /* adding a dive never lowers the sum of the chosen skills of any event */
            if (n < MAXROWS) {
                row extra[1];
                random_rows(extra, 1, ties, 0);
                rows[n] = extra[0];
                to_dives(rows, n + 1, d);
                dm_rating_compute(t, &p, d, n + 1, &r2, NULL);
                for (int e = 0; e < DM_RATING_NEVENTS; e++) {
                    add_bad += chosen_skill(&r2, e) < chosen_skill(&r, e) - 1e-12;
                }
            }

            /* with distinct skills (no ties), raising one row's times never lowers an event */
            if (!ties && distinct_skills(t, d, n)) {
                to_dives(rows, n, d);
                size_t i = rnd((uint32_t)n);
                if (d[i].times < 1) {
                    d[i].times = 1; /* from 0 would be adding a candidate, not raising times */
                    dm_rating_compute(t, &p, d, n, &r, NULL);
                }
                times_cases++;
                d[i].times += 1 + (long)rnd(50);
                dm_rating_compute(t, &p, d, n, &r2, NULL);
                for (int e = 0; e < DM_RATING_NEVENTS; e++) {
                    times_bad += r2.events[e].value < r.events[e].value;
                }
            }

            /* app model: with distinct numbers per event the app's loop is order-independent
             * and dmhost gives exactly (bit for bit) the same rating */
            {
                dm_rating_policy ap = app_policy();
                n = random_rows(rows, MAXROWS, 0, 1);
                to_dives(rows, n, d);
                dm_rating_compute(t, &ap, d, n, &r, NULL);
                app_bad += app_total(t, d, n) != r.total;
            }
        }
        dm_divetable_free(t);
    }
    fprintf(stderr, "properties: %d random cases x %d shuffles; %d times-monotony cases\n", cases,
            SHUFFLES, times_cases);
    CHECK(times_cases > cases / 10);
    CHECK_INT_EQ(perm_bad, 0);
    CHECK_INT_EQ(oracle_bad, 0);
    CHECK_INT_EQ(nonneg_bad, 0);
    CHECK_INT_EQ(add_bad, 0);
    CHECK_INT_EQ(times_bad, 0);
    CHECK_INT_EQ(app_bad, 0);
}

/* More rows than the stack buffer: the heap path gives the same answer. */
static void test_many_rows(void)
{
    dm_divetable *t = random_table();
    dm_rating_policy p = app_policy();
    enum { N = 1000 };
    static row rows[N];
    static dm_rating_dive d[N];
    size_t n = 0;
    while (n < N) {
        n += random_rows(rows + n, 1, 0, 0);
    }
    to_dives(rows, n, d);
    dm_rating_result r;
    CHECK_INT_EQ(dm_rating_compute(t, &p, d, n, &r, NULL), 0);
    CHECK(fabs(oracle_total(t, &p, d, n) - r.total) <= 1e-9);
    dm_divetable_free(t);
}

int main(void)
{
    test_hand_computed();
    test_real_table();
    test_defect_19();
    test_ties();
    test_edges();
    test_adding_can_lower();
    test_properties();
    test_many_rows();
    return CHECK_DONE();
}
