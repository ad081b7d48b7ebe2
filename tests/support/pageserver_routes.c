/* pageserver_routes.c: the answers of tests/support/pageserver, one function per route:
 * profile pages (fixtures, generated, cached, fault injection), truth, and the generic
 * endpoints for HTTP client tests. #included by pageserver.c, not compiled on its own. */

/* ---- routes ------------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    pagegen_buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
        if (b.data == NULL) {
            b.data = malloc(n + 1);
            b.cap = n + 1;
        }
        if (b.len + n + 1 > b.cap) {
            b.cap = (b.len + n + 1) * 2;
            b.data = realloc(b.data, b.cap);
        }
        if (b.data == NULL)
            abort();
        memcpy(b.data + b.len, tmp, n);
        b.len += n;
    }
    fclose(f);
    if (b.data == NULL)
        b.data = calloc(1, 1);
    b.data[b.len] = '\0';
    *len = b.len;
    return b.data;
}

/* The fixture DIR/<id>.<ext>, or NULL. */
static char *fixture(uint32_t id, const char *ext, size_t *len)
{
    if (opt.fixtures == NULL)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/%u.%s", opt.fixtures, (unsigned)id, ext);
    return read_file(path, len);
}

enum fault { F_NONE, F_5XX, F_RESET, F_TRUNCATE, F_403, F_TIMEOUT };
static const char *const fault_names[] = {
    "", "fault-5xx", "fault-reset", "fault-truncate", "fault-403", "fault-timeout"};

static enum fault fault_of(uint32_t id)
{
    uint64_t z = (uint64_t)id * 0x9E3779B97F4A7C15ull + opt.seed * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 31)) * 0x94D049BB133111EBull;
    z ^= z >> 29;
    double u = (double)(z % 1000000) / 10000.0; /* [0, 100) */
    double acc = 0;
    const double pct[] = {opt.pct_5xx, opt.pct_reset, opt.pct_truncate, opt.pct_403,
                          opt.pct_timeout};
    for (int i = 0; i < 5; i++) {
        acc += pct[i];
        if (u < acc)
            return (enum fault)(i + 1);
    }
    return F_NONE;
}

