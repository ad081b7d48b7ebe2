/* lsqlite.c: dm.core.sqlite, a small synchronous binding to libsqlite3 (Debian libsqlite3-dev).
 * Owns: one sqlite3 connection per Database userdata and one sqlite3_stmt per Statement
 * userdata; each has an idempotent close bound to __gc, __close and :close()/:finalize().
 * Values: integer <-> INTEGER, float <-> REAL, string <-> TEXT, nil <-> NULL (booleans bind 0/1).
 *
 * Lua API (see docs/lua-api.md):
 *   sqlite.open(path [, mode]) -> db | nil, msg, code      mode "rwc" (default), "rw", "ro"
 *   db:exec(sql) -> true                 (several statements allowed; raises on error)
 *   db:prepare(sql) -> stmt              (raises on error)
 *   db:rows(sql, ...) -> iterator        (for row in db:rows(sql, a, b) do ... end)
 *   db:changes() -> n, db:last_insert_rowid() -> n, db:busy_timeout(ms), db:close()
 *   stmt:bind(...) -> stmt, stmt:bind_named(tbl) -> stmt, stmt:step() -> row table | nil (done)
 *   stmt:reset() -> stmt, stmt:finalize()
 * Errors from SQLite other than in open raise "sqlite: <message> (SQLITE_<CODE>)".
 */
#include <lauxlib.h>
#include <lua.h>
#include <sqlite3.h>
#include <string.h>

#define DB_MT   "dm.core.sqlite.Database"
#define STMT_MT "dm.core.sqlite.Statement"

typedef struct {
    sqlite3 *db; /* NULL once closed */
} db_box;

typedef struct {
    sqlite3_stmt *stmt; /* NULL once finalized */
    db_box *owner;      /* kept alive by the statement's user value */
} stmt_box;

static db_box *check_db_any(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, DB_MT);
}

static db_box *check_db(lua_State *L, int idx)
{
    db_box *box = check_db_any(L, idx);
    if (box->db == NULL)
        luaL_error(L, "sqlite: attempt to use a closed database");
    return box;
}

static stmt_box *check_stmt(lua_State *L, int idx)
{
    stmt_box *box = luaL_checkudata(L, idx, STMT_MT);
    if (box->stmt == NULL)
        luaL_error(L, "sqlite: attempt to use a finalized statement");
    if (box->owner->db == NULL)
        luaL_error(L, "sqlite: attempt to use a statement of a closed database");
    return box;
}

/* The name of a primary result code, e.g. "SQLITE_BUSY" (extended codes map to their primary). */
static const char *code_name(int rc)
{
    static const char *const names[] = {
        "SQLITE_OK",       "SQLITE_ERROR",     "SQLITE_INTERNAL", "SQLITE_PERM",
        "SQLITE_ABORT",    "SQLITE_BUSY",      "SQLITE_LOCKED",   "SQLITE_NOMEM",
        "SQLITE_READONLY", "SQLITE_INTERRUPT", "SQLITE_IOERR",    "SQLITE_CORRUPT",
        "SQLITE_NOTFOUND", "SQLITE_FULL",      "SQLITE_CANTOPEN", "SQLITE_PROTOCOL",
        "SQLITE_EMPTY",    "SQLITE_SCHEMA",    "SQLITE_TOOBIG",   "SQLITE_CONSTRAINT",
        "SQLITE_MISMATCH", "SQLITE_MISUSE",    "SQLITE_NOLFS",    "SQLITE_AUTH",
        "SQLITE_FORMAT",   "SQLITE_RANGE",     "SQLITE_NOTADB",   "SQLITE_NOTICE",
        "SQLITE_WARNING",
    };
    int primary = rc & 0xff;
    if (primary >= 0 && primary < (int)(sizeof names / sizeof names[0]))
        return names[primary];
    return "SQLITE_UNKNOWN";
}

/* Pushes "sqlite: <errmsg> (<code name>)" for the connection's last error. */
static void push_db_error(lua_State *L, sqlite3 *db, int rc)
{
    int ext = sqlite3_extended_errcode(db);
    lua_pushfstring(L, "sqlite: %s (%s)", sqlite3_errmsg(db), code_name(ext != 0 ? ext : rc));
}

/* Raises the connection's last error. */
static int raise_db_error(lua_State *L, sqlite3 *db, int rc)
{
    push_db_error(L, db, rc);
    return lua_error(L);
}

