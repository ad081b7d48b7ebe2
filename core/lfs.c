/* lfs.c: Lua module dm.core.fs: the few file-system calls the jobs need that Lua's io/os
 * lack: mkdir -p, stat, directory listing, and an atomic, durable file write (temporary
 * file, fsync, rename, fsync of the folder). Owns nothing beyond each call. */
#include "laux.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail_errno(lua_State *L, const char *what, const char *path)
{
    int e = errno;
    lua_pushnil(L);
    lua_pushfstring(L, "%s %s: %s", what, path, strerror(e));
    lua_pushinteger(L, e);
    return 3;
}

/* fs.mkdir_p(path) -> true | nil, message, errno */
static int fs_mkdir_p(lua_State *L)
{
    size_t len;
    const char *path = luaL_checklstring(L, 1, &len);
    luaL_Buffer b;
    char *p = luaL_buffinitsize(L, &b, len + 1);
    memcpy(p, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char saved = p[i];
        p[i] = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST)
            return fail_errno(L, "cannot create", p);
        p[i] = saved;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return fail_errno(L, "cannot create", path);
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* fs.stat(path) -> {type = "file"|"dir"|"other", size = n, mtime = s} | nil */
static int fs_stat(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    struct stat st;
    if (stat(path, &st) != 0)
        return fail_errno(L, "cannot stat", path);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "dir" : "other");
    lua_setfield(L, -2, "type");
    lua_pushinteger(L, (lua_Integer)st.st_size);
    lua_setfield(L, -2, "size");
    lua_pushinteger(L, (lua_Integer)st.st_mtime);
    lua_setfield(L, -2, "mtime");
    return 1;
}

/* fs.list(dir) -> {names...} (sorted by the caller if needed; no "." or "..") */
static int fs_list(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *d = opendir(path);
    if (d == NULL)
        return fail_errno(L, "cannot list", path);
    lua_newtable(L);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, -2, ++n);
    }
    closedir(d);
    return 1;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fs.write_atomic(path, content) -> true | nil, message, errno
 * Readers see the old file or the whole new one, never a part; the new one is on disk. */
static int fs_write_atomic(lua_State *L)
{
    size_t len;
    const char *path = luaL_checkstring(L, 1);
    const char *content = luaL_checklstring(L, 2, &len);
    const char *tmp = lua_pushfstring(L, "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        return fail_errno(L, "cannot write", tmp);
    if (write_all(fd, content, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        return fail_errno(L, "cannot write", tmp);
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return fail_errno(L, "cannot rename to", path);
    }
    /* make the rename durable: fsync the folder */
    const char *slash = strrchr(path, '/');
    const char *dir = slash ? lua_pushlstring(L, path, (size_t)(slash - path)) : ".";
    int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    lua_pushboolean(L, 1);
    return 1;
}

static const luaL_Reg fs_funcs[] = {{"mkdir_p", fs_mkdir_p},
                                    {"stat", fs_stat},
                                    {"list", fs_list},
                                    {"write_atomic", fs_write_atomic},
                                    {NULL, NULL}};

int luaopen_dm_core_fs(lua_State *L)
{
    luaL_newlib(L, fs_funcs);
    return 1;
}