static int parse_id(const char *query, uint32_t *id)
{
    char v[32];
    if (!param(query, "number", v, sizeof v) || v[0] == '\0' || strlen(v) > 10)
        return 0;
    for (const char *p = v; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    unsigned long long x = strtoull(v, NULL, 10);
    if (x > UINT32_MAX)
        return 0;
    *id = (uint32_t)x;
    return 1;
}

/* Generated pages are cached (direct-mapped, small pages only): benchmarks and retries
 * ask for the same ids again, and generation costs more than serving. */
#define CACHE_SLOTS    1024
#define CACHE_MAX_PAGE (32 * 1024)
static struct cached {
    uint32_t id;
    int status; /* 0 = empty */
    pagegen_buf page;
} cache[CACHE_SLOTS];

static const pagegen_buf *generated_page(uint32_t id, int *status)
{
    struct cached *e = &cache[(id * 2654435761u) >> 22];
    if (e->status && e->id == id) {
        *status = e->status;
        return &e->page;
    }
    dm_pagegen_buf_reset(&e->page);
    e->status = dm_pagegen_render(id, &opt.gen, &e->page);
    e->id = id;
    *status = e->status;
    if (e->page.len > CACHE_MAX_PAGE) { /* serve it, but do not keep it */
        e->status = 0;
    }
    return &e->page;
}

static void cache_free(void)
{
    for (int i = 0; i < CACHE_SLOTS; i++)
        dm_pagegen_buf_free(&cache[i].page);
}

static const char blocked_extra[] = "Cache-Control: private, max-age=0, no-store\r\n"
                                    "cf-mitigated: challenge\r\nX-Served-By: cloudflare\r\n";

static void route_profile(conn *c)
{
    uint32_t id = 0;
    pagegen_buf b = {0};
    if (!parse_id(c->query, &id)) { /* the site's answer to a bad number: no profile */
        dm_pagegen_render(0, &opt.gen, &b);
        respond(c, 200, "text/html", b.data, b.len);
        dm_pagegen_buf_free(&b);
        return;
    }
    enum fault f = fault_of(id);
    if (f != F_NONE) {
        char key[32];
        snprintf(key, sizeof key, "id:%u", (unsigned)id);
        long *n = counter_get(key);
        if (opt.fault_times >= 0 && *n >= opt.fault_times)
            f = F_NONE;
        else
            (*n)++;
    }
    switch (f) {
    case F_5XX:
        respond_ex(c, 503, "text/html", "Retry-After: 1\r\n",
                   "<html><body><h1>503 Service Unavailable</h1></body></html>\n", 58, SIZE_MAX,
                   fault_names[f]);
        return;
    case F_RESET:
        log_line(c, 0, 0, fault_names[f]);
        reset_conn(c);
        return;
    case F_TIMEOUT:
        log_line(c, 0, 0, fault_names[f]);
        return; /* stays in flight until the client gives up */
    case F_403: {
        pagegen_opts o = opt.gen;
        o.blocked_permille = 1000;
        dm_pagegen_render(id, &o, &b);
        respond_ex(c, 403, "text/html; charset=UTF-8", blocked_extra, b.data, b.len, SIZE_MAX,
                   fault_names[f]);
        dm_pagegen_buf_free(&b);
        return;
    }
    default:
        break;
    }
    size_t len;
    int status = 200;
    const pagegen_buf *page = &b;
    char *fx = fixture(id, "html", &len);
    if (fx) {
        size_t sl;
        char *s = fixture(id, "status", &sl);
        if (s) {
            status = atoi(s) > 0 ? atoi(s) : 200;
            free(s);
        }
        b.data = fx;
        b.len = len;
    } else {
        page = generated_page(id, &status);
    }
    const char *note = fx ? "fixture" : "generated";
    if (f == F_TRUNCATE) {
        respond_ex(c, status, "text/html", NULL, page->data, page->len / 2, page->len,
                   fault_names[f]);
    } else if (status == 403) {
        respond_ex(c, 403, "text/html; charset=UTF-8", blocked_extra, page->data, page->len,
                   SIZE_MAX, note);
    } else {
        respond_ex(c, status, "text/html", NULL, page->data, page->len, SIZE_MAX, note);
    }
    dm_pagegen_buf_free(&b);
}

static void route_truth(conn *c)
{
    uint32_t id;
    if (!parse_id(c->query, &id)) {
        respond_text(c, 400, "number=N required\n");
        return;
    }
    size_t len;
    char *fx = fixture(id, "json", &len);
    if (fx) {
        respond(c, 200, "application/json", fx, len);
        free(fx);
        return;
    }
    pagegen_buf b = {0};
    dm_pagegen_truth(id, &opt.gen, &b);
    respond(c, 200, "application/json", b.data, b.len);
    dm_pagegen_buf_free(&b);
}

static void route_bytes(conn *c)
{
    long n = param_long(c->query, "n", 0);
    if (n < 0 || n > 64L * 1024 * 1024) {
        respond_text(c, 400, "n out of range\n");
        return;
    }
    char *body = malloc((size_t)n + 1);
    if (body == NULL)
        abort();
    for (long i = 0; i < n; i++)
        body[i] = (char)('a' + i % 26);
    respond(c, 200, "application/octet-stream", body, (size_t)n);
    free(body);
}

static void respond_code(conn *c, int code, const char *note)
{
    char extra[64] = "", body[64];
    long ra = param_long(c->query, "retry_after", -1);
    if (ra >= 0)
        snprintf(extra, sizeof extra, "Retry-After: %ld\r\n", ra);
    int n = snprintf(body, sizeof body, "status %d\n", code);
    int nobody = code == 204 || code == 304;
    respond_ex(c, code, "text/plain", extra, body, nobody ? 0 : (size_t)n, SIZE_MAX, note);
}

static void route_status(conn *c)
{
    long code = param_long(c->query, "code", 200);
    if (code < 200 || code > 599) {
        respond_text(c, 400, "code must be 200..599\n");
        return;
    }
    respond_code(c, (int)code, NULL);
}

static void route_truncate(conn *c)
{
    static const char part[] = "this body was cut short by the server\n";
    long declared = param_long(c->query, "declared", 1000);
    respond_ex(c, 200, "text/plain", NULL, part, sizeof part - 1,
               (size_t)(declared > (long)sizeof part ? declared : 1000), "truncate");
}

static void route_flaky(conn *c)
{
    char key[256], mode[32] = "";
    if (!param(c->query, "key", key, sizeof key)) {
        respond_text(c, 400, "key=K required\n");
        return;
    }
    long fail = param_long(c->query, "fail", 1);
    char ckey[300];
    snprintf(ckey, sizeof ckey, "flaky:%s", key);
    long *n = counter_get(ckey);
    long attempt = (*n)++;
    if (fail >= 0 && attempt >= fail) {
        respond_text(c, 200, "ok\n");
        return;
    }
    param(c->query, "mode", mode, sizeof mode);
    if (strcmp(mode, "reset") == 0) {
        log_line(c, 0, 0, "flaky-reset");
        reset_conn(c);
    } else if (strcmp(mode, "truncate") == 0) {
        route_truncate(c);
    } else if (strcmp(mode, "hang") == 0) {
        log_line(c, 0, 0, "flaky-hang");
    } else {
        long code = param_long(c->query, "code", 503);
        respond_code(c, code >= 200 && code <= 599 ? (int)code : 503, "flaky");
    }
}

static void slow_tick(uv_timer_t *t)
{
    conn *c = t->data;
    char chunk[64];
    if (c->slow_left > 0) {
        char text[32];
        int tl = snprintf(text, sizeof text, "chunk %d\n", c->slow_sent++);
        int n = snprintf(chunk, sizeof chunk, "%x\r\n%s\r\n", tl, text);
        c->slow_left--;
        send_raw(c, chunk, (size_t)n, 0);
        uv_timer_start(&c->timer, slow_tick, (uint64_t)c->slow_interval, 0);
        return;
    }
    int close_after = !c->keep_alive;
    log_line(c, 200, (size_t)c->slow_sent, "slow");
    finish_request(c);
    send_raw(c, "0\r\n\r\n", 5, close_after);
    if (!close_after)
        process_input(c);
}

static void route_slow(conn *c)
{
    long chunks = param_long(c->query, "chunks", 5);
    long iv = param_long(c->query, "interval_ms", 100);
    if (chunks < 0 || chunks > 100000 || iv < 0) {
        respond_text(c, 400, "bad chunks or interval_ms\n");
        return;
    }
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 200 OK\r\nServer: dm-pageserver\r\nContent-Type: text/plain\r\n"
                     "Transfer-Encoding: chunked\r\n%s\r\n",
                     c->keep_alive ? "" : "Connection: close\r\n");
    send_raw(c, head, (size_t)n, 0);
    c->slow_left = (int)chunks;
    c->slow_sent = 0;
    c->slow_interval = (int)iv;
    c->timer.data = c;
    slow_tick(&c->timer);
}

