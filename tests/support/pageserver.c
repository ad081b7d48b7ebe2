/* pageserver: a fast libuv HTTP/1.1 server for tests and benchmarks. It serves
 * DiveMeets-like profile pages (fixtures or pagegen), their expected parse, and generic
 * endpoints for HTTP client tests (delays, statuses, flaky keys, resets, truncation, slow
 * chunked bodies, gzip, echo, counters). Owns all its memory; see README.md for routes. */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>
#include <zlib.h>

#include "pagegen.h"

#define MAX_HEAD (64 * 1024)
#define MAX_BODY (16 * 1024 * 1024)

/* ---- options and global state ------------------------------------------------------- */

static struct {
    const char *host, *port_file, *fixtures, *log_path, *site_root;
    int port, latency_ms, fault_times, max_seconds;
    double pct_5xx, pct_reset, pct_truncate, pct_403, pct_timeout;
    uint64_t seed;
    pagegen_opts gen;
} opt = {"127.0.0.1", NULL, NULL, NULL, NULL, 0, 0, 1, 3600, 0, 0, 0, 0, 0, 0, {0, NULL, -1}};

enum route {
    R_PROFILE,
    R_TRUTH,
    R_BYTES,
    R_STATUS,
    R_FLAKY,
    R_RESET,
    R_TRUNCATE,
    R_SLOW,
    R_GZIP,
    R_ECHO,
    R_STATS,
    R_STATS_RESET,
    R_OTHER,
    R_COUNT
};
static const char *const route_paths[R_COUNT] = {"/divemeets/system/profile.php",
                                                 "/divemeets/system/truth.php",
                                                 "/bytes",
                                                 "/status",
                                                 "/flaky",
                                                 "/reset",
                                                 "/truncate",
                                                 "/slow",
                                                 "/gzip",
                                                 "/echo",
                                                 "/stats",
                                                 "/stats/reset",
                                                 "other"};

static struct {
    uint64_t total, accepted, per_route[R_COUNT];
    long open, peak_open, inflight, peak_inflight;
} st;

static uv_loop_t *loop;
static uv_tcp_t server;
static uv_signal_t sig_term, sig_int;
static uv_timer_t stop_timer;
static FILE *log_file;
static int stopping;

/* ---- counters per key: profile ids (fault attempts) and flaky keys -------------------- */

typedef struct counter {
    struct counter *next;
    long count;
    char key[];
} counter;

#define NBUCKETS 4096
static counter *buckets[NBUCKETS];

static long *counter_get(const char *key)
{
    uint32_t h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    counter **slot = &buckets[h % NBUCKETS];
    for (counter *c = *slot; c; c = c->next)
        if (strcmp(c->key, key) == 0)
            return &c->count;
    counter *c = calloc(1, sizeof *c + strlen(key) + 1);
    if (c == NULL)
        abort();
    strcpy(c->key, key);
    c->next = *slot;
    *slot = c;
    return &c->count;
}

static void counters_clear(void)
{
    for (int i = 0; i < NBUCKETS; i++) {
        while (buckets[i]) {
            counter *c = buckets[i];
            buckets[i] = c->next;
            free(c);
        }
    }
}

/* ---- connections -------------------------------------------------------------------- */

typedef struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    int handles, closing;
    char *in;
    size_t in_len, in_cap;
    /* the request being answered (busy) */
    int busy, counted, keep_alive, head_only;
    enum route route;
    char *req; /* copy of the head + body, NUL-terminated pieces below */
    char *method, *path, *query, *headers, *body;
    size_t body_len;
    int slow_left, slow_sent, slow_interval;
} conn;

typedef struct out_write {
    uv_write_t w;
    conn *c;
    int close_after;
    char data[];
} out_write;

static void process_input(conn *c);
static void dispatch(conn *c);

static void on_handle_closed(uv_handle_t *h)
{
    conn *c = h->data;
    if (--c->handles == 0) {
        free(c->in);
        free(c->req);
        free(c);
    }
}

static void finish_request(conn *c) /* the request got its answer (or will never get one) */
{
    if (c->counted) {
        st.inflight--;
        c->counted = 0;
    }
    c->busy = 0;
}

