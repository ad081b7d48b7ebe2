/* divetable: parse rules/dive_table.tsv into a dive table and look up DDs by code and height.
 * Owns: one copy of the file text (codes and names point into it), the entry array and an
 * open-addressing hash index over the codes (FNV-1a, power-of-two size, at most half full). */
#include "divetable.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double dm_divetable_heights_m[DM_DIVETABLE_NHEIGHTS] = {1.0, 3.0, 5.0, 7.5, 10.0};

static const char *const column_names[DM_DIVETABLE_NHEIGHTS] = {"1m", "3m", "5m", "7.5m", "10m"};

#define HEADER_LINE  "code\tname\t1m\t3m\t5m\t7.5m\t10m"
#define MAX_FIELDS   (2 + DM_DIVETABLE_NHEIGHTS)
#define MAX_FILE_LEN (16u << 20)

struct dm_divetable {
    char *buf; /* the file text, tabs and newlines replaced by NULs */
    dm_dive_entry *entries;
    size_t n, cap;
    size_t ndd;
    uint32_t *slots; /* entry index + 1; 0 = empty */
    size_t mask;     /* number of slots - 1 */
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || errlen == 0) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static uint32_t hash_code(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

static char *trim(char *s)
{
    size_t len;
    while (*s == ' ') {
        s++;
    }
    len = strlen(s);
    while (len > 0 && s[len - 1] == ' ') {
        s[--len] = '\0';
    }
    return s;
}

/* A dive code: 3-4 digits, the first 1-6, then the position letter A-D. */
static int valid_code(const char *s, size_t len)
{
    if (len < 4 || len > 5 || s[0] < '1' || s[0] > '6') {
        return 0;
    }
    for (size_t i = 1; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return s[len - 1] >= 'A' && s[len - 1] <= 'D';
}

/* "2", "2.0", "3.45" -> value. Locale-independent and exact: m / 10^k with both exactly
 * representable is the correctly rounded double, the same as strtod gives. */
static int parse_dd(const char *s, double *out)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    int64_t m = 0;
    int digits = 0, frac = -1;
    for (; *s != '\0'; s++) {
        if (*s == '.' && frac < 0) {
            frac = 0;
        } else if (*s >= '0' && *s <= '9') {
            if (++digits > 8) {
                return 0;
            }
            m = m * 10 + (*s - '0');
            if (frac >= 0) {
                frac++;
            }
        } else {
            return 0;
        }
    }
    if (digits == 0 || frac == 0) {
        return 0;
    }
    *out = (double)m / pow10[frac < 0 ? 0 : frac];
    return 1;
}

static const dm_dive_entry *lookup(const dm_divetable *t, const char *code, size_t len)
{
    size_t i = hash_code(code, len) & t->mask;
    for (;;) {
        uint32_t slot = t->slots[i];
        if (slot == 0) {
            return NULL;
        }
        const dm_dive_entry *e = &t->entries[slot - 1];
        if (e->code_len == len && memcmp(e->code, code, len) == 0) {
            return e;
        }
        i = (i + 1) & t->mask;
    }
}

/* Build the hash index; reports a duplicate code. */
static int build_index(dm_divetable *t, const char *name, char *err, size_t errlen)
{
    size_t nslots = 16;
    while (nslots < 2 * t->n) {
        nslots *= 2;
    }
    t->slots = calloc(nslots, sizeof *t->slots);
    if (t->slots == NULL) {
        set_err(err, errlen, "%s: out of memory", name);
        return 0;
    }
    t->mask = nslots - 1;
    for (size_t k = 0; k < t->n; k++) {
        const dm_dive_entry *e = &t->entries[k];
        const dm_dive_entry *dup = lookup(t, e->code, e->code_len);
        if (dup != NULL) {
            set_err(err, errlen, "%s:%d: duplicate dive code %s (first defined at line %d)", name,
                    e->line, e->code, dup->line);
            return 0;
        }
        size_t i = hash_code(e->code, e->code_len) & t->mask;
        while (t->slots[i] != 0) {
            i = (i + 1) & t->mask;
        }
        t->slots[i] = (uint32_t)(k + 1);
    }
    return 1;
}

/* Parse one data line (NUL-terminated, no newline) into a new entry. */
static int parse_line(dm_divetable *t, char *line, int lineno, const char *name, char *err,
                      size_t errlen)
{
    char *fields[MAX_FIELDS];
    int nf = 0;
    char *p = line;
    for (;;) {
        char *tab = strchr(p, '\t');
        if (nf == MAX_FIELDS) {
            set_err(err, errlen, "%s:%d: more than %d tab-separated fields", name, lineno,
                    MAX_FIELDS);
            return 0;
        }
        fields[nf++] = p;
        if (tab == NULL) {
            break;
        }
        *tab = '\0';
        p = tab + 1;
    }
    if (nf < 2) {
        set_err(err, errlen,
                "%s:%d: expected tab-separated fields: code, name, DD at 1, 3, 5, 7.5, 10 m "
                "(got 1 field; were the tabs turned into spaces?)",
                name, lineno);
        return 0;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        dm_dive_entry *grown = realloc(t->entries, cap * sizeof *grown);
        if (grown == NULL) {
            set_err(err, errlen, "%s: out of memory", name);
            return 0;
        }
        t->entries = grown;
        t->cap = cap;
    }
    dm_dive_entry *e = &t->entries[t->n];
    memset(e, 0, sizeof *e);
    e->line = lineno;
    e->code = trim(fields[0]);
    e->code_len = strlen(e->code);
    e->name = trim(fields[1]);
    if (!valid_code(e->code, e->code_len)) {
        set_err(err, errlen,
                "%s:%d: bad dive code '%s' (expected 3-4 digits, the first 1-6, then A, B, C "
                "or D, e.g. 101B)",
                name, lineno, e->code);
        return 0;
    }
    if (e->name[0] == '\0') {
        set_err(err, errlen, "%s:%d: dive %s has no name", name, lineno, e->code);
        return 0;
    }
    int defined = 0;
    for (int h = 0; h < DM_DIVETABLE_NHEIGHTS; h++) {
        const char *cell = 2 + h < nf ? trim(fields[2 + h]) : "";
        if (cell[0] == '\0') {
            continue;
        }
        double dd;
        if (!parse_dd(cell, &dd) || !(dd > 0.0 && dd < 10.0)) {
            set_err(err, errlen,
                    "%s:%d: dive %s, column %s: bad DD '%s' (a number above 0 and below 10, or "
                    "blank)",
                    name, lineno, e->code, column_names[h], cell);
            return 0;
        }
        e->dd[h] = dd;
        defined++;
    }
    if (defined == 0) {
        set_err(err, errlen, "%s:%d: dive %s has no DD at any height", name, lineno, e->code);
        return 0;
    }
    t->ndd += (size_t)defined;
    t->n++;
    return 1;
}

dm_divetable *dm_divetable_parse(const char *text, size_t len, const char *name, char *err,
                                 size_t errlen)
{
    dm_divetable *t = calloc(1, sizeof *t);
    if (name == NULL) {
        name = "dive table";
    }
    if (t == NULL || (t->buf = malloc(len + 1)) == NULL) {
        free(t);
        set_err(err, errlen, "%s: out of memory", name);
        return NULL;
    }
    memcpy(t->buf, text, len);
    t->buf[len] = '\0';
    if (memchr(t->buf, '\0', len) != NULL) {
        set_err(err, errlen, "%s: contains a NUL byte (not a text file?)", name);
        goto fail;
    }

    char *p = t->buf;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3; /* UTF-8 byte-order mark, as some spreadsheets write */
    }
    int lineno = 0, seen_header = 0;
    while (*p != '\0') {
        char *nl = strchr(p, '\n');
        char *next = nl ? nl + 1 : p + strlen(p);
        if (nl != NULL) {
            *nl = '\0';
        }
        size_t ll = strlen(p);
        while (ll > 0 && (p[ll - 1] == '\r' || p[ll - 1] == ' ')) {
            p[--ll] = '\0';
        }
        lineno++;
        if (ll == 0 || p[0] == '#' || strspn(p, " \t") == ll) {
            p = next;
            continue;
        }
        if (!seen_header) {
            if (strcmp(p, HEADER_LINE) != 0) {
                set_err(err, errlen,
                        "%s:%d: expected the column header line "
                        "'code<TAB>name<TAB>1m<TAB>3m<TAB>5m<TAB>7.5m<TAB>10m'",
                        name, lineno);
                goto fail;
            }
            seen_header = 1;
        } else if (!parse_line(t, p, lineno, name, err, errlen)) {
            goto fail;
        }
        p = next;
    }
    if (!seen_header) {
        set_err(err, errlen, "%s: no column header line (empty file?)", name);
        goto fail;
    }
    if (!build_index(t, name, err, errlen)) {
        goto fail;
    }
    return t;
fail:
    dm_divetable_free(t);
    return NULL;
}

