/* rating: the skill rating. Per event (1 m, 3 m, platform) take the best dive of groups 1-5
 * (6 too if the policy says so) and a sixth dive, the best of the groups' second-best dives;
 * sum avg_score * DD * (base - 1/times). Every choice uses one total order, so the result does
 * not depend on row order (the app's did). Owns only a scratch array for large inputs. */
#include "rating.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NGROUPS = 6, STACK_ROWS = 256 };

typedef struct candidate {
    double skill;
    double dd;
    signed char event; /* -1: not a candidate */
    signed char group; /* 1-6 */
} candidate;

void dm_rating_policy_default(dm_rating_policy *p)
{
    p->times_weight_base = 1.01;
    p->event_1m_max_height_m = 1.0;
    p->event_3m_max_height_m = 3.0;
    p->count_armstand_best = 0;
}

const char *dm_rating_policy_check(const dm_rating_policy *p)
{
    if (!(isfinite(p->times_weight_base) && p->times_weight_base >= 1.0 &&
          p->times_weight_base <= 10.0)) {
        return "times_weight_base must be a number from 1 to 10 (the app uses 1.01)";
    }
    if (!isfinite(p->event_1m_max_height_m) || !isfinite(p->event_3m_max_height_m)) {
        return "event_1m_max_height_m and event_3m_max_height_m must be finite numbers";
    }
    if (p->event_1m_max_height_m > p->event_3m_max_height_m) {
        return "event_1m_max_height_m must not be above event_3m_max_height_m";
    }
    if (p->count_armstand_best != 0 && p->count_armstand_best != 1) {
        return "count_armstand_best must be 0 or 1";
    }
    return NULL;
}

int dm_rating_event_of(const dm_rating_policy *p, double height_m)
{
    if (height_m <= p->event_1m_max_height_m) {
        return DM_RATING_1M;
    }
    if (height_m <= p->event_3m_max_height_m) {
        return DM_RATING_3M;
    }
    return DM_RATING_PLATFORM;
}

size_t dm_rating_base_len(const char *number, size_t len)
{
    if (len > 0) {
        unsigned char c = (unsigned char)number[len - 1];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
            return len - 1;
        }
    }
    return len;
}

static int same_base(const dm_rating_dive *a, const dm_rating_dive *b)
{
    size_t la = dm_rating_base_len(a->number, a->number_len);
    size_t lb = dm_rating_base_len(b->number, b->number_len);
    return la == lb && memcmp(a->number, b->number, la) == 0;
}

int dm_rating_order(const dm_rating_dive *a, double skill_a, const dm_rating_dive *b,
                    double skill_b)
{
    if (skill_a != skill_b) {
        return skill_a > skill_b ? -1 : 1;
    }
    if (a->times != b->times) {
        return a->times > b->times ? -1 : 1;
    }
    size_t n = a->number_len < b->number_len ? a->number_len : b->number_len;
    int c = memcmp(a->number, b->number, n);
    if (c != 0) {
        return c < 0 ? -1 : 1;
    }
    if (a->number_len != b->number_len) {
        return a->number_len < b->number_len ? -1 : 1;
    }
    if (a->height_m != b->height_m) {
        return a->height_m < b->height_m ? -1 : 1;
    }
    if (a->avg_score != b->avg_score) {
        return a->avg_score > b->avg_score ? -1 : 1;
    }
    return 0;
}

/* Is row i better than row j (j < 0: nothing yet)? */
static int better(const dm_rating_dive *d, const candidate *c, long i, long j)
{
    return j < 0 || dm_rating_order(&d[i], c[i].skill, &d[j], c[j].skill) < 0;
}

static void add_pick(dm_rating_event *ev, const dm_rating_policy *p, const dm_rating_dive *d,
                     const candidate *c, long row, int sixth)
{
    dm_rating_pick *pk = &ev->picks[ev->npicks++];
    pk->row = (size_t)row;
    pk->group = c[row].group;
    pk->sixth = sixth;
    pk->dd = c[row].dd;
    pk->skill = c[row].skill;
    pk->weight = p->times_weight_base - 1.0 / (double)d[row].times;
    pk->value = pk->skill * pk->weight;
    ev->value += pk->value;
}