static void close_conn(conn *c)
{
    if (c->closing)
        return;
    c->closing = 1;
    finish_request(c);
    st.open--;
    uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
    uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

static void reset_conn(conn *c) /* RST: SO_LINGER 0, then close */
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0) {
        struct linger lg = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    close_conn(c);
}

static void on_written(uv_write_t *w, int status)
{
    out_write *ow = (out_write *)w;
    conn *c = ow->c;
    if (!c->closing && (status < 0 || ow->close_after))
        close_conn(c);
    free(ow);
}

/* A write buffer of len bytes to fill, then queue with queue_write(). */
static out_write *new_write(conn *c, size_t len, int close_after)
{
    out_write *ow = malloc(sizeof *ow + len);
    if (ow == NULL)
        abort();
    ow->c = c;
    ow->close_after = close_after;
    return ow;
}

static void queue_write(conn *c, out_write *ow, size_t len)
{
    if (c->closing) {
        free(ow);
        return;
    }
    uv_buf_t b = uv_buf_init(ow->data, (unsigned)len);
    if (uv_write(&ow->w, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0) {
        free(ow);
        close_conn(c);
    }
}

static void send_raw(conn *c, const char *data, size_t len, int close_after)
{
    out_write *ow = new_write(c, len, close_after);
    memcpy(ow->data, data, len);
    queue_write(c, ow, len);
}

static const char *reason(int code)
{
    switch (code) {
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 408:
        return "Request Timeout";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return "Status";
    }
}

static void log_line(conn *c, int status, size_t len, const char *note)
{
    if (log_file == NULL)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(log_file, "%ld.%03ld %s %s%s%s %d %zu %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000,
            c->method, c->path, c->query[0] ? "?" : "", c->query, status, len, note);
    fflush(log_file);
}

/* Send a complete response. extra: more header lines, each ending in \r\n (or NULL).
 * declared: the Content-Length to announce (SIZE_MAX = len); a larger value truncates. */
static void respond_ex(conn *c, int code, const char *ctype, const char *extra, const char *body,
                       size_t len, size_t declared, const char *note)
{
    int truncated = declared != SIZE_MAX && declared > len;
    int close_after = !c->keep_alive || truncated;
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nServer: dm-pageserver\r\nContent-Type: %s\r\n"
                     "Content-Length: %zu\r\n%s%s\r\n",
                     code, reason(code), ctype, declared != SIZE_MAX ? declared : len,
                     extra ? extra : "", close_after ? "Connection: close\r\n" : "");
    size_t blen = c->head_only ? 0 : len;
    out_write *ow = new_write(c, (size_t)n + blen, close_after);
    memcpy(ow->data, head, (size_t)n);
    if (blen)
        memcpy(ow->data + n, body, blen);
    log_line(c, code, len, note ? note : "");
    finish_request(c);
    queue_write(c, ow, (size_t)n + blen);
    if (!close_after)
        process_input(c);
}

static void respond(conn *c, int code, const char *ctype, const char *body, size_t len)
{
    respond_ex(c, code, ctype, NULL, body, len, SIZE_MAX, NULL);
}

static void respond_text(conn *c, int code, const char *text)
{
    respond(c, code, "text/plain", text, strlen(text));
}

/* ---- query parameters ------------------------------------------------------------------ */

static int hexval(int ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

/* Copy the percent-decoded value of name into out; returns 1 when present. */
static int param(const char *query, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *p = query; p && *p;) {
        const char *amp = strchr(p, '&');
        const char *end = amp ? amp : p + strlen(p);
        if ((size_t)(end - p) >= nl && strncmp(p, name, nl) == 0 &&
            (p[nl] == '=' || p + nl == end)) {
            const char *v = p[nl] == '=' ? p + nl + 1 : end;
            size_t k = 0;
            while (v < end && k + 1 < cap) {
                if (*v == '%' && end - v >= 3 && hexval(v[1]) >= 0 && hexval(v[2]) >= 0) {
                    out[k++] = (char)(hexval(v[1]) * 16 + hexval(v[2]));
                    v += 3;
                } else {
                    out[k++] = *v == '+' ? ' ' : *v;
                    v++;
                }
            }
            out[k] = '\0';
            return 1;
        }
        p = amp ? amp + 1 : NULL;
    }
    return 0;
}

