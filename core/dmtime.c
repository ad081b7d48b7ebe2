/* dmtime.c: wall-clock helpers: now/monotonic ms, ISO-8601 UTC with ms, local date in an IANA
 * zone via TZ + tzset + localtime_r (TZ is restored afterwards; the host is single-threaded).
 * Owns no state between calls. */
#include "dmtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int64_t dm_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t dm_time_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* floor division (rounds towards minus infinity) */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Writes v as exactly width decimal digits (zero-padded) at p; returns p + width. */
static char *put_digits(char *p, unsigned v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* Writes "yyyy-MM-dd" (10 bytes, no terminator) at p; returns p + 10. */
static char *put_date(char *p, const struct tm *tm)
{
    p = put_digits(p, (unsigned)(tm->tm_year + 1900), 4);
    *p++ = '-';
    p = put_digits(p, (unsigned)(tm->tm_mon + 1), 2);
    *p++ = '-';
    return put_digits(p, (unsigned)tm->tm_mday, 2);
}

int dm_time_iso_utc(int64_t ms, char *out)
{
    int64_t secs = floor_div(ms, 1000);
    int millis = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        return -1;
    char *p = put_date(out, &tm);
    *p++ = 'T';
    p = put_digits(p, (unsigned)tm.tm_hour, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)tm.tm_min, 2);
    *p++ = ':';
    p = put_digits(p, (unsigned)tm.tm_sec, 2);
    *p++ = '.';
    p = put_digits(p, (unsigned)millis, 3);
    *p++ = 'Z';
    *p = '\0';
    return 0;
}

int dm_time_zone_exists(const char *tz)
{
    if (tz == NULL || tz[0] == '\0' || tz[0] == '/' || strstr(tz, "..") != NULL)
        return 0;
    for (const char *p = tz; *p; p++) {
        char c = *p;
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '_' || c == '+' || c == '-';
        if (!ok)
            return 0;
    }
    const char *dir = getenv("TZDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/usr/share/zoneinfo";
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, tz);
    if (n < 0 || (size_t)n >= sizeof path)
        return 0;
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int dm_time_local(int64_t ms, const char *tz, struct tm *out, long *offset_s)
{
    if (!dm_time_zone_exists(tz))
        return -1;
    time_t t = (time_t)floor_div(ms, 1000);

    /* Switch TZ for this call only; keep a copy of the old value (getenv's pointer dies). */
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    if (old != NULL && saved == NULL)
        return -1;
    setenv("TZ", tz, 1);
    tzset();
    struct tm *ok = localtime_r(&t, out);
    if (saved != NULL) {
        setenv("TZ", saved, 1);
        free(saved);
    } else {
        unsetenv("TZ");
    }
    tzset();
    if (ok == NULL)
        return -1;

    if (offset_s != NULL) {
        int64_t local_secs =
            days_from_civil(out->tm_year + 1900LL, out->tm_mon + 1, out->tm_mday) * 86400 +
            out->tm_hour * 3600 + out->tm_min * 60 + out->tm_sec;
        *offset_s = (long)(local_secs - (int64_t)t);
    }
    return 0;
}

int dm_time_local_date(int64_t ms, const char *tz, char *out)
{
    struct tm tm;
    if (dm_time_local(ms, tz, &tm, NULL) != 0 || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        return -1;
    *put_date(out, &tm) = '\0';
    return 0;
}
