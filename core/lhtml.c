/* lhtml.c: Lua binding dm.core.html, a small generic HTML API for the REPL over gumbo.
 * Owns: a Document userdata holds the GumboOutput (in one arena, freed by close/__gc); Node
 * userdata are created lazily (one per node, cached in a weak table) and keep their document
 * alive through their user value. Lua sees: parse(html) -> Document; doc:select(tag [, attr
 * [, value]]), doc:root(), doc:close(); node.tag, node:text(), node:attr(name),
 * node:attrs(), node:children(), node:parent(), node:select(...). */
#include "htmlfrag.h"

#include <ctype.h>
#include <gumbo.h>
#include <lauxlib.h>
#include <lua.h>
#include <string.h>
#include <strings.h>

#define DOC_MT  "dm.core.html.Document"
#define NODE_MT "dm.core.html.Node"

typedef struct {
    GumboOutput *out; /* NULL once closed */
    dm_arena *arena;
} doc_box;

typedef struct {
    GumboNode *node;
    doc_box *doc; /* anchored by the node's user value */
} node_box;

static doc_box *check_doc(lua_State *L, int idx)
{
    doc_box *d = luaL_checkudata(L, idx, DOC_MT);
    if (d->out == NULL)
        luaL_error(L, "attempt to use a closed HTML document");
    return d;
}

static node_box *check_node(lua_State *L, int idx)
{
    node_box *n = luaL_checkudata(L, idx, NODE_MT);
    if (n->doc->out == NULL)
        luaL_error(L, "attempt to use a node of a closed HTML document");
    return n;
}

/* Pushes the (cached) Node userdata for `node` of the document at stack index `didx`. */
static void push_node(lua_State *L, int didx, GumboNode *node)
{
    if (node == NULL) {
        lua_pushnil(L);
        return;
    }
    didx = lua_absindex(L, didx);
    lua_getiuservalue(L, didx, 1); /* stack: cache */
    if (lua_rawgetp(L, -1, node) != LUA_TNIL) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    node_box *n = lua_newuserdatauv(L, sizeof *n, 1); /* stack: cache, node */
    n->node = node;
    n->doc = lua_touserdata(L, didx);
    luaL_setmetatable(L, NODE_MT);
    lua_pushvalue(L, didx);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, -3, node);
    lua_remove(L, -2);
}

/* Pushes the document userdata that owns the node at idx (its user value). */
static void push_owner(lua_State *L, int idx)
{
    lua_getiuservalue(L, idx, 1);
}

static int doc_close(lua_State *L) /* __gc, __close, doc:close(); idempotent */
{
    doc_box *d = luaL_checkudata(L, 1, DOC_MT);
    if (d->out != NULL) {
        d->out = NULL;
        dm_html_free(d->arena);
        d->arena = NULL;
    }
    return 0;
}

/* html.parse(text) -> Document */
static int html_parse(lua_State *L)
{
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    doc_box *d = lua_newuserdatauv(L, sizeof *d, 1);
    d->out = NULL;
    d->arena = NULL;
    luaL_setmetatable(L, DOC_MT);
    lua_createtable(L, 0, 0); /* node cache, weak values */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "v");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setiuservalue(L, -2, 1);
    d->out = dm_html_parse(s, len, &d->arena);
    if (d->out == NULL)
        return luaL_error(L, "dm.html.parse: out of memory");
    return 1;
}

static GumboVector *children_of(GumboNode *n)
{
    if (n->type == GUMBO_NODE_DOCUMENT)
        return &n->v.document.children;
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
        return &n->v.element.children;
    return NULL;
}

/* Iterative pre-order successor of n inside root (no recursion: deep trees are fine). */
static GumboNode *walk_next(GumboNode *root, GumboNode *n)
{
    GumboVector *ch = children_of(n);
    if (ch != NULL && ch->length > 0)
        return ch->data[0];
    while (n != root && n->parent != NULL) {
        GumboVector *sib = children_of(n->parent);
        if (n->index_within_parent + 1 < sib->length)
            return sib->data[n->index_within_parent + 1];
        n = n->parent;
    }
    return NULL;
}

/* Lower-case tag name of an element into buf. */
static const char *tag_name(GumboNode *n, char *buf, size_t cap)
{
    switch (n->type) {
    case GUMBO_NODE_DOCUMENT:
        return "#document";
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
        return "#text";
    case GUMBO_NODE_CDATA:
        return "#cdata";
    case GUMBO_NODE_COMMENT:
        return "#comment";
    default:
        break;
    }
    if (n->v.element.tag != GUMBO_TAG_UNKNOWN)
        return gumbo_normalized_tagname(n->v.element.tag);
    GumboStringPiece p = n->v.element.original_tag;
    gumbo_tag_from_original_text(&p);
    size_t len = p.length < cap - 1 ? p.length : cap - 1;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)tolower((unsigned char)p.data[i]);
    buf[len] = '\0';
    return buf;
}

static int is_element(const GumboNode *n)
{
    return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE;
}