static long param_long(const char *query, const char *name, long dflt)
{
    char v[32];
    if (!param(query, name, v, sizeof v) || v[0] == '\0')
        return dflt;
    char *end;
    long x = strtol(v, &end, 10);
    return *end ? dflt : x;
}

/* ---- routes: in their own file, compiled as part of this unit (as luv.c does) ------- */

#include "pageserver_routes.c"

/* ---- request parsing ---------------------------------------------------------------------- */

static int header_value(const char *headers, const char *name, char *out, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *line = headers; line && *line;) {
        const char *eol = strstr(line, "\r\n");
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t n = eol ? (size_t)(eol - v) : strlen(v);
            while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
                n--;
            snprintf(out, cap, "%.*s", (int)n, v);
            return 1;
        }
        line = eol ? eol + 2 : NULL;
    }
    return 0;
}

static void bad_request(conn *c, const char *why)
{
    static char empty[] = "";
    c->method = c->path = c->query = empty;
    c->keep_alive = 0;
    c->busy = 1;
    respond_text(c, 400, why);
}

static char *find_head_end(char *s, size_t n)
{
    for (char *p = s; n >= 4 && (p = memchr(p, '\r', (size_t)(s + n - 3 - p))) != NULL; p++)
        if (p[1] == '\n' && p[2] == '\r' && p[3] == '\n')
            return p;
    return NULL;
}

