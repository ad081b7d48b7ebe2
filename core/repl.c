/* repl.c: the REPL: readline editing and history, multi-line input (lua.c's `<eof>` test),
 * `return <line>` first so expressions print, each line run as a task by dm.repl so that
 * HTTP works at the prompt, and Ctrl-C interrupting the running line, not the REPL. */
#include "repl.h"
#include "laux.h"

#include <readline/history.h>
#include <readline/readline.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HISTORY_MAX 1000

static void history_path(char *buf, size_t n)
{
    const char *home = getenv("HOME");
    snprintf(buf, n, "%s/.dmhost_history", home ? home : ".");
}

/* Is the status/message of a failed load an unfinished chunk? (lua.c's incomplete) */
static int incomplete(lua_State *L, int status)
{
    if (status == LUA_ERRSYNTAX) {
        size_t len;
        const char *msg = lua_tolstring(L, -1, &len);
        const char *mark = "<eof>";
        size_t mlen = strlen(mark);
        if (len >= mlen && strcmp(msg + len - mlen, mark) == 0) {
            lua_pop(L, 1);
            return 1;
        }
    }
    return 0;
}

/* Compiles the chunk in buf: first as `return <buf>`, then as statements.
 * Leaves the function (status OK) or the error message on the stack. */
static int compile(lua_State *L, const char *buf)
{
    const char *ret = lua_pushfstring(L, "return %s;", buf);
    int status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
    lua_remove(L, -2);
    if (status == LUA_OK)
        return status;
    lua_pop(L, 1);
    return luaL_loadbuffer(L, buf, strlen(buf), "=stdin");
}

/* Reads one complete chunk; returns 0 at end of input. stack: -> fn | message */
static int read_chunk(lua_State *L, int *status)
{
    char *line = readline("> ");
    if (line == NULL)
        return 0;
    luaL_Buffer b;
    lua_pushstring(L, line); /* the text so far */
    free(line);
    for (;;) {
        *status = compile(L, lua_tostring(L, -1));
        if (!incomplete(L, *status))
            break;
        char *more = readline(">> ");
        if (more == NULL) {
            *status = compile(L, lua_tostring(L, -1)); /* report the real error */
            break;
        }
        luaL_buffinit(L, &b);
        lua_pushvalue(L, -2);
        luaL_addvalue(&b);
        luaL_addchar(&b, '\n');
        luaL_addstring(&b, more);
        free(more);
        luaL_pushresult(&b);
        lua_remove(L, -2);
    }
    const char *text = lua_tostring(L, -2);
    if (text != NULL && text[0] != '\0')
        add_history(text);
    lua_remove(L, -2); /* the text */
    return 1;
}

/* Calls dm.repl[name] with nargs arguments; returns its boolean result. */
static int call_repl(lua_State *L, const char *name, int nargs)
{
    lua_getglobal(L, "require");
    lua_pushliteral(L, "dm.repl");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, name);
    lua_remove(L, -2);
    lua_insert(L, -(nargs + 1));
    lua_pushcfunction(L, dm_msghandler);
    lua_insert(L, -(nargs + 2));
    int base = lua_gettop(L) - nargs - 1;
    int ok = 0;
    if (lua_pcall(L, nargs, 1, base) != LUA_OK)
        fprintf(stderr, "dmhost: %s\n", lua_tostring(L, -1));
    else
        ok = lua_toboolean(L, -1);
    lua_pop(L, 2);
    return ok;
}

int dm_repl_run(dm_host *h)
{
    lua_State *L = h->L;
    char hist[4096];
    history_path(hist, sizeof hist);
    using_history();
    read_history(hist);
    stifle_history(HISTORY_MAX);
    call_repl(L, "banner", 0);
    for (;;) {
        int status;
        if (!read_chunk(L, &status))
            break;
        if (status != LUA_OK) {
            fprintf(stderr, "%s\n", lua_tostring(L, -1));
            lua_pop(L, 1);
            continue;
        }
        /* run the chunk as a task, turning the loop until it is finished */
        h->failed = 0;
        dm_host_catch_sigint(h, 1);
        call_repl(L, "start", 1);
        while (!call_repl(L, "finished", 0)) {
            if (uv_run(&h->loop, UV_RUN_ONCE) == 0 && !call_repl(L, "finished", 0)) {
                call_repl(L, "abandon", 0);
                break;
            }
            h->failed = 0; /* a failed background task was reported; the REPL goes on */
        }
        dm_host_catch_sigint(h, 0);
        h->failed = 0;
    }
    write_history(hist);
    fputc('\n', stdout);
    return 0;
}
