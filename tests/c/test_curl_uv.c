/* test_curl_uv.c: curl_uv against a tiny in-process libuv server on 127.0.0.1: a response
 * arrives with status, headers and body; completions are never synchronous; a refused
 * connection and a bad URL fail with codes; cancel frees a pending transfer (ASan checks
 * leaks); keep-alive reuses one connection for sequential requests. */
#include "check.h"
#include "curl_uv.h"

#include <stdlib.h>
#include <string.h>

/* ---- a minimal HTTP server: answers every request on a connection with RESPONSE ------ */

#define RESPONSE                                                                                   \
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Twice: a\r\nX-Twice: b\r\n"                  \
    "Content-Length: 5\r\n\r\nhello"

typedef struct conn {
    uv_tcp_t tcp;
    char buf[8192];
    size_t len;
} conn;

static int accepted;      /* connections accepted */
static int hang_requests; /* when set, read requests but never answer */

static void conn_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    conn *c = h->data;
    buf->base = c->buf + c->len;
    buf->len = sizeof c->buf - c->len;
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

static char *find_blank_line(char *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++)
        if (memcmp(p + i, "\r\n\r\n", 4) == 0)
            return p + i;
    return NULL;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    conn *c = s->data;
    if (n < 0) {
        uv_close((uv_handle_t *)s, conn_closed);
        return;
    }
    c->len += (size_t)n;
    char *end;
    while ((end = find_blank_line(c->buf, c->len)) != NULL) {
        size_t used = (size_t)(end + 4 - c->buf);
        memmove(c->buf, c->buf + used, c->len - used);
        c->len -= used;
        if (hang_requests)
            continue;
        uv_write_t *w = malloc(sizeof *w);
        uv_buf_t out = uv_buf_init(RESPONSE, sizeof RESPONSE - 1);
        uv_write(w, s, &out, 1, on_written);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        return;
    conn *c = calloc(1, sizeof *c);
    uv_tcp_init(server->loop, &c->tcp);
    c->tcp.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) == 0) {
        accepted++;
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    } else {
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
    }
}

/* ---- client side ------------------------------------------------------------------- */

typedef struct result {
    int done;
    long status;
    char code[32];
    char body[64];
    int twice_joined;
} result;

static void on_done(dm_request *req, void *ud)
{
    result *r = ud;
    const char *msg, *code;
    r->done++;
    dm_http_result(req, &msg, &code);
    snprintf(r->code, sizeof r->code, "%s", code);
    r->status = dm_http_status(req);
    const dm_buf *b = dm_http_body(req);
    snprintf(r->body, sizeof r->body, "%.*s", (int)b->len, b->data ? b->data : "");
    const dm_buf *h = dm_http_headers(req);
    r->twice_joined = h->data && strstr(h->data, "X-Twice: a") && strstr(h->data, "X-Twice: b");
    dm_http_request_free(req);
}

static void run_until(uv_loop_t *loop, const int *flag, int want)
{
    for (int i = 0; i < 2000 && *flag < want; i++)
        uv_run(loop, UV_RUN_ONCE);
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, h->data != NULL && h->type == UV_TCP && arg == NULL ? conn_closed : NULL);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_tcp_t server;
    uv_tcp_init(&loop, &server);
    server.data = NULL;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    CHECK(uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) == 0);
    CHECK(uv_listen((uv_stream_t *)&server, 64, on_connection) == 0);
    struct sockaddr_in bound;
    int namelen = sizeof bound;
    uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &namelen);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", ntohs(bound.sin_port));

    dm_http *http = dm_http_new(&loop);
    CHECK(http != NULL);
    dm_http_opts o = {.url = url, .timeout_ms = 5000, .decode = 1};

    /* a response, delivered later, never from inside dm_http_start */
    result r1 = {0};
    dm_request *req = dm_http_start(http, &o, on_done, &r1);
    CHECK(req != NULL);
    CHECK_INT_EQ(r1.done, 0);
    run_until(&loop, &r1.done, 1);
    CHECK_INT_EQ(r1.done, 1);
    CHECK_STR_EQ(r1.code, "ok");
    CHECK_INT_EQ(r1.status, 200);
    CHECK_STR_EQ(r1.body, "hello");
    CHECK(r1.twice_joined);

    /* keep-alive: three sequential requests share the first connection */
    for (int i = 0; i < 3; i++) {
        result r = {0};
        dm_http_start(http, &o, on_done, &r);
        run_until(&loop, &r.done, 1);
        CHECK_STR_EQ(r.body, "hello");
    }
    CHECK_INT_EQ(accepted, 1);

    /* concurrency: 20 at once all complete */
    result many[20];
    memset(many, 0, sizeof many);
    int total = 0;
    for (int i = 0; i < 20; i++)
        dm_http_start(http, &o, on_done, &many[i]);
    for (int spins = 0; spins < 2000 && total < 20; spins++) {
        uv_run(&loop, UV_RUN_ONCE);
        total = 0;
        for (int i = 0; i < 20; i++)
            total += many[i].done;
    }
    CHECK_INT_EQ(total, 20);

    /* refused and malformed URLs fail asynchronously with a code */
    result r2 = {0}, r3 = {0};
    dm_http_opts refused = {.url = "http://127.0.0.1:1/", .timeout_ms = 5000};
    dm_http_opts bad = {.url = "http://exa mple.com/", .timeout_ms = 5000};
    dm_http_start(http, &refused, on_done, &r2);
    dm_http_start(http, &bad, on_done, &r3);
    CHECK_INT_EQ(r2.done + r3.done, 0);
    run_until(&loop, &r2.done, 1);
    run_until(&loop, &r3.done, 1);
    CHECK_STR_EQ(r2.code, "refused");
    CHECK_STR_EQ(r3.code, "bad_url");

    /* a timeout against a server that never answers */
    hang_requests = 1;
    result r4 = {0};
    dm_http_opts slow = {.url = url, .timeout_ms = 200};
    dm_http_start(http, &slow, on_done, &r4);
    run_until(&loop, &r4.done, 1);
    CHECK_STR_EQ(r4.code, "timeout");

    /* cancel frees a pending transfer; its callback never runs */
    result r5 = {0};
    dm_request *pending = dm_http_start(http, &o, on_done, &r5);
    for (int i = 0; i < 5; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    dm_http_cancel(pending);
    for (int i = 0; i < 20; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    CHECK_INT_EQ(r5.done, 0);

    dm_http_close(http);
    uv_walk(&loop, close_walk, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK_INT_EQ(uv_loop_close(&loop), 0);
    curl_global_cleanup();
    return CHECK_DONE();
}
