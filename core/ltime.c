/* ltime.c: dm.core.time, the Lua binding for dmtime.c: the run date in an IANA zone, epoch and
 * monotonic milliseconds, ISO-8601 UTC timestamps as AWSDateTime ("2026-12-04T20:22:49.123Z").
 * Owns nothing. Zone switching sets TZ process-wide for one call (the host is single-threaded).
 *
 *   time.now_ms() -> integer                  time.mono_ms() -> integer
 *   time.iso_utc([ms]) -> string              time.today([tz]) -> "yyyy-MM-dd" | nil, msg
 *   time.local_date(ms [, tz]) -> "yyyy-MM-dd" | nil, msg
 *   time.local_parts(ms [, tz]) -> {year, month, day, hour, min, sec, wday, yday, isdst,
 *                                   utc_offset_s} | nil, msg
 *   time.zone_exists(tz) -> boolean           time.DEFAULT_ZONE = "America/New_York"
 */
#include "dmtime.h"

#include <lauxlib.h>
#include <lua.h>

static int unknown_zone(lua_State *L, const char *tz)
{
    lua_pushnil(L);
    lua_pushfstring(
        L, "unknown time zone '%s' (no tzdata file for it; is the tzdata package installed?)", tz);
    return 2;
}

/* time.now_ms() -> integer ms since the epoch */
static int time_now_ms(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)dm_time_now_ms());
    return 1;
}

/* time.mono_ms() -> integer ms of a monotonic clock */
static int time_mono_ms(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)dm_time_mono_ms());
    return 1;
}

/* time.iso_utc([ms]) -> "yyyy-MM-ddTHH:mm:ss.SSSZ"; ms defaults to now */
static int time_iso_utc(lua_State *L)
{
    lua_Integer ms =
        lua_isnoneornil(L, 1) ? (lua_Integer)dm_time_now_ms() : luaL_checkinteger(L, 1);
    char buf[DM_TIME_ISO_LEN + 1];
    if (dm_time_iso_utc((int64_t)ms, buf) != 0)
        return luaL_argerror(L, 1, "out of the years 0..9999");
    lua_pushstring(L, buf);
    return 1;
}

/* time.local_date(ms [, tz]) -> "yyyy-MM-dd" | nil, msg */
static int time_local_date(lua_State *L)
{
    lua_Integer ms = luaL_checkinteger(L, 1);
    const char *tz = luaL_optstring(L, 2, DM_TIME_DEFAULT_ZONE);
    char buf[11];
    if (dm_time_local_date((int64_t)ms, tz, buf) != 0)
        return unknown_zone(L, tz);
    lua_pushstring(L, buf);
    return 1;
}

/* time.today([tz]) -> "yyyy-MM-dd" | nil, msg */
static int time_today(lua_State *L)
{
    const char *tz = luaL_optstring(L, 1, DM_TIME_DEFAULT_ZONE);
    char buf[11];
    if (dm_time_local_date(dm_time_now_ms(), tz, buf) != 0)
        return unknown_zone(L, tz);
    lua_pushstring(L, buf);
    return 1;
}

static void set_int(lua_State *L, const char *key, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, key);
}

/* time.local_parts(ms [, tz]) -> table | nil, msg */
static int time_local_parts(lua_State *L)
{
    lua_Integer ms = luaL_checkinteger(L, 1);
    const char *tz = luaL_optstring(L, 2, DM_TIME_DEFAULT_ZONE);
    struct tm tm;
    long offset = 0;
    if (dm_time_local((int64_t)ms, tz, &tm, &offset) != 0)
        return unknown_zone(L, tz);
    lua_createtable(L, 0, 10);
    set_int(L, "year", tm.tm_year + 1900);
    set_int(L, "month", tm.tm_mon + 1);
    set_int(L, "day", tm.tm_mday);
    set_int(L, "hour", tm.tm_hour);
    set_int(L, "min", tm.tm_min);
    set_int(L, "sec", tm.tm_sec);
    set_int(L, "wday", tm.tm_wday + 1); /* 1 = Sunday, as os.date("*t") */
    set_int(L, "yday", tm.tm_yday + 1);
    set_int(L, "utc_offset_s", offset);
    lua_pushboolean(L, tm.tm_isdst > 0);
    lua_setfield(L, -2, "isdst");
    return 1;
}

/* time.zone_exists(tz) -> boolean */
static int time_zone_exists(lua_State *L)
{
    lua_pushboolean(L, dm_time_zone_exists(luaL_checkstring(L, 1)));
    return 1;
}

static const luaL_Reg time_functions[] = {
    {"now_ms", time_now_ms},           {"mono_ms", time_mono_ms},
    {"iso_utc", time_iso_utc},         {"today", time_today},
    {"local_date", time_local_date},   {"local_parts", time_local_parts},
    {"zone_exists", time_zone_exists}, {NULL, NULL},
};

int luaopen_dm_core_time(lua_State *L)
{
    luaL_newlib(L, time_functions);
    lua_pushliteral(L, DM_TIME_DEFAULT_ZONE);
    lua_setfield(L, -2, "DEFAULT_ZONE");
    return 1;
}