/* Shared by doc:select and node:select: (self, tag [, attr [, value]]) -> {nodes} */
static int select_from(lua_State *L, GumboNode *root, int didx)
{
    const char *tag = luaL_checkstring(L, 2);
    const char *attr = luaL_optstring(L, 3, NULL);
    const char *value = luaL_optstring(L, 4, NULL);
    int any = strcmp(tag, "*") == 0;
    char buf[64];
    lua_newtable(L);
    lua_Integer k = 0;
    for (GumboNode *n = walk_next(root, root); n != NULL; n = walk_next(root, n)) {
        if (!is_element(n))
            continue;
        if (!any && strcasecmp(tag_name(n, buf, sizeof buf), tag) != 0)
            continue;
        if (attr != NULL) {
            GumboAttribute *a = gumbo_get_attribute(&n->v.element.attributes, attr);
            if (a == NULL || (value != NULL && strcmp(a->value, value) != 0))
                continue;
        }
        push_node(L, didx, n);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

static int doc_select(lua_State *L)
{
    doc_box *d = check_doc(L, 1);
    return select_from(L, d->out->document, 1);
}

static int doc_root(lua_State *L)
{
    doc_box *d = check_doc(L, 1);
    push_node(L, 1, d->out->root);
    return 1;
}

static int node_select(lua_State *L)
{
    node_box *n = check_node(L, 1);
    lua_settop(L, 4); /* stack: node, tag, attr, value, doc */
    push_owner(L, 1);
    select_from(L, n->node, 5);
    return 1;
}

/* node:text() -> the text of the node and all its descendants, entities decoded */
static int node_text(lua_State *L)
{
    node_box *nb = check_node(L, 1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    GumboNode *root = nb->node;
    for (GumboNode *n = root; n != NULL; n = walk_next(root, n)) {
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE ||
            n->type == GUMBO_NODE_CDATA)
            luaL_addstring(&b, n->v.text.text);
    }
    luaL_pushresult(&b);
    return 1;
}

/* node:attr(name) -> value or nil */
static int node_attr(lua_State *L)
{
    node_box *n = check_node(L, 1);
    const char *name = luaL_checkstring(L, 2);
    if (!is_element(n->node))
        return 0;
    GumboAttribute *a = gumbo_get_attribute(&n->node->v.element.attributes, name);
    if (a == NULL)
        return 0;
    lua_pushstring(L, a->value);
    return 1;
}

/* node:attrs() -> {name = value, ...} */
static int node_attrs(lua_State *L)
{
    node_box *n = check_node(L, 1);
    lua_newtable(L);
    if (is_element(n->node)) {
        GumboVector *v = &n->node->v.element.attributes;
        for (unsigned i = 0; i < v->length; i++) {
            GumboAttribute *a = v->data[i];
            lua_pushstring(L, a->value);
            lua_setfield(L, -2, a->name);
        }
    }
    return 1;
}

/* node:children() -> {nodes} (elements, text and comments, in order) */
static int node_children(lua_State *L)
{
    node_box *n = check_node(L, 1);
    push_owner(L, 1);
    int didx = lua_gettop(L);
    GumboVector *ch = children_of(n->node);
    lua_createtable(L, ch ? (int)ch->length : 0, 0);
    for (unsigned i = 0; ch != NULL && i < ch->length; i++) {
        push_node(L, didx, ch->data[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* node:parent() -> node, or nil for the document node */
static int node_parent(lua_State *L)
{
    node_box *n = check_node(L, 1);
    push_owner(L, 1);
    push_node(L, -1, n->node->parent);
    return 1;
}

static int node_tostring(lua_State *L)
{
    node_box *n = luaL_checkudata(L, 1, NODE_MT);
    char buf[64];
    if (n->doc->out == NULL)
        lua_pushliteral(L, "html node (closed document)");
    else
        lua_pushfstring(L, "html node <%s>", tag_name(n->node, buf, sizeof buf));
    return 1;
}

static const luaL_Reg node_methods[] = {
    {"text", node_text},
    {"attr", node_attr},
    {"attrs", node_attrs},
    {"children", node_children},
    {"parent", node_parent},
    {"select", node_select},
    {NULL, NULL},
};

/* node.tag, or a method */
static int node_index(lua_State *L)
{
    node_box *n = check_node(L, 1);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "tag") == 0) {
        char buf[64];
        lua_pushstring(L, tag_name(n->node, buf, sizeof buf));
        return 1;
    }
    lua_getfield(L, lua_upvalueindex(1), key);
    return 1;
}

static const luaL_Reg doc_methods[] = {
    {"select", doc_select}, {"root", doc_root}, {"close", doc_close}, {NULL, NULL}};

static const luaL_Reg html_funcs[] = {{"parse", html_parse}, {NULL, NULL}};

int luaopen_dm_core_html(lua_State *L)
{
    luaL_newmetatable(L, DOC_MT);
    luaL_newlib(L, doc_methods);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, doc_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, doc_close);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);
    luaL_newmetatable(L, NODE_MT);
    luaL_newlib(L, node_methods);
    lua_pushcclosure(L, node_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, node_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    luaL_newlib(L, html_funcs);
    return 1;
}