/* Take one complete request off the input buffer; 0 = need more bytes, -1 = bad. */
static int take_request(conn *c)
{
    char *end = find_head_end(c->in, c->in_len);
    if (end == NULL)
        return c->in_len > MAX_HEAD ? -1 : 0;
    size_t head_len = (size_t)(end - c->in) + 4;
    char cl[32], te[64];
    size_t body_len = 0;
    c->in[head_len - 2] = '\0'; /* temporarily, to search the head as a string */
    const char *hdrs = strstr(c->in, "\r\n");
    hdrs = hdrs ? hdrs + 2 : "";
    if (header_value(hdrs, "Transfer-Encoding", te, sizeof te))
        return -1; /* chunked request bodies are not supported */
    if (header_value(hdrs, "Content-Length", cl, sizeof cl)) {
        char *e;
        long long v = strtoll(cl, &e, 10);
        if (*e || v < 0 || v > MAX_BODY)
            return -1;
        body_len = (size_t)v;
    }
    c->in[head_len - 2] = '\r';
    if (c->in_len < head_len + body_len)
        return 0;
    free(c->req);
    c->req = malloc(head_len + body_len + 1);
    if (c->req == NULL)
        abort();
    memcpy(c->req, c->in, head_len + body_len);
    c->req[head_len + body_len] = '\0';
    memmove(c->in, c->in + head_len + body_len, c->in_len - head_len - body_len);
    c->in_len -= head_len + body_len;
    /* split: METHOD SP target SP version CRLF headers CRLF CRLF body */
    char *r = c->req;
    r[head_len - 2] = '\0';
    char *eol = strstr(r, "\r\n");
    *eol = '\0';
    c->headers = eol + 2;
    c->body = r + head_len;
    c->body_len = body_len;
    char *sp1 = strchr(r, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (sp1 == NULL || sp2 == NULL)
        return -1;
    *sp1 = *sp2 = '\0';
    c->method = r;
    c->path = sp1 + 1;
    const char *version = sp2 + 1;
    char *q = strchr(c->path, '?');
    static char empty[] = "";
    c->query = empty;
    if (q) {
        *q = '\0';
        c->query = q + 1;
    }
    char conn_h[64] = "";
    header_value(c->headers, "Connection", conn_h, sizeof conn_h);
    if (strcmp(version, "HTTP/1.0") == 0)
        c->keep_alive = strcasecmp(conn_h, "keep-alive") == 0;
    else
        c->keep_alive = strcasecmp(conn_h, "close") != 0;
    c->head_only = strcmp(c->method, "HEAD") == 0;
    return 1;
}

static enum route route_of(const char *path)
{
    for (int i = 0; i < R_OTHER; i++)
        if (strcmp(path, route_paths[i]) == 0)
            return (enum route)i;
    return R_OTHER;
}

static void process_input(conn *c)
{
    while (!c->busy && !c->closing) {
        int r = take_request(c);
        if (r == 0)
            return;
        if (r < 0) {
            bad_request(c, "bad request\n");
            return;
        }
        c->busy = 1;
        c->route = route_of(c->path);
        st.total++;
        st.per_route[c->route]++;
        if (c->route != R_STATS && c->route != R_STATS_RESET) {
            c->counted = 1;
            if (++st.inflight > st.peak_inflight)
                st.peak_inflight = st.inflight;
        }
        long delay = param_long(c->query, "delay_ms", 0);
        if (c->route != R_STATS && c->route != R_STATS_RESET)
            delay += opt.latency_ms;
        if (delay > 0) {
            c->timer.data = c;
            uv_timer_start(&c->timer, on_delay, (uint64_t)delay, 0);
            return;
        }
        dispatch(c);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    conn *c = h->data;
    (void)suggested;
    if (c->in_cap - c->in_len < 16384) {
        size_t cap = c->in_cap ? c->in_cap * 2 : 32768;
        char *p = realloc(c->in, cap);
        if (p == NULL)
            abort();
        c->in = p;
        c->in_cap = cap;
    }
    *buf = uv_buf_init(c->in + c->in_len, (unsigned)(c->in_cap - c->in_len - 1));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    conn *c = s->data;
    (void)buf;
    if (n < 0) {
        close_conn(c);
        return;
    }
    c->in_len += (size_t)n;
    process_input(c);
}

static void on_connection(uv_stream_t *srv, int status)
{
    if (status < 0 || stopping)
        return;
    conn *c = calloc(1, sizeof *c);
    if (c == NULL)
        abort();
    uv_tcp_init(loop, &c->tcp);
    uv_timer_init(loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles = 2;
    if (uv_accept(srv, (uv_stream_t *)&c->tcp) != 0) {
        c->closing = 1;
        uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    st.accepted++;
    if (++st.open > st.peak_open)
        st.peak_open = st.open;
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* ---- lifecycle ------------------------------------------------------------------------------- */

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (uv_is_closing(h))
        return;
    if (h->type == UV_TCP && h != (uv_handle_t *)&server)
        close_conn(h->data);
    else if (h->type != UV_TIMER || h->data == NULL)
        uv_close(h, NULL);
}

static void shutdown_server(void)
{
    if (stopping)
        return;
    stopping = 1;
    uv_walk(loop, close_any, NULL);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)s;
    (void)signum;
    shutdown_server();
}

static void on_stop_timer(uv_timer_t *t)
{
    (void)t;
    fprintf(stderr, "pageserver: --max-seconds reached, stopping\n");
    shutdown_server();
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: pageserver [--host 127.0.0.1] [--port 0] [--port-file FILE] [--fixtures DIR]\n"
            "         [--year Y] [--site-root URL] [--blocked-permille N] [--latency-ms N]\n"
            "         [--fault-5xx PCT] [--fault-reset PCT] [--fault-truncate PCT]\n"
            "         [--fault-403 PCT] [--fault-timeout PCT] [--fault-times K] [--seed S]\n"
            "         [--log FILE] [--max-seconds N]\n"
            "       pageserver --print-page ID | --print-truth ID | --list FROM TO [--year Y]\n");
}

static int write_port_file(int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", opt.port_file, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, opt.port_file);
}

static int print_mode(const char *what, const char *a, const char *b)
{
    pagegen_buf out = {0};
    if (strcmp(what, "page") == 0 || strcmp(what, "truth") == 0) {
        uint32_t id = (uint32_t)strtoul(a, NULL, 10);
        if (what[0] == 'p')
            dm_pagegen_render(id, &opt.gen, &out);
        else
            dm_pagegen_truth(id, &opt.gen, &out);
        fwrite(out.data, 1, out.len, stdout);
        if (what[0] == 't')
            putchar('\n');
    } else {
        static const char *kinds[] = {"no_profile_a", "no_profile_b", "blocked",
                                      "diver",        "coach",        "judge"};
        for (unsigned long id = strtoul(a, NULL, 10); id <= strtoul(b, NULL, 10); id++) {
            pagegen_desc d;
            dm_pagegen_describe((uint32_t)id, &opt.gen, &d);
            dm_pagegen_buf_reset(&out);
            dm_pagegen_render((uint32_t)id, &opt.gen, &out);
            printf("%lu %s %d bytes=%zu fina=%d hs=%d stats=%d", id, kinds[d.kind], d.http_status,
                   out.len, d.fina_age, d.hs_grad_year, d.nstats);
            for (int i = 0; i < PG_V_COUNT; i++)
                if (d.variants & ((uint64_t)1 << i))
                    printf(" %s", dm_pagegen_variant_name(i));
            putchar('\n');
        }
    }
    dm_pagegen_buf_free(&out);
    return 0;
}

int main(int argc, char **argv)
{
    const char *print_what = NULL, *print_a = NULL, *print_b = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (strcmp(a, name) == 0 && v && (i++, 1))
        if (ARG("--host"))
            opt.host = v;
        else if (ARG("--port"))
            opt.port = atoi(v);
        else if (ARG("--port-file"))
            opt.port_file = v;
        else if (ARG("--fixtures"))
            opt.fixtures = v;
        else if (ARG("--year"))
            opt.gen.year = atoi(v);
        else if (ARG("--site-root"))
            opt.gen.site_root = v;
        else if (ARG("--blocked-permille"))
            opt.gen.blocked_permille = atoi(v);
        else if (ARG("--latency-ms"))
            opt.latency_ms = atoi(v);
        else if (ARG("--fault-5xx"))
            opt.pct_5xx = atof(v);
        else if (ARG("--fault-reset"))
            opt.pct_reset = atof(v);
        else if (ARG("--fault-truncate"))
            opt.pct_truncate = atof(v);
        else if (ARG("--fault-403"))
            opt.pct_403 = atof(v);
        else if (ARG("--fault-timeout"))
            opt.pct_timeout = atof(v);
        else if (ARG("--fault-times"))
            opt.fault_times = atoi(v);
        else if (ARG("--seed"))
            opt.seed = strtoull(v, NULL, 10);
        else if (ARG("--log"))
            opt.log_path = v;
        else if (ARG("--max-seconds"))
            opt.max_seconds = atoi(v);
        else if (ARG("--print-page"))
            print_what = "page", print_a = v;
        else if (ARG("--print-truth"))
            print_what = "truth", print_a = v;
        else if (strcmp(a, "--list") == 0 && i + 2 < argc) {
            print_what = "list", print_a = argv[i + 1], print_b = argv[i + 2];
            i += 2;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "pageserver: bad argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
#undef ARG
    }
    if (print_what)
        return print_mode(print_what, print_a, print_b);
    signal(SIGPIPE, SIG_IGN);
    if (opt.log_path && (log_file = fopen(opt.log_path, "a")) == NULL) {
        fprintf(stderr, "pageserver: cannot open log %s: %s\n", opt.log_path, strerror(errno));
        return 1;
    }
    loop = uv_default_loop();
    struct sockaddr_storage addr;
    int rc = uv_ip4_addr(opt.host, opt.port, (struct sockaddr_in *)&addr);
    if (rc != 0)
        rc = uv_ip6_addr(opt.host, opt.port, (struct sockaddr_in6 *)&addr);
    if (rc == 0) {
        uv_tcp_init(loop, &server);
        rc = uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0);
    }
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&server, 1024, on_connection);
    if (rc != 0) {
        fprintf(stderr, "pageserver: cannot listen on %s:%d: %s\n", opt.host, opt.port,
                uv_strerror(rc));
        return 1;
    }
    struct sockaddr_storage bound;
    int blen = sizeof bound;
    uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &blen);
    int port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
    uv_signal_init(loop, &sig_term);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
    uv_signal_init(loop, &sig_int);
    uv_signal_start(&sig_int, on_signal, SIGINT);
    uv_timer_init(loop, &stop_timer);
    if (opt.max_seconds > 0)
        uv_timer_start(&stop_timer, on_stop_timer, (uint64_t)opt.max_seconds * 1000, 0);
    if (opt.port_file && write_port_file(port) != 0) {
        fprintf(stderr, "pageserver: cannot write %s: %s\n", opt.port_file, strerror(errno));
        return 1;
    }
    printf("listening on %s:%d\n", opt.host, port);
    fflush(stdout);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    counters_clear();
    cache_free();
    if (log_file)
        fclose(log_file);
    return 0;
}
