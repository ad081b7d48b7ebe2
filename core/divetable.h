/* divetable: the dive table (dive code -> name and DD per height 1, 3, 5, 7.5, 10 m), loaded from
 * the tab-separated project data file rules/dive_table.tsv, with O(1) DD lookup. Pure C, no Lua.
 * Owns: a dm_divetable and every string in it (one text buffer), freed by dm_divetable_free. */
#ifndef DM_DIVETABLE_H
#define DM_DIVETABLE_H

#include <stddef.h>

enum { DM_DIVETABLE_NHEIGHTS = 5 };

/* The table's heights in metres, in column order: 1, 3, 5, 7.5, 10. */
extern const double dm_divetable_heights_m[DM_DIVETABLE_NHEIGHTS];

typedef struct dm_dive_entry {
    const char *code; /* "101B", NUL-terminated */
    size_t code_len;
    const char *name;                 /* "Forward Dive Pike" */
    double dd[DM_DIVETABLE_NHEIGHTS]; /* 0 = not defined at that height */
    int line;                         /* line in the source file (for messages) */
} dm_dive_entry;

typedef struct dm_divetable dm_divetable;

typedef enum {
    DM_DD_OK = 0,
    DM_DD_UNKNOWN_CODE,   /* code not in the table: DD 0 */
    DM_DD_UNKNOWN_HEIGHT, /* code known, no DD at that height: DD 0 */
} dm_dd_status;

/* Load a table file. On failure returns NULL and writes "path:line: what" (or "path: what")
 * into err. */
dm_divetable *dm_divetable_load(const char *path, char *err, size_t errlen);

/* Same from memory; name is used in messages. The text is copied. */
dm_divetable *dm_divetable_parse(const char *text, size_t len, const char *name, char *err,
                                 size_t errlen);

void dm_divetable_free(dm_divetable *t);

size_t dm_divetable_count(const dm_divetable *t);    /* number of codes */
size_t dm_divetable_dd_count(const dm_divetable *t); /* number of defined code/height DDs */
const dm_dive_entry *dm_divetable_at(const dm_divetable *t, size_t i); /* file order */

/* The entry for a code (exact, case-sensitive match), or NULL. */
const dm_dive_entry *dm_divetable_find(const dm_divetable *t, const char *code, size_t len);

/* Column index of a height (exactly 1, 3, 5, 7.5 or 10), or -1. */
int dm_divetable_height_index(double height_m);

/* DD of code at height; 0 when unknown (status says why; status may be NULL). */
double dm_divetable_dd(const dm_divetable *t, const char *code, size_t len, double height_m,
                       dm_dd_status *status);

#endif
