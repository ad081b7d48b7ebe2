/* laux.h: small helpers shared by the Lua bindings: the traceback message handler,
 * anchoring values in the registry, and the one protected entry from libuv/libcurl
 * callbacks into Lua (dm_call_ref), which reports errors and fails the job. */
#ifndef DM_LAUX_H
#define DM_LAUX_H

#include <lauxlib.h>
#include <lua.h>

/* Message handler for lua_pcall: appends a traceback; uses __tostring for non-strings. */
int dm_msghandler(lua_State *L);

/* Pops nargs values and calls the function stored at ref with them, protected.
 * An error is printed with its traceback and fails the job. Returns 1 if it ran cleanly. */
int dm_call_ref(lua_State *L, int ref, int nargs);

/* Pushes nil, message, code: the convention for failures of the outside world. */
int dm_pushfail(lua_State *L, const char *message, const char *code);

/* Unref and set the slot to LUA_NOREF (idempotent). */
void dm_unref(lua_State *L, int *ref);

#endif
