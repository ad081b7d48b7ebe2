/* host.h: the dmhost runtime: one lua_State and one libuv loop, owned together.
 * Everything that reaches Lua from libuv or libcurl goes through dm_call_ref (laux.h),
 * which records failures here; only main.c and repl.c run the loop. */
#ifndef DM_HOST_H
#define DM_HOST_H

#include <lauxlib.h>
#include <lua.h>
#include <signal.h>
#include <uv.h>

#ifndef DM_VERSION
#define DM_VERSION "0.0.0"
#endif

typedef struct dm_host {
    lua_State *L;
    uv_loop_t loop;
    uv_idle_t tick;              /* runs the Lua scheduler's ready queue on the next loop turn */
    int tick_ref;                /* LUA_NOREF or the registered drain function */
    uv_async_t interrupt;        /* woken by SIGINT while a REPL line runs */
    int interrupt_ref;           /* Lua function called on interrupt */
    lua_State *volatile current; /* the coroutine being resumed, for the SIGINT hook */
    volatile sig_atomic_t interrupted;
    uv_signal_t signals[3]; /* SIGTERM, SIGINT, SIGHUP watched for a job (host.on_signal) */
    int signal_refs[3];     /* their Lua handlers, LUA_NOREF when not watched */
    int failed;             /* a task or callback failed: the job exits 1 */
    int exit_code;          /* set by host.exit(code); -1 when unset */
    char root[4096];        /* where lua/, jobs/, rules/ live */
} dm_host;

/* The host that owns L (any thread of it). */
dm_host *dm_host_of(lua_State *L);

int dm_host_init(dm_host *h, const char *argv0);
void dm_host_close(dm_host *h);
/* Record a failure and stop the loop; the message has already been reported. */
void dm_host_fail(dm_host *h);
/* Run the loop until nothing is pending or a failure stopped it. */
void dm_host_run(dm_host *h);
/* Install/remove the SIGINT handler that interrupts running Lua code (REPL lines). */
void dm_host_catch_sigint(dm_host *h, int on);

extern const luaL_Reg dm_preload_modules[];

#endif
