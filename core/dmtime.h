/* dmtime.h: wall-clock helpers for the run date and record timestamps (pure C, no lua.h).
 * Local time in an IANA zone uses the system tzdata (/usr/share/zoneinfo, or $TZDIR) by
 * switching TZ for the duration of one call: process-wide, so single-threaded use only. */
#ifndef DM_DMTIME_H
#define DM_DMTIME_H

#include <stdint.h>
#include <time.h>

#define DM_TIME_DEFAULT_ZONE "America/New_York"
#define DM_TIME_ISO_LEN      24 /* "2026-12-04T20:22:49.123Z" */

/* Milliseconds since the Unix epoch (CLOCK_REALTIME). */
int64_t dm_time_now_ms(void);

/* Milliseconds of CLOCK_MONOTONIC, for durations. */
int64_t dm_time_mono_ms(void);

/* Writes ms as "yyyy-MM-ddTHH:mm:ss.SSSZ" (UTC) into out (at least DM_TIME_ISO_LEN + 1 bytes).
 * Returns 0, or -1 if the year is outside 0..9999. */
int dm_time_iso_utc(int64_t ms, char *out);

/* 1 if tz names a zone file under the tzdata directory ("America/New_York", "UTC"), else 0.
 * Names with "..", a leading '/' or characters outside [A-Za-z0-9/_+-] are refused. */
int dm_time_zone_exists(const char *tz);

/* Breaks ms down in zone tz into *out (tm_year etc. as localtime_r) and the UTC offset in
 * seconds into *offset_s (may be NULL). Returns 0, or -1 if the zone is unknown. */
int dm_time_local(int64_t ms, const char *tz, struct tm *out, long *offset_s);

/* Writes the local date of ms in tz as "yyyy-MM-dd" into out (at least 11 bytes).
 * Returns 0, or -1 if the zone is unknown. */
int dm_time_local_date(int64_t ms, const char *tz, char *out);

#endif
