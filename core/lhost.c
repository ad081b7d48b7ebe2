/* lhost.c: Lua module dm.core.host: the loop primitives the Lua scheduler (dm.task) is
 * built on: timers, the next-tick hook, resuming a coroutine with a traceback on error,
 * job failure and exit code, monotonic time, isatty. Owns the boxed uv timers. */
#include "host.h"
#include "laux.h"

#include <stdlib.h>
#include <unistd.h>

#define TIMER_MT "dm.core.host.Timer"

typedef struct timer_box {
    uv_timer_t handle; /* freed in the close callback, never in __gc */
    lua_State *L;
    int cb_ref;   /* callback, while armed */
    int self_ref; /* the userdata anchors itself while armed */
    struct timer_ud *ud;
} timer_box;

typedef struct timer_ud {
    timer_box *box; /* NULL once fired, cancelled or collected */
} timer_ud;

static void timer_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* Disarm: drop the refs and close the handle; idempotent. */
static void timer_release(timer_ud *ud)
{
    timer_box *box = ud->box;
    if (box == NULL)
        return;
    ud->box = NULL;
    dm_unref(box->L, &box->cb_ref);
    dm_unref(box->L, &box->self_ref);
    uv_timer_stop(&box->handle);
    box->handle.data = box;
    uv_close((uv_handle_t *)&box->handle, timer_closed);
}

static void on_timer(uv_timer_t *handle)
{
    timer_box *box = handle->data;
    lua_State *L = box->L;
    int ref = box->cb_ref;
    box->cb_ref = LUA_NOREF;
    timer_release(box->ud); /* before calling: the callback may arm new timers */
    dm_call_ref(L, ref, 0);
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
}

/* host.timer(ms, cb) -> Timer: calls cb() once after ms milliseconds. */
static int host_timer(lua_State *L)
{
    lua_Number ms = luaL_checknumber(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_argcheck(L, ms >= 0, 1, "delay must be >= 0");
    dm_host *h = dm_host_of(L);
    timer_ud *ud = lua_newuserdatauv(L, sizeof *ud, 0);
    ud->box = NULL;
    luaL_setmetatable(L, TIMER_MT);
    timer_box *box = malloc(sizeof *box);
    if (box == NULL)
        return luaL_error(L, "out of memory");
    uv_timer_init(&h->loop, &box->handle);
    box->handle.data = box;
    box->L = h->L;
    box->ud = ud;
    ud->box = box;
    lua_pushvalue(L, 2);
    box->cb_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, -1);
    box->self_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    uv_timer_start(&box->handle, on_timer, (uint64_t)ms, 0);
    return 1;
}

/* Timer:cancel(), __gc, __close: disarm; idempotent. */
static int timer_cancel(lua_State *L)
{
    timer_release(luaL_checkudata(L, 1, TIMER_MT));
    return 0;
}

/* host.now() -> milliseconds (float) on a monotonic clock. */
static int host_now(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)uv_hrtime() / 1e6);
    return 1;
}

static void on_tick(uv_idle_t *idle)
{
    dm_host *h = idle->data;
    uv_idle_stop(idle);
    if (h->tick_ref != LUA_NOREF)
        dm_call_ref(h->L, h->tick_ref, 0);
}

/* host.set_tick(fn): fn runs on the next loop turn after each host.wake(). */
static int host_set_tick(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    dm_host *h = dm_host_of(L);
    dm_unref(L, &h->tick_ref);
    lua_pushvalue(L, 1);
    h->tick_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

/* host.wake(): schedule the tick function for the next loop turn. */
static int host_wake(lua_State *L)
{
    dm_host *h = dm_host_of(L);
    if (!uv_is_active((uv_handle_t *)&h->tick))
        uv_idle_start(&h->tick, on_tick);
    return 0;
}

/* host.resume(co, ...) -> true, results... | false, traceback, errobj
 * Like coroutine.resume, but a dead coroutine's traceback is taken before it is reset
 * (so pending <close> handlers run), and SIGINT can reach the running coroutine. */
static int host_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co != NULL, 1, "coroutine");
    int narg = lua_gettop(L) - 1;
    if (!lua_checkstack(co, narg))
        return luaL_error(L, "too many arguments to resume");
    lua_xmove(L, co, narg);
    dm_host *h = dm_host_of(L);
    lua_State *outer = h->current;
    h->current = co;
    int nres = 0;
    int status = lua_resume(co, L, narg, &nres);
    h->current = outer;
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1))
            return luaL_error(L, "too many results to resume");
        lua_pushboolean(L, 1);
        lua_xmove(co, L, nres);
        return nres + 1;
    }
    lua_pushboolean(L, 0);
    const char *msg = lua_tostring(co, -1);
    if (msg == NULL && luaL_callmeta(co, -1, "__tostring") && lua_isstring(co, -1)) {
        msg = lua_tostring(co, -1);
        lua_remove(co, -2); /* keep the original error object below */
    }
    luaL_traceback(L, co, msg ? msg : "(error object is not a string)", 0);
    lua_xmove(co, L, 1); /* the error object */
