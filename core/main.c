/* main.c: the dmhost command line, shaped like lua.c: options, the `arg` table, the script
 * or -e chunk run as the first task on the loop, the REPL when stdin is a terminal.
 * Exit codes: 0 success, 1 the job failed, 2 usage error. Everything runs under pcall. */
#include "host.h"
#include "laux.h"
#include "repl.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define EXIT_JOB_FAILED 1
#define EXIT_USAGE      2

static const char *progname = "dmhost";

static void print_usage(FILE *out)
{
    fprintf(out,
            "usage: %s [options] [script [args...]]\n"
            "Runs a Lua 5.4 job on dmhost's event loop (HTTP, HTML, DiveMeets, rating).\n"
            "\n"
            "  script      a Lua file, run as the first task; '-' reads it from stdin\n"
            "  -e CODE     run CODE (a chunk) instead of, or before, a script\n"
            "  -i          open the REPL after running the script or -e chunk\n"
            "  -v, --version  print the version and exit\n"
            "  -h, --help     print this help and exit\n"
            "  --          stop handling options\n"
            "\n"
            "With no script and a terminal on stdin, opens the REPL. The script gets `arg` as\n"
            "in lua: arg[0] is the script, arg[1..n] its arguments.\n"
            "Examples:\n"
            "  %s jobs/weekly.lua --help\n"
            "  %s -e 'print(require(\"dm.http\").get(\"https://example.org/\").status)'\n"
            "Exit status: 0 success, 1 the job failed, 2 usage error.\n",
            progname, progname, progname);
}

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "%s: ", progname);
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\ntry '%s --help' for more information\n", progname);
    return EXIT_USAGE;
}

typedef struct options {
    const char *code; /* -e */
    int interactive;  /* -i */
    int version, help;
    int script; /* index of the script in argv, 0 if none */
} options;

/* Returns -1 when fine, or an exit code. */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || strcmp(a, "-") == 0)
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-e") == 0) {
            if (i + 1 >= argc)
                return usage_error("'%s' needs an argument", a);
            o->code = argv[++i];
        } else if (strcmp(a, "-i") == 0) {
            o->interactive = 1;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--version") == 0) {
            o->version = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            o->help = 1;
        } else {
            return usage_error("unknown option '%s'", a);
        }
    }
    o->script = i < argc ? i : 0;
    return -1;
}

/* arg table as lua.c builds it: script at 0, its arguments after, options before. */
static void create_arg_table(lua_State *L, int argc, char **argv, int script)
{
    int base = script ? script : argc;
    lua_createtable(L, argc - base, base + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - base);
    }
    lua_setglobal(L, "arg");
}

/* Runs the function on top of the stack as the main task with nargs arguments below it;
 * returns the exit code. stack: fn, args -> (empty) */
static int run_main_task(dm_host *h, int nargs)
{
    lua_State *L = h->L;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "dm.task");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "run_main");
    lua_rotate(L, -(nargs + 3), 2); /* stack: task, run_main, fn, args */
    lua_call(L, nargs + 1, 1);      /* stack: task, t */
    dm_host_run(h);
    lua_getfield(L, -2, "exit_code");
    lua_insert(L, -2);
    lua_call(L, 1, 1);
    int code = (int)lua_tointeger(L, -1);
    lua_pop(L, 2);
    if (code == 0 && h->exit_code > 0)
        code = h->exit_code;
    return code;
}

static int report_load_error(lua_State *L)
{
    fprintf(stderr, "%s: %s\n", progname, lua_tostring(L, -1));
    lua_pop(L, 1);
    return EXIT_JOB_FAILED;
}

static int run_script(dm_host *h, int argc, char **argv, int script)
{
    lua_State *L = h->L;
    const char *fname = argv[script];
    if (strcmp(fname, "-") == 0) {
        fname = NULL; /* stdin */
    } else if (access(fname, R_OK) != 0) {
        fprintf(stderr, "%s: cannot open script '%s': %s\n", progname, fname, strerror(errno));
        return EXIT_USAGE;
    }
    if (luaL_loadfile(L, fname) != LUA_OK)
        return report_load_error(L);
    int nargs = argc - script - 1;
    luaL_checkstack(L, nargs, "too many arguments to script");
    for (int i = script + 1; i < argc; i++)
        lua_pushstring(L, argv[i]);
    return run_main_task(h, nargs);
}

typedef struct pmain_args {
    dm_host *h;
    int argc;
    char **argv;
    int status;
} pmain_args;

static int pmain(lua_State *L)
{
    pmain_args *pa = lua_touserdata(L, 1);
    lua_pop(L, 1);
    dm_host *h = pa->h;
    options o;
    int rc = parse_args(pa->argc, pa->argv, &o);
    if (rc >= 0) {
        pa->status = rc;
        return 0;
    }
    if (o.help) {
        print_usage(stdout);
        pa->status = 0;
        return 0;
    }
    if (o.version) {
        printf("dmhost %s (%s, libuv %s)\n", DM_VERSION, LUA_RELEASE, uv_version_string());
        pa->status = 0;
        return 0;
    }
    create_arg_table(L, pa->argc, pa->argv, o.script);
    pa->status = 0;
    if (o.code != NULL) {
        if (luaL_loadbuffer(L, o.code, strlen(o.code), "=(command line)") != LUA_OK) {
            pa->status = report_load_error(L);
            return 0;
        }
        pa->status = run_main_task(h, 0);
    }
    if (pa->status == 0 && o.script)
        pa->status = run_script(h, pa->argc, pa->argv, o.script);
    if (pa->status == 0 && (o.interactive || (o.script == 0 && o.code == NULL))) {
        if (isatty(STDIN_FILENO))
            pa->status = dm_repl_run(h);
        else if (!o.interactive && luaL_loadfile(L, NULL) == LUA_OK)
            pa->status = run_main_task(h, 0); /* like lua: no tty, run stdin */
        else if (!o.interactive)
            pa->status = report_load_error(L);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static dm_host host;
    if (dm_host_init(&host, argv[0]) != 0) {
        fprintf(stderr, "%s: cannot initialise the runtime (out of memory?)\n", progname);
        return EXIT_JOB_FAILED;
    }
    lua_State *L = host.L;
    pmain_args pa = {&host, argc, argv, EXIT_JOB_FAILED};
    lua_pushcfunction(L, dm_msghandler);
    lua_pushcfunction(L, pmain);
    lua_pushlightuserdata(L, &pa);
    if (lua_pcall(L, 1, 0, 1) != LUA_OK) {
        fprintf(stderr, "%s: %s\n", progname, lua_tostring(L, -1));
        pa.status = EXIT_JOB_FAILED;
    }
    fflush(stdout);
    dm_host_close(&host);
    return pa.status;
}