/* sqlite.open(path [, mode]) -> db | nil, msg, code */
static int sqlite_open(lua_State *L)
{
    static const char *const modes[] = {"rwc", "rw", "ro", NULL};
    static const int flags[] = {SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, SQLITE_OPEN_READWRITE,
                                SQLITE_OPEN_READONLY};
    const char *path = luaL_checkstring(L, 1);
    int mode = luaL_checkoption(L, 2, "rwc", modes);
    /* The box exists (closed) before the connection does, as liolib's newprefile. */
    db_box *box = lua_newuserdatauv(L, sizeof *box, 0);
    box->db = NULL;
    luaL_setmetatable(L, DB_MT);
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, flags[mode] | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        lua_pushnil(L);
        lua_pushfstring(L, "%s: %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        lua_pushstring(L, code_name(rc));
        sqlite3_close_v2(db); /* accepts NULL */
        return 3;
    }
    box->db = db;
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    return 1;
}

/* db:close(); idempotent; also __gc and __close. Statements still open keep the
 * connection alive as a zombie (sqlite3_close_v2) until they are finalized. */
static int db_close(lua_State *L)
{
    db_box *box = check_db_any(L, 1);
    if (box->db != NULL) {
        sqlite3_close_v2(box->db);
        box->db = NULL;
    }
    return 0;
}

/* db:exec(sql) -> true */
static int db_exec(lua_State *L)
{
    db_box *box = check_db(L, 1);
    const char *sql = luaL_checkstring(L, 2);
    char *err = NULL;
    int rc = sqlite3_exec(box->db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        /* copy the message onto the Lua stack, free it, then raise */
        lua_pushfstring(L, "sqlite: %s (%s)", err ? err : sqlite3_errstr(rc), code_name(rc));
        sqlite3_free(err);
        return lua_error(L);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* Pushes a new Statement for sql (db at index dbidx); raises on error. */
static stmt_box *push_prepared(lua_State *L, int dbidx, const char *sql, size_t len)
{
    db_box *dbb = check_db(L, dbidx);
    stmt_box *box = lua_newuserdatauv(L, sizeof *box, 1);
    box->stmt = NULL;
    box->owner = dbb;
    luaL_setmetatable(L, STMT_MT);
    lua_pushvalue(L, dbidx);
    lua_setiuservalue(L, -2, 1); /* the statement keeps its database alive */
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(dbb->db, sql, (int)len, &box->stmt, &tail);
    if (rc != SQLITE_OK)
        raise_db_error(L, dbb->db, rc);
    if (box->stmt == NULL)
        luaL_error(L, "sqlite: no SQL statement in \"%s\"", sql);
    while (tail != NULL &&
           (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == '\r' || *tail == ';'))
        tail++;
    if (tail != NULL && *tail != '\0')
        luaL_error(L, "sqlite: prepare takes one statement; extra text: \"%s\"", tail);
    return box;
}

/* db:prepare(sql) -> stmt */
static int db_prepare(lua_State *L)
{
    size_t len;
    const char *sql = luaL_checklstring(L, 2, &len);
    push_prepared(L, 1, sql, len);
    return 1;
}

/* db:changes() -> rows changed by the last INSERT/UPDATE/DELETE */
static int db_changes(lua_State *L)
{
    lua_pushinteger(L, sqlite3_changes(check_db(L, 1)->db));
    return 1;
}

/* db:last_insert_rowid() -> rowid */
static int db_last_insert_rowid(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)sqlite3_last_insert_rowid(check_db(L, 1)->db));
    return 1;
}

/* db:busy_timeout(ms) -> db; how long a locked database is retried (default 5000 ms) */
static int db_busy_timeout(lua_State *L)
{
    db_box *box = check_db(L, 1);
    lua_Integer ms = luaL_checkinteger(L, 2);
    luaL_argcheck(L, ms >= 0 && ms <= 0x7fffffff, 2, "out of range");
    sqlite3_busy_timeout(box->db, (int)ms);
    lua_settop(L, 1);
    return 1;
}

/* db:is_open() -> boolean */
static int db_is_open(lua_State *L)
{
    lua_pushboolean(L, check_db_any(L, 1)->db != NULL);
    return 1;
}

static int db_tostring(lua_State *L)
{
    db_box *box = check_db_any(L, 1);
    if (box->db == NULL)
        lua_pushliteral(L, "sqlite database (closed)");
    else
        lua_pushfstring(L, "sqlite database (%s)", sqlite3_db_filename(box->db, "main"));
    return 1;
}

