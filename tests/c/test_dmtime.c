/* test_dmtime.c: unit tests for core/dmtime.c: ISO-8601 UTC formatting, local dates across
 * New York's DST changes and midnight, unknown zones, and that TZ is restored after a call. */
#include "check.h"
#include "dmtime.h"

#include <stdlib.h>

int main(void)
{
    char iso[DM_TIME_ISO_LEN + 1];
    CHECK_INT_EQ(dm_time_iso_utc(0, iso), 0);
    CHECK_STR_EQ(iso, "1970-01-01T00:00:00.000Z");
    CHECK_INT_EQ(dm_time_iso_utc(-1, iso), 0);
    CHECK_STR_EQ(iso, "1969-12-31T23:59:59.999Z");
    CHECK_INT_EQ(dm_time_iso_utc(1796415769123LL, iso), 0);
    CHECK_STR_EQ(iso, "2026-12-04T20:22:49.123Z");
    CHECK_INT_EQ(dm_time_iso_utc(253402300800000LL, iso), -1); /* year 10000 */

    int64_t now = dm_time_now_ms();
    CHECK(now > 1700000000000LL);
    CHECK(dm_time_mono_ms() >= 0);

    if (!dm_time_zone_exists("America/New_York")) {
        fprintf(stderr, "tzdata is not installed: skipping the zone checks\n");
        return CHECK_DONE();
    }
    CHECK(dm_time_zone_exists("UTC"));
    CHECK(!dm_time_zone_exists("Nowhere/Atlantis"));
    CHECK(!dm_time_zone_exists("../etc/passwd"));
    CHECK(!dm_time_zone_exists("/etc/localtime"));
    CHECK(!dm_time_zone_exists(""));
    CHECK(!dm_time_zone_exists("America")); /* a directory, not a zone */

    char date[11];
    /* 2023-11-30T05:00:00Z is midnight EST (UTC-5): the first ms of Nov 30 in New York */
    CHECK_INT_EQ(dm_time_local_date(1701320400000LL, "America/New_York", date), 0);
    CHECK_STR_EQ(date, "2023-11-30");
    CHECK_INT_EQ(dm_time_local_date(1701320400000LL - 1, "America/New_York", date), 0);
    CHECK_STR_EQ(date, "2023-11-29");
    CHECK_INT_EQ(dm_time_local_date(1701320400000LL - 1, "UTC", date), 0);
    CHECK_STR_EQ(date, "2023-11-30");
    CHECK_INT_EQ(dm_time_local_date(0, "Nowhere/Atlantis", date), -1);

    /* Summer (EDT, UTC-4): 2026-07-01T03:59:59Z is still June 30 in New York. */
    CHECK_INT_EQ(dm_time_local_date(1782878399000LL, "America/New_York", date), 0);
    CHECK_STR_EQ(date, "2026-06-30");
    CHECK_INT_EQ(dm_time_local_date(1782878400000LL, "America/New_York", date), 0);
    CHECK_STR_EQ(date, "2026-07-01");

    struct tm tm;
    long off = 0;
    /* 2026-03-08T07:30:00Z: half an hour after the switch to EDT (03:30 local, UTC-4) */
    CHECK_INT_EQ(dm_time_local(1772955000000LL, "America/New_York", &tm, &off), 0);
    CHECK_INT_EQ(tm.tm_hour, 3);
    CHECK_INT_EQ(tm.tm_min, 30);
    CHECK_INT_EQ(off, -4 * 3600);
    CHECK(tm.tm_isdst > 0);
    /* one hour earlier it was 01:30 EST (UTC-5) */
    CHECK_INT_EQ(dm_time_local(1772951400000LL, "America/New_York", &tm, &off), 0);
    CHECK_INT_EQ(tm.tm_hour, 1);
    CHECK_INT_EQ(off, -5 * 3600);

    /* TZ is put back as it was: unset stays unset, a set value is kept. */
    unsetenv("TZ");
    dm_time_local_date(0, "Asia/Tokyo", date);
    CHECK(getenv("TZ") == NULL);
    setenv("TZ", "Europe/Paris", 1);
    CHECK_INT_EQ(dm_time_local_date(0, "Asia/Tokyo", date), 0);
    CHECK_STR_EQ(date, "1970-01-01");
    CHECK_STR_EQ(getenv("TZ"), "Europe/Paris");
    return CHECK_DONE();
}