static void route_gzip(conn *c)
{
    long lines = param_long(c->query, "lines", 200);
    if (lines < 0 || lines > 1000000) {
        respond_text(c, 400, "bad lines\n");
        return;
    }
    pagegen_buf plain = {0};
    char line[96];
    for (long i = 0; i < lines; i++) {
        int n = snprintf(line, sizeof line,
                         "line %ld: the quick brown fox jumps over the lazy dog\n", i);
        if (plain.len + (size_t)n + 1 > plain.cap) {
            plain.cap = (plain.len + (size_t)n + 1) * 2;
            plain.data = realloc(plain.data, plain.cap);
            if (plain.data == NULL)
                abort();
        }
        memcpy(plain.data + plain.len, line, (size_t)n);
        plain.len += (size_t)n;
    }
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    uLong cap = deflateBound(&z, (uLong)plain.len);
    unsigned char *out = malloc(cap);
    if (out == NULL)
        abort();
    z.next_in = (unsigned char *)(plain.data ? plain.data : "");
    z.avail_in = (uInt)plain.len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t olen = cap - z.avail_out;
    deflateEnd(&z);
    respond_ex(c, 200, "text/plain", "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n",
               (char *)out, olen, SIZE_MAX, "gzip");
    free(out);
    free(plain.data);
}

static void json_escape(pagegen_buf *b, const char *s, size_t n)
{
    char tmp[8];
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *rep = NULL;
        size_t rl = 1;
        if (ch == '"' || ch == '\\') {
            snprintf(tmp, sizeof tmp, "\\%c", ch);
            rep = tmp;
            rl = 2;
        } else if (ch < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", ch);
            rep = tmp;
            rl = 6;
        }
        if (b->len + 8 > b->cap) {
            b->cap = b->cap ? b->cap * 2 : 1024;
            b->data = realloc(b->data, b->cap);
            if (b->data == NULL)
                abort();
        }
        memcpy(b->data + b->len, rep ? rep : (const char *)s + i, rl);
        b->len += rl;
    }
}