/* Binds the Lua value at idx to parameter i (1-based). */
static void bind_value(lua_State *L, stmt_box *box, int i, int idx)
{
    sqlite3_stmt *st = box->stmt;
    int rc;
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE:
        rc = sqlite3_bind_null(st, i);
        break;
    case LUA_TBOOLEAN:
        rc = sqlite3_bind_int64(st, i, lua_toboolean(L, idx));
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            rc = sqlite3_bind_int64(st, i, (sqlite3_int64)lua_tointeger(L, idx));
        else
            rc = sqlite3_bind_double(st, i, lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        rc = sqlite3_bind_text64(st, i, s, len, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    }
    default:
        luaL_error(L, "sqlite: cannot bind a %s to parameter %d", luaL_typename(L, idx), i);
        return;
    }
    if (rc != SQLITE_OK)
        raise_db_error(L, box->owner->db, rc);
}

/* Binds the values at stack indexes first..last to parameters 1..n; returns nothing. */
static void bind_range(lua_State *L, stmt_box *box, int first, int last)
{
    int n = last - first + 1;
    int count = sqlite3_bind_parameter_count(box->stmt);
    if (n > count)
        luaL_error(L, "sqlite: %d values given for %d parameters", n, count);
    sqlite3_reset(box->stmt);
    sqlite3_clear_bindings(box->stmt);
    for (int i = 0; i < n; i++)
        bind_value(L, box, i + 1, first + i);
}

/* Binds parameters by name from the table at idx: ":id", "@id" and "$id" read tbl.id;
 * "?NNN"/"?" read tbl[NNN]. Absent keys bind NULL. */
static void bind_table(lua_State *L, stmt_box *box, int idx)
{
    int count = sqlite3_bind_parameter_count(box->stmt);
    sqlite3_reset(box->stmt);
    sqlite3_clear_bindings(box->stmt);
    for (int i = 1; i <= count; i++) {
        const char *name = sqlite3_bind_parameter_name(box->stmt, i);
        if (name == NULL || name[0] == '?')
            lua_geti(L, idx, i);
        else
            lua_getfield(L, idx, name + 1);
        bind_value(L, box, i, lua_gettop(L));
        lua_pop(L, 1);
    }
}

/* stmt:bind(...) -> stmt; resets the statement; missing trailing values bind NULL */
static int stmt_bind(lua_State *L)
{
    stmt_box *box = check_stmt(L, 1);
    bind_range(L, box, 2, lua_gettop(L));
    lua_settop(L, 1);
    return 1;
}

/* stmt:bind_named(tbl) -> stmt */
static int stmt_bind_named(lua_State *L)
{
    stmt_box *box = check_stmt(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    bind_table(L, box, 2);
    lua_settop(L, 1);
    return 1;
}

/* Pushes the current row as a table keyed by column name; NULL columns are absent. */
static void push_row(lua_State *L, sqlite3_stmt *st)
{
    int n = sqlite3_column_count(st);
    lua_createtable(L, 0, n);
    for (int i = 0; i < n; i++) {
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            lua_pushinteger(L, (lua_Integer)sqlite3_column_int64(st, i));
            break;
        case SQLITE_FLOAT:
            lua_pushnumber(L, sqlite3_column_double(st, i));
            break;
        case SQLITE_TEXT:
        case SQLITE_BLOB: {
            const void *p = sqlite3_column_blob(st, i);
            int len = sqlite3_column_bytes(st, i);
            lua_pushlstring(L, p ? (const char *)p : "", (size_t)len);
            break;
        }
        default: /* SQLITE_NULL */
            continue;
        }
        lua_setfield(L, -2, sqlite3_column_name(st, i));
    }
}

/* Steps once; pushes a row (returns 1) or nothing at the end (returns 0, statement reset). */
static int step_once(lua_State *L, stmt_box *box)
{
    int rc = sqlite3_step(box->stmt);
    if (rc == SQLITE_ROW) {
        push_row(L, box->stmt);
        return 1;
    }
    if (rc == SQLITE_DONE) {
        sqlite3_reset(box->stmt); /* release locks; bindings are kept */
        return 0;
    }
    push_db_error(L, box->owner->db, rc); /* before reset, which may change the message */
    sqlite3_reset(box->stmt);
    return lua_error(L);
}

/* stmt:step() -> row table | nil when done */
static int stmt_step(lua_State *L)
{
    stmt_box *box = check_stmt(L, 1);
    if (step_once(L, box))
        return 1;
    lua_pushnil(L);
    return 1;
}