static int classify(const dm_rating_dive *d, const dm_divetable *table, const dm_rating_policy *p,
                    candidate *c)
{
    c->event = -1;
    if (!isfinite(d->height_m)) {
        return DM_ROW_BAD_HEIGHT;
    }
    if (!isfinite(d->avg_score) || d->avg_score < 0.0) {
        return DM_ROW_BAD_SCORE;
    }
    if (d->times < 1) {
        return DM_ROW_BAD_TIMES;
    }
    if (d->number_len == 0 || d->number[0] < '1' || d->number[0] > '6') {
        return DM_ROW_NO_GROUP;
    }
    dm_dd_status st = DM_DD_UNKNOWN_CODE;
    c->dd = table ? dm_divetable_dd(table, d->number, d->number_len, d->height_m, &st) : 0.0;
    c->skill = d->avg_score * c->dd;
    if (!isfinite(c->skill)) {
        return DM_ROW_BAD_SCORE;
    }
    c->group = (signed char)(d->number[0] - '0');
    c->event = (signed char)dm_rating_event_of(p, d->height_m);
    return st == DM_DD_OK             ? DM_ROW_OK
           : st == DM_DD_UNKNOWN_CODE ? DM_ROW_UNKNOWN_CODE
                                      : DM_ROW_UNKNOWN_HEIGHT;
}

int dm_rating_compute(const dm_divetable *table, const dm_rating_policy *policy,
                      const dm_rating_dive *dives, size_t n, dm_rating_result *out,
                      unsigned char *row_status)
{
    candidate stack_buf[STACK_ROWS];
    candidate *c = stack_buf;
    long best[DM_RATING_NEVENTS][NGROUPS + 1], second[DM_RATING_NEVENTS][NGROUPS + 1];

    memset(out, 0, sizeof *out);
    out->empty = 1;
    if (dm_rating_policy_check(policy) != NULL || n > (size_t)1 << 24) {
        return -1;
    }
    if (n > STACK_ROWS && (c = malloc(n * sizeof *c)) == NULL) {
        return -1;
    }
    for (int e = 0; e < DM_RATING_NEVENTS; e++) {
        for (int g = 0; g <= NGROUPS; g++) {
            best[e][g] = second[e][g] = -1;
        }
    }

    /* Pass 1: classify every row, find the best of each event and group. */
    for (size_t i = 0; i < n; i++) {
        int st = classify(&dives[i], table, policy, &c[i]);
        if (row_status != NULL) {
            row_status[i] = (unsigned char)st;
        }
        if (st == DM_ROW_UNKNOWN_CODE) {
            out->unknown_code++;
        } else if (st == DM_ROW_UNKNOWN_HEIGHT) {
            out->unknown_height++;
        }
        if (c[i].event < 0) {
            out->ignored++;
            continue;
        }
        out->rows_used++;
        long *b = &best[c[i].event][c[i].group];
        if (better(dives, c, (long)i, *b)) {
            *b = (long)i;
        }
    }

    /* Pass 2: the second-best of each event and group, among the rows whose dive number
     * (without the position letter) differs from the best's. */
    for (size_t i = 0; i < n; i++) {
        if (c[i].event < 0) {
            continue;
        }
        long b = best[c[i].event][c[i].group];
        long *s = &second[c[i].event][c[i].group];
        if ((long)i != b && !same_base(&dives[i], &dives[b]) && better(dives, c, (long)i, *s)) {
            *s = (long)i;
        }
    }

    for (int e = 0; e < DM_RATING_NEVENTS; e++) {
        dm_rating_event *ev = &out->events[e];
        int last_group = policy->count_armstand_best ? NGROUPS : NGROUPS - 1;
        long sixth = -1;
        for (int g = 1; g <= last_group; g++) {
            if (best[e][g] >= 0) {
                add_pick(ev, policy, dives, c, best[e][g], 0);
            }
        }
        for (int g = 1; g <= NGROUPS; g++) {
            if (second[e][g] >= 0 && better(dives, c, second[e][g], sixth)) {
                sixth = second[e][g];
            }
        }
        if (sixth >= 0) {
            add_pick(ev, policy, dives, c, sixth, 1);
        }
    }

    /* Same association order as the app: ((0 + 1 m) + 3 m), (0 + platform), their sum. */
    out->springboard = 0.0 + out->events[DM_RATING_1M].value + out->events[DM_RATING_3M].value;
    out->platform = 0.0 + out->events[DM_RATING_PLATFORM].value;
    out->total = out->springboard + out->platform;
    out->empty = out->rows_used == 0;
    if (c != stack_buf) {
        free(c);
    }
    return 0;
}
