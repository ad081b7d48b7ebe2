/* fuzz_divemeets.c: libFuzzer harness for the DiveMeets extractor (core/divemeets.c).
 * Any input must give a kind without crashing, leaking or tripping ASan/UBSan; the href
 * shortcut must agree with the all-gumbo path; stats = false must not change the info.
 * Build and run: tests/fuzz/run.sh SECONDS (clang -fsanitize=fuzzer,address,undefined). */
#include "divemeets.h"
#include "profile_eq.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *html = (const char *)data;
    dm_divemeets_opts o = {NULL, 0, 42, 1, 0};
    /* the first byte picks a status now and then, to cover the refusal path */
    if (size > 0 && data[0] == 0xFF)
        o.status = 403;
    dm_profile a, b, c;
    dm_divemeets_parse(html, size, &o, &a);
    o.gumbo_only = 1;
    dm_divemeets_parse(html, size, &o, &b);
    o.gumbo_only = 0;
    o.want_stats = 0;
    dm_divemeets_parse(html, size, &o, &c);
    const char *d = profile_diff(&a, &b);
    if (d != NULL) {
        fprintf(stderr, "shortcut and gumbo-only parses differ: %s\n", d);
        abort();
    }
    d = profile_bad_utf8(&a);
    if (d != NULL) {
        fprintf(stderr, "invalid UTF-8 in %s\n", d);
        abort();
    }
    if (a.kind != c.kind || !peq_str(a.info.name, c.info.name) ||
        !peq_str(a.info.gender, c.info.gender) || a.info.fina_age != c.info.fina_age ||
        c.has_stats) {
        fprintf(stderr, "stats = false changed the info\n");
        abort();
    }
    if (a.kind == DM_KIND_PROFILE &&
        (a.info.name == NULL || a.info.first_name == NULL || a.info.last_name == NULL))
        abort();
    dm_divemeets_free(&a);
    dm_divemeets_free(&b);
    dm_divemeets_free(&c);
    return 0;
}