/* stmt:reset() -> stmt; bindings are kept */
static int stmt_reset(lua_State *L)
{
    stmt_box *box = check_stmt(L, 1);
    sqlite3_reset(box->stmt);
    lua_settop(L, 1);
    return 1;
}

/* stmt:finalize(); idempotent; also __gc and __close */
static int stmt_finalize(lua_State *L)
{
    stmt_box *box = luaL_checkudata(L, 1, STMT_MT);
    if (box->stmt != NULL) {
        sqlite3_finalize(box->stmt);
        box->stmt = NULL;
    }
    return 0;
}

static int stmt_tostring(lua_State *L)
{
    stmt_box *box = luaL_checkudata(L, 1, STMT_MT);
    if (box->stmt == NULL)
        lua_pushliteral(L, "sqlite statement (finalized)");
    else
        lua_pushfstring(L, "sqlite statement (%s)", sqlite3_sql(box->stmt));
    return 1;
}

/* The iterator of db:rows: upvalue 1 is the statement; finalizes it at the end. */
static int rows_next(lua_State *L)
{
    stmt_box *box = luaL_checkudata(L, lua_upvalueindex(1), STMT_MT);
    if (box->stmt == NULL)
        return 0;
    if (box->owner->db == NULL)
        return luaL_error(L, "sqlite: attempt to use a statement of a closed database");
    int rc = sqlite3_step(box->stmt);
    if (rc == SQLITE_ROW) {
        push_row(L, box->stmt);
        return 1;
    }
    if (rc != SQLITE_DONE)
        push_db_error(L, box->owner->db, rc);
    sqlite3_finalize(box->stmt);
    box->stmt = NULL;
    if (rc == SQLITE_DONE)
        return 0;
    return lua_error(L);
}

/* db:rows(sql, ...) -> iterator, nil, nil, stmt (the 4th value closes the statement when a
 * generic for is left early). One table argument binds by name, otherwise by position. */
static int db_rows(lua_State *L)
{
    size_t len;
    const char *sql = luaL_checklstring(L, 2, &len);
    int top = lua_gettop(L);
    stmt_box *box = push_prepared(L, 1, sql, len); /* stack: db, sql, args..., stmt */
    if (top == 3 && lua_istable(L, 3))
        bind_table(L, box, 3);
    else if (top >= 3)
        bind_range(L, box, 3, top);
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, rows_next, 1); /* stack: ..., stmt, iter */
    lua_pushnil(L);
    lua_pushnil(L);
    lua_pushvalue(L, -4); /* the statement as the to-be-closed value */
    return 4;
}

static const luaL_Reg db_methods[] = {
    {"exec", db_exec},
    {"prepare", db_prepare},
    {"rows", db_rows},
    {"changes", db_changes},
    {"last_insert_rowid", db_last_insert_rowid},
    {"busy_timeout", db_busy_timeout},
    {"is_open", db_is_open},
    {"close", db_close},
    {NULL, NULL},
};

static const luaL_Reg db_meta[] = {
    {"__gc", db_close}, {"__close", db_close}, {"__tostring", db_tostring},
    {"__index", NULL},  {NULL, NULL},
};

static const luaL_Reg stmt_methods[] = {
    {"bind", stmt_bind},   {"bind_named", stmt_bind_named}, {"step", stmt_step},
    {"reset", stmt_reset}, {"finalize", stmt_finalize},     {"close", stmt_finalize},
    {NULL, NULL},
};

static const luaL_Reg stmt_meta[] = {
    {"__gc", stmt_finalize},
    {"__close", stmt_finalize},
    {"__tostring", stmt_tostring},
    {"__index", NULL},
    {NULL, NULL},
};

static void create_meta(lua_State *L, const char *name, const luaL_Reg *meta,
                        const luaL_Reg *methods)
{
    luaL_newmetatable(L, name);
    luaL_setfuncs(L, meta, 0);
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

static const luaL_Reg sqlite_functions[] = {
    {"open", sqlite_open},
    {NULL, NULL},
};

int luaopen_dm_core_sqlite(lua_State *L)
{
    create_meta(L, DB_MT, db_meta, db_methods);
    create_meta(L, STMT_MT, stmt_meta, stmt_methods);
    luaL_newlib(L, sqlite_functions);
    lua_pushstring(L, sqlite3_libversion());
    lua_setfield(L, -2, "version");
    return 1;
}