static void jput(pagegen_buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL)
            abort();
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static void jstr(pagegen_buf *b, const char *s)
{
    jput(b, "\"");
    json_escape(b, s, strlen(s));
    jput(b, "\"");
}

static void route_echo(conn *c)
{
    pagegen_buf b = {0};
    jput(&b, "{\"method\":");
    jstr(&b, c->method);
    jput(&b, ",\"path\":");
    jstr(&b, c->path);
    jput(&b, ",\"query\":");
    jstr(&b, c->query);
    jput(&b, ",\"headers\":{");
    int first = 1;
    for (char *line = c->headers; line && *line;) {
        char *eol = strstr(line, "\r\n");
        size_t ll = eol ? (size_t)(eol - line) : strlen(line);
        char *colon = memchr(line, ':', ll);
        if (colon) {
            char name[256];
            size_t nl =
                (size_t)(colon - line) < sizeof name - 1 ? (size_t)(colon - line) : sizeof name - 1;
            for (size_t i = 0; i < nl; i++)
                name[i] = (char)(line[i] >= 'A' && line[i] <= 'Z' ? line[i] + 32 : line[i]);
            name[nl] = '\0';
            const char *v = colon + 1;
            while (v < line + ll && (*v == ' ' || *v == '\t'))
                v++;
            jput(&b, first ? "" : ",");
            first = 0;
            jstr(&b, name);
            jput(&b, ":\"");
            json_escape(&b, v, (size_t)(line + ll - v));
            jput(&b, "\"");
        }
        line = eol ? eol + 2 : NULL;
    }
    char tail[64];
    snprintf(tail, sizeof tail, "},\"body_length\":%zu,\"body\":\"", c->body_len);
    jput(&b, tail);
    json_escape(&b, c->body, c->body_len);
    jput(&b, "\"}\n");
    respond(c, 200, "application/json", b.data, b.len);
    free(b.data);
}

static void route_stats(conn *c)
{
    pagegen_buf b = {0};
    char tmp[256];
    snprintf(tmp, sizeof tmp,
             "{\"total_requests\":%llu,\"connections_accepted\":%llu,\"open_connections\":%ld,"
             "\"peak_open_connections\":%ld,\"in_flight\":%ld,\"peak_in_flight\":%ld,"
             "\"requests\":{",
             (unsigned long long)st.total, (unsigned long long)st.accepted, st.open, st.peak_open,
             st.inflight, st.peak_inflight);
    jput(&b, tmp);
    for (int i = 0; i < R_COUNT; i++) {
        snprintf(tmp, sizeof tmp, "%s\"%s\":%llu", i ? "," : "", route_paths[i],
                 (unsigned long long)st.per_route[i]);
        jput(&b, tmp);
    }
    jput(&b, "}}\n");
    respond(c, 200, "application/json", b.data, b.len);
    free(b.data);
}

static void route_stats_reset(conn *c)
{
    st.total = st.accepted = 0;
    memset(st.per_route, 0, sizeof st.per_route);
    st.peak_open = st.open;
    st.peak_inflight = st.inflight;
    counters_clear();
    respond_text(c, 200, "ok\n");
}

static void dispatch(conn *c)
{
    switch (c->route) {
    case R_PROFILE:
        route_profile(c);
        break;
    case R_TRUTH:
        route_truth(c);
        break;
    case R_BYTES:
        route_bytes(c);
        break;
    case R_STATUS:
        route_status(c);
        break;
    case R_FLAKY:
        route_flaky(c);
        break;
    case R_RESET:
        log_line(c, 0, 0, "reset");
        reset_conn(c);
        break;
    case R_TRUNCATE:
        route_truncate(c);
        break;
    case R_SLOW:
        route_slow(c);
        break;
    case R_GZIP:
        route_gzip(c);
        break;
    case R_ECHO:
        route_echo(c);
        break;
    case R_STATS:
        route_stats(c);
        break;
    case R_STATS_RESET:
        route_stats_reset(c);
        break;
    default:
        respond_text(c, 404, "not found\n");
        break;
    }
}

static void on_delay(uv_timer_t *t)
{
    dispatch(t->data);
}
