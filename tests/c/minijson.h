/* minijson.h: a minimal JSON reader for the C tests (the generator's truth JSON and
 * ../shared/reference/diveTable.json): jdecode(text) -> tree or NULL, jget/jstr/jint to
 * read it, jv_free. Strings are UTF-8; numbers are doubles. Header-only. */
#ifndef DM_MINIJSON_H
#define DM_MINIJSON_H

#include <stdlib.h>
#include <string.h>

typedef struct jv {
    char t; /* o a s n b z */
    double num;
    char *str;
    int n;
    char **keys;
    struct jv **vals;
} jv;

static inline void jv_free(jv *v)
{
    if (v == NULL)
        return;
    for (int i = 0; i < v->n; i++) {
        if (v->keys)
            free(v->keys[i]);
        jv_free(v->vals[i]);
    }
    free(v->keys);
    free(v->vals);
    free(v->str);
    free(v);
}

static inline void ws(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\r' || **p == '\t')
        (*p)++;
}

static inline char *jstring(const char **p) /* at '"'; returns malloc'd UTF-8 or NULL */
{
    size_t cap = 64, n = 0;
    char *s = malloc(cap);
    (*p)++;
    while (**p != '"') {
        unsigned ch = (unsigned char)**p;
        if (ch == 0 || ch < 0x20) {
            free(s);
            return NULL;
        }
        if (n + 8 > cap)
            s = realloc(s, cap *= 2);
        if (ch == '\\') {
            (*p)++;
            char e = **p;
            if (e == 'u') {
                unsigned cp =
                    (unsigned)strtoul((char[5]){(*p)[1], (*p)[2], (*p)[3], (*p)[4], 0}, NULL, 16);
                *p += 4;
                if (cp < 0x80) {
                    s[n++] = (char)cp;
                } else if (cp < 0x800) {
                    s[n++] = (char)(0xC0 | cp >> 6);
                    s[n++] = (char)(0x80 | (cp & 0x3F));
                } else {
                    s[n++] = (char)(0xE0 | cp >> 12);
                    s[n++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                    s[n++] = (char)(0x80 | (cp & 0x3F));
                }
            } else {
                const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
                const char *k = strchr(from, e);
                if (k == NULL || e == 0) {
                    free(s);
                    return NULL;
                }
                s[n++] = to[k - from];
            }
            (*p)++;
        } else {
            s[n++] = (char)ch;
            (*p)++;
        }
    }
    (*p)++;
    s[n] = '\0';
    return s;
}

static inline jv *jparse(const char **p, int depth)
{
    ws(p);
    if (depth > 64)
        return NULL;
    jv *v = calloc(1, sizeof *v);
    char c = **p;
    if (c == '{' || c == '[') {
        v->t = c == '{' ? 'o' : 'a';
        (*p)++;
        ws(p);
        if (**p == (c == '{' ? '}' : ']')) {
            (*p)++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            if (v->t == 'o') {
                ws(p);
                if (**p != '"' || (key = jstring(p)) == NULL)
                    goto bad;
                ws(p);
                if (*(*p)++ != ':') {
                    free(key);
                    goto bad;
                }
            }
            jv *item = jparse(p, depth + 1);
            if (item == NULL) {
                free(key);
                goto bad;
            }
            v->vals = realloc(v->vals, sizeof *v->vals * (size_t)(v->n + 1));
            if (v->t == 'o')
                v->keys = realloc(v->keys, sizeof *v->keys * (size_t)(v->n + 1));
            if (v->t == 'o')
                v->keys[v->n] = key;
            v->vals[v->n++] = item;
            ws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (**p == (c == '{' ? '}' : ']')) {
                (*p)++;
                return v;
            }
            goto bad;
        }
    }
    if (c == '"') {
        v->t = 's';
        if ((v->str = jstring(p)) == NULL)
            goto bad;
        return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        char *end;
        v->t = 'n';
        v->num = strtod(*p, &end);
        *p = end;
        return v;
    }
    if (strncmp(*p, "true", 4) == 0 || strncmp(*p, "false", 5) == 0) {
        v->t = 'b';
        v->num = **p == 't';
        *p += **p == 't' ? 4 : 5;
        return v;
    }
    if (strncmp(*p, "null", 4) == 0) {
        v->t = 'z';
        *p += 4;
        return v;
    }
bad:
    jv_free(v);
    return NULL;
}

static inline jv *jdecode(const char *text)
{
    const char *p = text;
    jv *v = jparse(&p, 0);
    ws(&p);
    if (v && *p) {
        jv_free(v);
        return NULL;
    }
    return v;
}

static inline jv *jget(const jv *o, const char *key)
{
    if (o == NULL || o->t != 'o')
        return NULL;
    for (int i = 0; i < o->n; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->vals[i];
    return NULL;
}

static inline const char *jstr(const jv *o, const char *key)
{
    jv *v = jget(o, key);
    return v && v->t == 's' ? v->str : NULL;
}

static inline long jint(const jv *o, const char *key)
{
    jv *v = jget(o, key);
    return v && v->t == 'n' ? (long)v->num : -1;
}

#endif