dm_divetable *dm_divetable_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        set_err(err, errlen, "%s: cannot open the dive table: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 64 * 1024, len = 0;
    char *text = malloc(cap);
    while (text != NULL) {
        len += fread(text + len, 1, cap - len, f);
        if (len < cap || cap >= MAX_FILE_LEN) {
            break;
        }
        char *grown = realloc(text, cap * 2);
        if (grown == NULL) {
            free(text);
            text = NULL;
            break;
        }
        text = grown;
        cap *= 2;
    }
    int failed = ferror(f);
    fclose(f);
    if (text == NULL) {
        set_err(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if (failed) {
        set_err(err, errlen, "%s: read error", path);
        free(text);
        return NULL;
    }
    if (len == cap) {
        set_err(err, errlen, "%s: larger than %u bytes: not a dive table", path, MAX_FILE_LEN);
        free(text);
        return NULL;
    }
    dm_divetable *t = dm_divetable_parse(text, len, path, err, errlen);
    free(text);
    return t;
}

void dm_divetable_free(dm_divetable *t)
{
    if (t == NULL) {
        return;
    }
    free(t->slots);
    free(t->entries);
    free(t->buf);
    free(t);
}

size_t dm_divetable_count(const dm_divetable *t)
{
    return t->n;
}

size_t dm_divetable_dd_count(const dm_divetable *t)
{
    return t->ndd;
}

const dm_dive_entry *dm_divetable_at(const dm_divetable *t, size_t i)
{
    return i < t->n ? &t->entries[i] : NULL;
}

const dm_dive_entry *dm_divetable_find(const dm_divetable *t, const char *code, size_t len)
{
    return lookup(t, code, len);
}

int dm_divetable_height_index(double height_m)
{
    for (int h = 0; h < DM_DIVETABLE_NHEIGHTS; h++) {
        if (height_m == dm_divetable_heights_m[h]) {
            return h;
        }
    }
    return -1;
}

double dm_divetable_dd(const dm_divetable *t, const char *code, size_t len, double height_m,
                       dm_dd_status *status)
{
    dm_dd_status st = DM_DD_OK;
    double dd = 0.0;
    const dm_dive_entry *e = lookup(t, code, len);
    if (e == NULL) {
        st = DM_DD_UNKNOWN_CODE;
    } else {
        int h = dm_divetable_height_index(height_m);
        if (h < 0 || e->dd[h] == 0.0) {
            st = DM_DD_UNKNOWN_HEIGHT;
        } else {
            dd = e->dd[h];
        }
    }
    if (status != NULL) {
        *status = st;
    }
    return dd;
}
