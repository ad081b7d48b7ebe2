/* test_lsqlite.c: dm.core.sqlite under ASan/UBSan: lifetimes (a database collected before its
 * statements, close with statements open, double close/finalize, iterators left early), and
 * error paths raising without leaks. The behaviour itself is specified in core_sqlite_spec. */
#include "check.h"

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_dm_core_sqlite(lua_State *L);

static int run(lua_State *L, const char *name, const char *code)
{
    int rc = luaL_loadbuffer(L, code, strlen(code), name);
    if (rc == LUA_OK)
        rc = lua_pcall(L, 0, 0, 0);
    if (rc != LUA_OK) {
        fprintf(stderr, "%s: %s\n", name, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return rc == LUA_OK;
}

int main(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    luaL_requiref(L, "sqlite", luaopen_dm_core_sqlite, 1);
    lua_pop(L, 1);

    CHECK(run(L, "basic",
              "local db = assert(sqlite.open(':memory:'))\n"
              "db:exec('CREATE TABLE t (a INTEGER, b TEXT)')\n"
              "local st = db:prepare('INSERT INTO t VALUES (?, ?)')\n"
              "for i = 1, 1000 do st:bind(i, ('x'):rep(i % 50)):step() end\n"
              "local n = 0\n"
              "for row in db:rows('SELECT * FROM t WHERE a > ?', 10) do n = n + 1 end\n"
              "assert(n == 990)\n"
              "st:finalize(); st:finalize(); db:close(); db:close()\n"));

    /* The database becomes garbage while statements (some mid-step) are still alive. */
    CHECK(run(L, "gc order",
              "for k = 1, 50 do\n"
              "  local db = assert(sqlite.open(':memory:'))\n"
              "  db:exec('CREATE TABLE t (a); INSERT INTO t VALUES (1), (2)')\n"
              "  local a = db:prepare('SELECT a FROM t'); a:step()\n"
              "  local b = db:prepare('SELECT a FROM t')\n"
              "  if k % 2 == 0 then db:close() end\n"
              "  db, a, b = nil, nil, nil\n"
              "end\n"
              "collectgarbage(); collectgarbage()\n"));

    /* Close with a statement open and mid-step; the statement then raises, finalize works. */
    CHECK(run(L, "close open",
              "local db = assert(sqlite.open(':memory:'))\n"
              "db:exec('CREATE TABLE t (a); INSERT INTO t VALUES (1), (2)')\n"
              "local st = db:prepare('SELECT a FROM t'); st:step()\n"
              "db:close()\n"
              "assert(not pcall(st.step, st))\n"
              "st:finalize()\n"));

    /* Iterators left early by break and by error; to-be-closed databases. */
    CHECK(run(L, "iterators",
              "local db <close> = assert(sqlite.open(':memory:'))\n"
              "db:exec('CREATE TABLE t (a); INSERT INTO t VALUES (1), (2), (3)')\n"
              "for _ = 1, 100 do\n"
              "  for r in db:rows('SELECT a FROM t') do break end\n"
              "  pcall(function() for r in db:rows('SELECT a FROM t') do\n"
              "    error('stop') end end)\n"
              "end\n"
              "db:exec('DROP TABLE t')\n"));

    /* Errors raised from every entry point leave nothing behind. */
    CHECK(run(L, "errors",
              "local db = assert(sqlite.open(':memory:'))\n"
              "db:exec('CREATE TABLE t (a PRIMARY KEY)')\n"
              "for _ = 1, 100 do\n"
              "  assert(not pcall(db.exec, db, 'NOT SQL'))\n"
              "  assert(not pcall(db.prepare, db, 'SELECT * FROM nowhere'))\n"
              "  local st = db:prepare('INSERT INTO t VALUES (?)')\n"
              "  st:bind(1):step()\n"
              "  assert(not pcall(st.step, st))\n"
              "  assert(not pcall(st.bind, st, {}))\n"
              "  assert(not pcall(st.bind, st, 1, 2))\n"
              "  db:exec('DELETE FROM t')\n"
              "end\n"
              "assert(sqlite.open('/nonexistent-dir/x.sqlite') == nil)\n"));

    lua_close(L);
    return CHECK_DONE();
}