#if LUA_VERSION_RELEASE_NUM >= 50406
    lua_closethread(co, L);
#else
    lua_resetthread(co);
#endif
    return 3;
}

/* host.fail(): mark the job failed and stop the loop (the caller reported why). */
static int host_fail(lua_State *L)
{
    dm_host_fail(dm_host_of(L));
    return 0;
}

/* host.exit(code): the exit status to use when the job ends (overrides success). */
static int host_exit(lua_State *L)
{
    dm_host_of(L)->exit_code = (int)luaL_checkinteger(L, 1);
    return 0;
}

/* host.failed() -> boolean */
static int host_failed(lua_State *L)
{
    lua_pushboolean(L, dm_host_of(L)->failed);
    return 1;
}

/* host.on_interrupt(fn | nil): fn runs (on the loop) when SIGINT interrupts a REPL line. */
static int host_on_interrupt(lua_State *L)
{
    dm_host *h = dm_host_of(L);
    dm_unref(L, &h->interrupt_ref);
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TFUNCTION);
        lua_pushvalue(L, 1);
        h->interrupt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    return 0;
}

/* host.isatty(fd) -> boolean */
static int host_isatty(lua_State *L)
{
    lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
    return 1;
}

/* host.pid() -> integer */
static int host_pid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)getpid());
    return 1;
}

/* ---- signals for jobs: SIGTERM/SIGINT/SIGHUP call a Lua function on the loop ---------- */

static const char *const signal_names[] = {"SIGTERM", "SIGINT", "SIGHUP", NULL};
static const int signal_numbers[] = {SIGTERM, SIGINT, SIGHUP};

static void on_signal(uv_signal_t *handle, int signum)
{
    dm_host *h = handle->loop->data;
    int i = (int)(handle - h->signals);
    lua_pushinteger(h->L, signum);
    dm_call_ref(h->L, h->signal_refs[i], 1);
}

/* host.on_signal(name, fn): fn(signum) runs on the loop when the signal arrives, instead of
 * the default action (name: "SIGTERM", "SIGINT" or "SIGHUP"). The watch never keeps the
 * loop alive; the host owns it (closed with the loop). */
static int host_on_signal(lua_State *L)
{
    int i = luaL_checkoption(L, 1, NULL, signal_names);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    dm_host *h = dm_host_of(L);
    if (h->signal_refs[i] == LUA_NOREF) {
        uv_signal_init(&h->loop, &h->signals[i]);
        uv_signal_start(&h->signals[i], on_signal, signal_numbers[i]);
        uv_unref((uv_handle_t *)&h->signals[i]);
    }
    dm_unref(L, &h->signal_refs[i]);
    lua_pushvalue(L, 2);
    h->signal_refs[i] = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

static const luaL_Reg host_funcs[] = {
    {"timer", host_timer},
    {"now", host_now},
    {"set_tick", host_set_tick},
    {"wake", host_wake},
    {"resume", host_resume},
    {"fail", host_fail},
    {"exit", host_exit},
    {"failed", host_failed},
    {"on_interrupt", host_on_interrupt},
    {"isatty", host_isatty},
    {"pid", host_pid},
    {"on_signal", host_on_signal},
    {NULL, NULL},
};

static const luaL_Reg timer_meta[] = {
    {"__gc", timer_cancel}, {"__close", timer_cancel}, {"__index", NULL}, {NULL, NULL}};
static const luaL_Reg timer_methods[] = {{"cancel", timer_cancel}, {NULL, NULL}};

int luaopen_dm_core_host(lua_State *L)
{
    luaL_newmetatable(L, TIMER_MT);
    luaL_setfuncs(L, timer_meta, 0);
    luaL_newlib(L, timer_methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    luaL_newlib(L, host_funcs);
    lua_pushstring(L, dm_host_of(L)->root);
    lua_setfield(L, -2, "root");
    lua_pushstring(L, DM_VERSION);
    lua_setfield(L, -2, "version");
    return 1;
}
