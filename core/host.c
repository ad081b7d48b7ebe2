/* host.c: lifecycle of the dmhost runtime: finds the project root, creates the Lua state
 * with the preloaded C modules and the package.path for lua/, runs and closes the libuv
 * loop, and turns SIGINT into a Lua interrupt for the REPL (lua.c's hook trick). */
#include "host.h"
#include "htmlfrag.h"
#include "laux.h"

#include <curl/curl.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DM_SOURCE_ROOT
#define DM_SOURCE_ROOT "."
#endif
#ifndef DM_SHARE_DIR
#define DM_SHARE_DIR "/usr/local/share/dmhost"
#endif

static dm_host *sigint_host; /* the host a SIGINT interrupts (one per process) */

dm_host *dm_host_of(lua_State *L)
{
    return *(dm_host **)lua_getextraspace(L);
}

static int has_lua_tree(const char *root)
{
    char path[4200];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/lua/dm/task.lua", root) >= (int)sizeof path)
        return 0;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The root holding lua/, jobs/ and rules/: $DMHOST_ROOT, else the installed share folder
 * next to the binary (<prefix>/bin/dmhost -> <prefix>/share/dmhost), else the source tree
 * the binary was built from. */
static void find_root(dm_host *h, const char *argv0)
{
    const char *env = getenv("DMHOST_ROOT");
    if (env != NULL && *env != '\0') {
        snprintf(h->root, sizeof h->root, "%s", env);
        return;
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        snprintf(exe, sizeof exe, "%s", argv0);
        n = (ssize_t)strlen(exe);
    }
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL) {
        *slash = '\0';
        char candidate[4096];
        int len = snprintf(candidate, sizeof candidate, "%s/../share/dmhost", exe);
        if (len < (int)sizeof candidate && has_lua_tree(candidate)) {
            snprintf(h->root, sizeof h->root, "%s", candidate);
            return;
        }
    }
    if (has_lua_tree(DM_SOURCE_ROOT))
        snprintf(h->root, sizeof h->root, "%s", DM_SOURCE_ROOT);
    else
        snprintf(h->root, sizeof h->root, "%s", DM_SHARE_DIR);
}

static void set_package_path(lua_State *L, const char *root)
{
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/lua/?.lua;%s/lua/?/init.lua;%s", root, root, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    lua_getfield(L, -1, "preload");
    for (const luaL_Reg *m = dm_preload_modules; m->func != NULL; m++) {
        lua_pushcfunction(L, m->func);
        lua_setfield(L, -2, m->name);
    }
    lua_pop(L, 2);
}

int dm_host_init(dm_host *h, const char *argv0)
{
    memset(h, 0, sizeof *h);
    h->tick_ref = LUA_NOREF;
    h->interrupt_ref = LUA_NOREF;
    for (int i = 0; i < 3; i++)
        h->signal_refs[i] = LUA_NOREF;
    h->exit_code = -1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return -1;
    if (uv_loop_init(&h->loop) != 0)
        return -1;
    h->loop.data = h;
    uv_idle_init(&h->loop, &h->tick);
    h->tick.data = h;
    h->L = luaL_newstate();
    if (h->L == NULL)
        return -1;
    *(dm_host **)lua_getextraspace(h->L) = h;
    find_root(h, argv0);
    luaL_openlibs(h->L);
    set_package_path(h->L, h->root);
    return 0;
}

static void close_any(uv_handle_t *handle, void *arg)
{
    (void)arg;
    if (!uv_is_closing(handle))
        uv_close(handle, NULL);
}

void dm_host_close(dm_host *h)
{
    dm_host_catch_sigint(h, 0);
    if (h->L != NULL) {
        lua_close(h->L); /* finalizers cancel transfers and close their handles */
        h->L = NULL;
    }
    uv_run(&h->loop, UV_RUN_NOWAIT); /* let pending close callbacks free their memory */
    uv_walk(&h->loop, close_any, NULL);
    uv_run(&h->loop, UV_RUN_DEFAULT);
    uv_loop_close(&h->loop);
    dm_arena_trim(); /* the HTML extractor's reusable chunk */
    curl_global_cleanup();
}

void dm_host_fail(dm_host *h)
{
    h->failed = 1;
    uv_stop(&h->loop);
}

void dm_host_run(dm_host *h)
{
    while (!h->failed && uv_run(&h->loop, UV_RUN_DEFAULT) != 0) {
        if (h->failed)
            break;
    }
}

/* ---- SIGINT: interrupt running Lua code, as lua.c does with a hook --------------------- */

static void interrupt_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

static void on_sigint(int sig)
{
    (void)sig;
    dm_host *h = sigint_host;
    if (h == NULL)
        return;
    int mask = LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT;
    lua_State *co = h->current;
    if (co != NULL)
        lua_sethook(co, interrupt_hook, mask, 1);
    h->interrupted = 1;
    uv_async_send(&h->interrupt);
}

static void on_interrupt(uv_async_t *a)
{
    dm_host *h = a->data;
    if (!h->interrupted)
        return;
    h->interrupted = 0;
    if (h->interrupt_ref != LUA_NOREF)
        dm_call_ref(h->L, h->interrupt_ref, 0);
}

void dm_host_catch_sigint(dm_host *h, int on)
{
    static int async_ready;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    if (on && !async_ready) {
        uv_async_init(&h->loop, &h->interrupt, on_interrupt);
        h->interrupt.data = h;
        uv_unref((uv_handle_t *)&h->interrupt); /* never keeps the loop alive by itself */
        async_ready = 1;
    }
    if (!on && sigint_host == NULL)
        return;
    sigint_host = on ? h : NULL;
    sa.sa_handler = on ? on_sigint : SIG_DFL;
    sigaction(SIGINT, &sa, NULL);
}
