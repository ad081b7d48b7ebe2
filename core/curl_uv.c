/* curl_uv.c: libcurl multi on libuv. One uv_poll per socket libcurl asks about, one
 * uv_timer for libcurl's timeout; completions are read after every socket action.
 * Owns: the multi handle, the poll contexts, and each request until completion/cancel. */
#include "curl_uv.h"

#include <stdlib.h>
#include <string.h>

struct dm_http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer; /* frees the dm_http in its close callback */
    long active;      /* transfers started and not yet completed or cancelled */
};

struct dm_request {
    dm_http *http;
    CURL *easy;
    dm_http_done_cb cb;
    void *ud;
    struct curl_slist *headers;
    dm_buf body, head;
    size_t max_body;
    int too_large;
    CURLcode result;
    char errbuf[CURL_ERROR_SIZE];
};

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    dm_http *http;
} sock_ctx;

static int buf_append(dm_buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (d == NULL)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* The timer keeps the loop alive only while transfers are live (libcurl may wait on it
 * alone, e.g. during a threaded DNS lookup). */
static void transfer_ended(dm_http *http)
{
    if (--http->active == 0)
        uv_unref((uv_handle_t *)&http->timer);
}

/* ---- completions --------------------------------------------------------------------- */

static void read_completions(dm_http *http)
{
    CURLMsg *msg;
    int pending;
    while ((msg = curl_multi_info_read(http->multi, &pending)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        dm_request *req = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&req);
        req->result = msg->data.result;
        curl_multi_remove_handle(http->multi, req->easy);
        transfer_ended(http);
        req->cb(req, req->ud);
    }
}

static void on_poll(uv_poll_t *poll, int status, int events)
{
    sock_ctx *ctx = poll->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    dm_http *http = ctx->http;
    int running;
    curl_multi_socket_action(http->multi, ctx->fd, flags, &running);
    read_completions(http);
}

static void on_timeout(uv_timer_t *timer)
{
    dm_http *http = timer->data;
    int running;
    curl_multi_socket_action(http->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    read_completions(http);
}

static void sock_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* CURLMOPT_SOCKETFUNCTION: watch or forget a socket. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    dm_http *http = userp;
    sock_ctx *ctx = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (ctx != NULL) {
            uv_poll_stop(&ctx->poll);
            uv_close((uv_handle_t *)&ctx->poll, sock_closed);
            curl_multi_assign(http->multi, fd, NULL);
        }
        return 0;
    }
    if (ctx == NULL) {
        ctx = malloc(sizeof *ctx);
        if (ctx == NULL)
            return -1;
        ctx->fd = fd;
        ctx->http = http;
        if (uv_poll_init_socket(http->loop, &ctx->poll, fd) != 0) {
            free(ctx);
            return -1;
        }
        ctx->poll.data = ctx;
        curl_multi_assign(http->multi, fd, ctx);
    }
    int events = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
        events |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
        events |= UV_WRITABLE;
    uv_poll_start(&ctx->poll, events, on_poll);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: libcurl wants to be called after timeout_ms (-1: never). */
static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    dm_http *http = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&http->timer);
    else
        uv_timer_start(&http->timer, on_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

dm_http *dm_http_new(uv_loop_t *loop)
{
    dm_http *http = calloc(1, sizeof *http);
    if (http == NULL)
        return NULL;
    http->loop = loop;
    http->multi = curl_multi_init();
    if (http->multi == NULL) {
        free(http);
        return NULL;
    }
    uv_timer_init(loop, &http->timer);
    http->timer.data = http;
    uv_unref((uv_handle_t *)&http->timer); /* only live transfers keep the loop alive */
    curl_multi_setopt(http->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(http->multi, CURLMOPT_SOCKETDATA, http);
    curl_multi_setopt(http->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
    curl_multi_setopt(http->multi, CURLMOPT_TIMERDATA, http);
    curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS, 256L);
    return http;
}

void dm_http_set_limits(dm_http *http, long max_host_connections, long max_total_connections)
{
    curl_multi_setopt(http->multi, CURLMOPT_MAX_HOST_CONNECTIONS, max_host_connections);
    curl_multi_setopt(http->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max_total_connections);
}

static void http_closed(uv_handle_t *handle)
{
    free(handle->data);
}

void dm_http_close(dm_http *http)
{
    curl_multi_cleanup(http->multi); /* closes cached connections via CURL_POLL_REMOVE */
    uv_timer_stop(&http->timer);
    uv_close((uv_handle_t *)&http->timer, http_closed);
}

/* ---- requests ------------------------------------------------------------------------ */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    dm_request *req = ud;
    size_t len = size * n;
    if (req->max_body > 0 && req->body.len + len > req->max_body) {
        req->too_large = 1;
        return 0;
    }
    return buf_append(&req->body, p, len) == 0 ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    dm_request *req = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        req->head.len = 0; /* a new response (redirect, 100-continue): keep the last */
    return buf_append(&req->head, p, len) == 0 ? len : 0;
}

dm_request *dm_http_start(dm_http *http, const dm_http_opts *o, dm_http_done_cb cb, void *ud)
{
    dm_request *req = calloc(1, sizeof *req);
    if (req == NULL)
        return NULL;
    req->easy = curl_easy_init();
    if (req->easy == NULL) {
        free(req);
        return NULL;
    }
    req->http = http;
    req->cb = cb;
    req->ud = ud;
    req->headers = o->headers;
    req->max_body = o->max_body;
    CURL *e = req->easy;
    curl_easy_setopt(e, CURLOPT_URL, o->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, req);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, req);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->headers != NULL)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, o->headers);
    if (o->body != NULL) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
        curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, o->body);
    }
    if (o->method != NULL) {
        if (strcmp(o->method, "HEAD") == 0)
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
        else if (strcmp(o->method, "GET") == 0 && o->body == NULL)
            curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        else
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
    }
    if (o->connect_timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    if (o->timeout_ms > 0)
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    if (o->decode)
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    if (o->follow) {
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(e, CURLOPT_MAXREDIRS, o->max_redirects);
    }
    if (o->user_agent != NULL)
        curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
    if (curl_multi_add_handle(http->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        curl_slist_free_all(req->headers);
        free(req);
        return NULL;
    }
    if (http->active++ == 0)
        uv_ref((uv_handle_t *)&http->timer);
    return req;
}

void dm_http_request_free(dm_request *req)
{
    if (req == NULL)
        return;
    curl_easy_cleanup(req->easy);
    curl_slist_free_all(req->headers);
    free(req->body.data);
    free(req->head.data);
    free(req);
}

void dm_http_cancel(dm_request *req)
{
    curl_multi_remove_handle(req->http->multi, req->easy);
    transfer_ended(req->http);
    dm_http_request_free(req);
}

/* ---- results ------------------------------------------------------------------------- */

static const char *code_of(CURLcode rc, int too_large)
{
    if (too_large)
        return "too_large";
    switch (rc) {
    case CURLE_OK:
        return "ok";
    case CURLE_OPERATION_TIMEDOUT:
        return "timeout";
    case CURLE_COULDNT_CONNECT:
        return "refused";
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return "resolve";
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return "bad_url";
    case CURLE_GOT_NOTHING:
        return "empty";
    case CURLE_PARTIAL_FILE:
        return "truncated";
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        return "reset";
    case CURLE_BAD_CONTENT_ENCODING:
        return "decoding";
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
        return "tls";
    case CURLE_TOO_MANY_REDIRECTS:
        return "redirects";
    default:
        return "transport";
    }
}

CURLcode dm_http_result(const dm_request *req, const char **message, const char **code)
{
    if (code != NULL)
        *code = code_of(req->result, req->too_large);
    if (message != NULL) {
        if (req->too_large)
            *message = "response body larger than max_body";
        else
            *message = req->errbuf[0] ? req->errbuf : curl_easy_strerror(req->result);
    }
    return req->too_large ? CURLE_WRITE_ERROR : req->result;
}

long dm_http_status(const dm_request *req)
{
    long status = 0;
    curl_easy_getinfo(req->easy, CURLINFO_RESPONSE_CODE, &status);
    return status;
}

const dm_buf *dm_http_body(const dm_request *req)
{
    return &req->body;
}

const dm_buf *dm_http_headers(const dm_request *req)
{
    return &req->head;
}

static double info_ms(CURL *e, CURLINFO what)
{
    curl_off_t us = 0;
    curl_easy_getinfo(e, what, &us);
    return (double)us / 1000.0;
}

void dm_http_get_timings(const dm_request *req, dm_http_timings *t)
{
    t->dns_ms = info_ms(req->easy, CURLINFO_NAMELOOKUP_TIME_T);
    t->connect_ms = info_ms(req->easy, CURLINFO_CONNECT_TIME_T);
    t->tls_ms = info_ms(req->easy, CURLINFO_APPCONNECT_TIME_T);
    t->ttfb_ms = info_ms(req->easy, CURLINFO_STARTTRANSFER_TIME_T);
    t->total_ms = info_ms(req->easy, CURLINFO_TOTAL_TIME_T);
}

const char *dm_http_effective_url(const dm_request *req)
{
    char *url = NULL;
    curl_easy_getinfo(req->easy, CURLINFO_EFFECTIVE_URL, &url);
    return url;
}

long dm_http_version(const dm_request *req)
{
    long v = 0;
    curl_easy_getinfo(req->easy, CURLINFO_HTTP_VERSION, &v);
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
        return 10;
    case CURL_HTTP_VERSION_1_1:
        return 11;
    case CURL_HTTP_VERSION_2_0:
        return 20;
    case CURL_HTTP_VERSION_3:
        return 30;
    default:
        return 0;
    }
}
