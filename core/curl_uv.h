/* curl_uv.h: libcurl's multi interface driven by a libuv loop (curl_multi_socket_action).
 * Pure C, no Lua: start a transfer with a completion callback, cancel it, read its result.
 * A request is owned by curl_uv from start until it completes (then by the callback, which
 * must call dm_http_request_free) or until dm_http_cancel frees it. */
#ifndef DM_CURL_UV_H
#define DM_CURL_UV_H

#include <curl/curl.h>
#include <stddef.h>
#include <uv.h>

typedef struct dm_http dm_http;
typedef struct dm_request dm_request;
typedef void (*dm_http_done_cb)(dm_request *req, void *ud);

typedef struct dm_buf {
    char *data;
    size_t len, cap;
} dm_buf;

typedef struct dm_http_opts {
    const char *url;
    const char *method;         /* NULL: GET, or POST when a body is given */
    struct curl_slist *headers; /* taken over by the request */
    const char *body;           /* copied */
    size_t body_len;
    long connect_timeout_ms; /* 0: libcurl's default */
    long timeout_ms;         /* 0: none */
    int decode;              /* ask for and decode gzip/deflate/br */
    int follow;              /* follow redirects (max_redirects) */
    long max_redirects;
    size_t max_body; /* 0: unlimited; larger bodies fail with "too_large" */
    const char *user_agent;
} dm_http_opts;

typedef struct dm_http_timings {
    double dns_ms, connect_ms, tls_ms, ttfb_ms, total_ms;
} dm_http_timings;

dm_http *dm_http_new(uv_loop_t *loop);
/* Frees the multi handle; outstanding requests must have been cancelled first. */
void dm_http_close(dm_http *http);
/* Connection caps for the whole multi handle (0 = unlimited). */
void dm_http_set_limits(dm_http *http, long max_host_connections, long max_total_connections);

/* Starts a transfer. Never calls cb synchronously; NULL only when out of memory. */
dm_request *dm_http_start(dm_http *http, const dm_http_opts *opts, dm_http_done_cb cb, void *ud);
/* Stops a transfer that has not completed and frees it; cb is not called. */
void dm_http_cancel(dm_request *req);
void dm_http_request_free(dm_request *req);

/* Results, valid inside the completion callback. */
CURLcode dm_http_result(const dm_request *req, const char **message, const char **code);
long dm_http_status(const dm_request *req);
const dm_buf *dm_http_body(const dm_request *req);
const dm_buf *dm_http_headers(const dm_request *req); /* raw header lines of the last response */
void dm_http_get_timings(const dm_request *req, dm_http_timings *t);
const char *dm_http_effective_url(const dm_request *req);
long dm_http_version(const dm_request *req); /* 10, 11, 20, 30 */

#endif
