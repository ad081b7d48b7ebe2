/* pagegen_html.c: the bytes of a generated page, from its model (pagegen_model.h): the
 * envelope, the info block, the sections and tables, written with the page's quirks
 * (<br> forms, encodings, &nbsp;, CRLF...), and the blocked page. Compiled as part of
 * pagegen.c (#included at its end), not on its own. */
#include "pagegen_model.h"

/* ---- rendering ------------------------------------------------------------------------- */

typedef struct render {
    pagegen_buf *b;
    const model *m;
    rng look;
} render;

/* Write UTF-8 text in the page's encoding: raw UTF-8, cp1252 bytes or entities. */
static void put_text(render *w, const char *s)
{
    static const struct {
        unsigned cp;
        const char *ent;
    } named[] = {{0xE9, "eacute"}, {0xF1, "ntilde"}, {0xE1, "aacute"}, {0xF3, "oacute"},
                 {0xED, "iacute"}, {0xFA, "uacute"}, {0xF6, "ouml"},   {0xFC, "uuml"},
                 {0xE4, "auml"},   {0xEB, "euml"},   {0xE8, "egrave"}, {0xE7, "ccedil"},
                 {0xCD, "Iacute"}, {0xC9, "Eacute"}, {0x2019, "rsquo"}};
    const model *m = w->m;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x80) {
            if (*p == '\'' && (m->v & V(PG_V_APOS_ENTITY)))
                put(w->b, "&#39;");
            else
                putn(w->b, (const char *)p, 1);
            p++;
            continue;
        }
        int len = *p >= 0xE0 ? 3 : 2;
        unsigned cp = len == 2 ? ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu)
                               : ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        if (m->enc == 1) {
            char c = (char)(cp == 0x2019 ? 0x92 : cp);
            putn(w->b, &c, 1);
        } else if (m->enc == 2) {
            const char *e = NULL;
            for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
                if (named[i].cp == cp)
                    e = named[i].ent;
            if (e)
                putf(w->b, "&%s;", e);
            else
                putf(w->b, "&#%u;", cp);
        } else {
            putn(w->b, (const char *)p, (size_t)len);
        }
        p += len;
    }
}

static void br(render *w)
{
    if (w->m->v & V(PG_V_BR_MIXED)) {
        static const char *forms[] = {"<br>", "<br/>", "<br />", "<BR>"};
        put(w->b, forms[below(&w->look, 4)]);
    } else {
        put(w->b, (w->m->v & V(PG_V_UPPER_TAGS)) ? "<BR>" : "<br>");
    }
    if ((w->m->v & V(PG_V_SPACED_TAGS)) && chance(&w->look, 500))
        put(w->b, " ");
}

static void label(render *w, const char *text, int inside_space)
{
    const char *s = (w->m->v & V(PG_V_UPPER_TAGS)) ? "STRONG" : "strong";
    if (inside_space)
        putf(w->b, "<%s>%s: </%s>", s, text, s);
    else
        putf(w->b, "<%s>%s:</%s> ", s, text, s);
}

static void info_line(render *w, const char *lab, const char *value)
{
    int outside =
        strcmp(lab, "High School Graduation") == 0 ||
        ((w->m->v & V(PG_V_LABEL_SPACE_OUTSIDE)) && strcmp(lab, "Name") != 0 &&
         strcmp(lab, "Gender") != 0 && strcmp(lab, "Age") != 0 && strcmp(lab, "FINA Age") != 0);
    label(w, lab, !outside);
    put_text(w, value);
    br(w);
}

/* The name as the site stores it: double spaces, trailing whitespace. */
static void put_name(render *w)
{
    const model *m = w->m;
    char raw[300];
    snprintf(raw, sizeof raw, "%s", m->name);
    if (m->v & V(PG_V_NAME_DOUBLE_SPACE)) {
        char *sp = strchr(raw, ' ');
        if (sp) {
            memmove(sp + 1, sp, strlen(sp) + 1);
        }
    }
    put_text(w, raw);
    if (m->v & V(PG_V_NAME_TRAILING_WS))
        put(w->b, chance(&w->look, 800) ? " " : "\t");
}

static void put_city(render *w)
{
    const model *m = w->m;
    const char *sp = strrchr(m->city, ' ');
    if ((m->v & V(PG_V_NBSP_INFO)) && sp) {
        char head[96];
        snprintf(head, sizeof head, "%.*s", (int)(sp - m->city), m->city);
        put_text(w, head);
        put(w->b, "&nbsp;");
        put_text(w, sp + 1);
    } else {
        put_text(w, m->city);
    }
}

static void person_link(render *w, rng *r, const char *php, int last_first)
{
    int g = chance(r, 500) ? 'F' : 'M';
    const char *f = pick_first(r, g), *l = PICK(r, dm_pagegen_last, dm_pagegen_nlast);
    putf(w->b, "<a href=\"%s?number=%d\">", php, between(r, 10000, 140000));
    put_text(w, last_first == 2 ? l : last_first ? l : f);
    put(w->b, last_first == 2 ? ", " : " ");
    put_text(w, last_first ? f : l);
    put(w->b, "</a>");
}

static void put_team(render *w, rng *r)
{
    if (chance(r, 150)) {
        put(w->b, "Unattached");
        return;
    }
    const pagegen_place *p = PICKP(r, dm_pagegen_places, dm_pagegen_nplaces);
    put_text(w, p->city[0] ? p->city : "Metro");
    put(w->b, " ");
    put(w->b, PICK(r, dm_pagegen_team_words, dm_pagegen_nteam_words));
}

static void put_orgs(render *w, rng *r, const char *role)
{
    int first = below(r, (int)dm_pagegen_norgs), n = between(r, 1, 2);
    for (int i = 0; i < n; i++) {
        putf(w->b, "<strong>%s:</strong>", dm_pagegen_orgs[(first + i) % dm_pagegen_norgs]);
        br(w);
        put(w->b, "&nbsp;&nbsp;");
        put_team(w, r);
        if (strcmp(role, "Coach") == 0) {
            put(w->b, " (<a href=\"profilec.php?number=");
            putf(w->b, "%u\">Coach Profile</a>)", (unsigned)w->m->id);
            br(w);
        } else {
            putf(w->b, " (%s)", role);
            br(w);
            put(w->b, "&nbsp;&nbsp;Coach: ");
            person_link(w, r, "profilec.php", 1);
            br(w);
        }
    }
}

static void event_name(render *w, rng *r, int h10)
{
    int f = w->m->gender == 'F' || (w->m->gender == 0 && chance(r, 500));
    static const char *ages[] = {"11 & Under", "12-13", "14-15", "16-18", "Open", "Senior"};
    putf(w->b, "%s %s ", f ? "Girls" : "Boys", ages[below(r, 6)]);
    if (h10 == 75)
        put(w->b, "7.5M");
    else
        putf(w->b, "%dM", h10 / 10);
}

static const char *href_amp(const model *m)
{
    return (m->v & V(PG_V_AMP_HREFS)) ? "&amp;" : "&";
}

static void history_table(render *w, rng *r)
{
    const model *m = w->m;
    put(w->b, "<table width=\"100%\" border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
              "colspan=\"3\"><span style=\"color: blue\">DIVE</span><span style=\"color: "
              "gray\">MEETS</span><span style=\"color: blue\">.COM</span> History</td></tr>");
    const char *a = href_amp(m);
    for (int i = 0; i < m->nmeets; i++) {
        if (m->v & V(PG_V_ROW_NEWLINES))
            put(w->b, "\n\t");
        int yr = m->year - i / 8;
        putf(w->b, "<tr><td colspan=\"3\"><strong>%d ", yr);
        put_text(w, PICKP(r, dm_pagegen_places, dm_pagegen_nplaces)->city);
        putf(w->b, " %s</strong></td></tr>",
             PICK(r, dm_pagegen_meet_words, dm_pagegen_nmeet_words));
        int meet = between(r, 1000, 12999);
        int nev = (m->v & V(PG_V_LONG_HISTORY)) ? between(r, 2, 4) : between(r, 1, 3);
        for (int e = 0; e < nev; e++) {
            int h10 = m->platform && chance(r, 400) ? 100 : chance(r, 500) ? 10 : 30;
            put(w->b, "<tr><td>&nbsp;&nbsp;&nbsp;");
            event_name(w, r, h10);
            int final = chance(r, 700), dives = chance(r, 500) ? 6 : 11;
            put(w->b, dives == 6 ? " (6 Dives) - " : " (11 Dives) - ");
            put(w->b, final ? "Final</td><td>" : "Prelims</td><td>");
            if (chance(r, 15))
                put(w->b, "DQ");
            else
                put_long(w->b, between(r, 1, 24));
            int cents = between(r, 0, 99), points = between(r, 90, 650);
            int event = 10 * between(r, 1, 99);
            put(w->b, "</td><td><a href=\"divesheetresultsext.php?meetnum=");
            put_long(w->b, meet);
            put(w->b, a);
            put(w->b, "eventnum=");
            put_long(w->b, event);
            put(w->b, a);
            put(w->b, "dvrnum=");
            put_long(w->b, (long)m->id);
            put(w->b, a);
            put(w->b, "eventtype=9");
            put(w->b, a);
            put(w->b, "sts=");
            put_long(w->b, (long)(yr - 1970) * 31556952L);
            put(w->b, "\">");
            put_cents(w->b, points * 100 + cents);
            put(w->b, "</a></td></tr>");
        }
    }
    put(w->b, "<tr><td colspan=\"3\">");
    br(w);
    br(w);
    put(w->b, "</td></tr></table>");
}

static void put_height(pagegen_buf *b, int h10)
{
    put_long(b, h10 / 10);
    if (h10 % 10) {
        char t[3] = {'.', (char)('0' + h10 % 10), 0};
        put(b, t);
    }
    put(b, "M");
}

/* href of a stats link, '&' as given; kind 0 = high score, 1 = average. */
static void stat_href(pagegen_buf *b, const model *m, const stat_row *s, int kind, const char *amp)
{
    if (kind == 0) {
        put(b, "judgesscoresext.php?meetnum=");
        put_long(b, s->meetnum);
        put(b, amp);
        put(b, "eventnum=");
        put_long(b, s->eventnum);
        put(b, amp);
        put(b, "dvrnum=");
        put_long(b, (long)m->id);
        put(b, amp);
        put(b, "divord=");
        put_long(b, s->divord);
        put(b, amp);
        put(b, "eventtype=9");
        put(b, amp);
        put(b, "synchdvrnum=");
        put(b, amp);
        put(b, "sts=");
        put_long(b, s->sts);
    } else {
        put(b, "diversdives.php?dvrnum=");
        put_long(b, (long)m->id);
        put(b, amp);
        put(b, "height=");
        put_long(b, s->h10 == 75 ? 7 : s->h10 / 10);
        put(b, amp);
        put(b, "dive=");
        put(b, s->dive->code);
    }
}

static void stats_table(render *w)
{
    const model *m = w->m;
    int up = (m->v & V(PG_V_UPPER_TAGS)) != 0, nb = (m->v & V(PG_V_NBSP_CELLS)) != 0;
    put(w->b, "<table border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
              "colspan=\"6\"><strong>Dive Statistics</strong></td></tr><tr><td "
              "colspan=\"2\"><strong>Dive & Height</strong></td><td><strong>Description</strong>"
              "</td><td><strong>High Score</strong></td><td><strong>Avg Score</strong></td><td>"
              "<strong># of Times</strong></td></tr><tr><td colspan=\"6\"><hr></td></tr>");
    const char *td = up ? "<TD>" : "<td>", *etd = up ? "</TD>" : "</td>";
    for (int i = 0; i < m->nrows; i++) {
        const stat_row *s = &m->rows[i];
        if (m->v & V(PG_V_ROW_NEWLINES))
            put(w->b, "\n\t");
        put(w->b, up ? "<TR BGCOLOR=\"" : "<tr bgcolor=\"");
        put(w->b, i % 2 ? "FFFFFF\">" : "DDDDDD\">");
        put(w->b, td);
        put(w->b, s->dive->code);
        put(w->b, etd);
        put(w->b, td);
        put_height(w->b, s->h10);
        if (nb && chance(&w->look, 300))
            put(w->b, chance(&w->look, 500) ? "&nbsp;" : " ");
        put(w->b, etd);
        put(w->b, td);
        const char *d = s->dive->description, *sp = strchr(d, ' ');
        if (nb && sp && chance(&w->look, 300))
            putf(w->b, "%.*s&nbsp;%s", (int)(sp - d), d, sp + 1);
        else
            put(w->b, d);
        put(w->b, etd);
        for (int k = 0; k < 2; k++) {
            int c = k == 0 ? s->high_c : s->avg_c;
            put(w->b, td);
            put(w->b, up ? "<A HREF=\"" : "<a href=\"");
            if (m->v & V(PG_V_ABS_HREFS))
                put(w->b, DEFAULT_ROOT SYSTEM_PATH);
            stat_href(w->b, m, s, k, href_amp(m));
            put(w->b, "\">");
            put_cents(w->b, c);
            put(w->b, up ? "</A>" : "</a>");
            put(w->b, etd);
        }
        if (!s->bad) {
            put(w->b, td);
            if (nb && chance(&w->look, 200))
                put(w->b, "&nbsp;");
            put_long(w->b, s->times);
            put(w->b, etd);
        }
        put(w->b, up ? "</TR>" : "</tr>");
    }
    put(w->b, "</table>");
}

static void upcoming_table(render *w, rng *r)
{
    put(w->b, "<table border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
              "colspan=\"3\"><strong>Upcoming Meets</strong></td></tr>");
    putf(w->b, "<tr><td colspan=\"3\"><strong>%d ", w->m->year + 1);
    put_text(w, PICKP(r, dm_pagegen_places, dm_pagegen_nplaces)->city);
    putf(w->b, " %s</strong></td></tr><tr><td>&nbsp;&nbsp;&nbsp;",
         PICK(r, dm_pagegen_meet_words, dm_pagegen_nmeet_words));
    event_name(w, r, 30);
    int event = 10 * between(r, 1, 99), meet = between(r, 13000, 14000);
    putf(w->b,
         "</td><td>&nbsp;</td><td><a "
         "href=\"divesheetext.php?meetnum=%d%seventnum=%d%sdvrnum=%u\">Dive "
         "Sheet</a></td></tr></table>",
         meet, href_amp(w->m), event, href_amp(w->m), (unsigned)w->m->id);
}

static const char head[] =
    "\n<!DOCTYPE HTML PUBLIC \"-//W3C/DTD HTML 4.01 Transitional//EN\" "
    "\"http://www.w3.org/TR/html4/loose.dtd\">\n<html>\n<head>\n<title>::::::::::: DiveMeets - "
    "Profile :::::::::::</title>\n<link rel=\"stylesheet\" type=\"text/css\" "
    "href=\"style/divemeets.css\">\n</head>\n<body>\n";

static void blocked_page(pagegen_buf *b, uint32_t id)
{
    put(b, "<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title><meta "
           "http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"><meta "
           "http-equiv=\"X-UA-Compatible\" content=\"IE=Edge\"><meta name=\"robots\" "
           "content=\"noindex,nofollow\"><meta name=\"viewport\" "
           "content=\"width=device-width,initial-scale=1\"><style>*{box-sizing:border-box;"
           "margin:0;padding:0}html{line-height:1.15;color:#313131;font-family:system-ui,"
           "sans-serif}body{display:flex;flex-direction:column;height:100vh;min-height:100vh}"
           ".main-content{margin:8rem auto;max-width:60rem;padding-left:1.5rem}</style>"
           "</head><body class=\"no-js\"><div class=\"main-wrapper\" role=\"main\"><div "
           "class=\"main-content\"><h1 class=\"zone-name-title h1\">secure.meetcontrol.com</h1>"
           "<h2 id=\"challenge-running\" class=\"h2\">Checking if the site connection is "
           "secure</h2><noscript><div class=\"h2\"><span id=\"challenge-error-text\">Enable "
           "JavaScript and cookies to continue</span></div></noscript></div></div><script>"
           "(function(){window._cf_chl_opt={cvId:'3',cZone:'secure.meetcontrol.com',cType:"
           "'managed',");
    putf(b, "cRay:'%08x%08x',cH:'pg-%u'};", (unsigned)(id * 2654435761u), (unsigned)~id,
         (unsigned)id);
    put(b, "var cpo=document.createElement('script');cpo.src='/cdn-cgi/challenge-platform/h/"
           "g/orchestrate/chl_page/v1';document.getElementsByTagName('head')[0]"
           ".appendChild(cpo);}());</script><div class=\"footer\" role=\"contentinfo\"><div "
           "class=\"footer-inner\"><div class=\"text-center\">Performance &amp; security by "
           "Cloudflare</div></div></div></body></html>");
}

static void render_model(const model *m, pagegen_buf *b)
{
    size_t start = b->len;
    render w = {b, m, {m->look}};
    rng r = {m->look ^ 0xA5A5A5A5u}; /* draws for filler content (teams, meets) */
    if (m->kind == PG_KIND_BLOCKED) {
        blocked_page(b, m->id);
        return;
    }
    put(b, head);
    if (m->kind == PG_KIND_NO_PROFILE_A) {
        put(b, "</body>\n</html>\n");
        goto endings;
    }
    put(b, "<table width=\"100%\" border=\"0\" cellpadding=\"5\" cellspacing=\"0\">\n<tr>\n<td "
           "valign=\"top\">\n");
    if (m->kind == PG_KIND_NO_PROFILE_B || chance(&r, 400))
        put(b, "<img src=\"images/nophoto.jpg\" align=\"right\" border=\"1\" alt=\"\">\n");
    else
        putf(b, "<img src=\"profilephotos/%u.jpg\" align=\"right\" border=\"1\" alt=\"\">\n",
             (unsigned)m->id);
    put(b, "<span style=\"font-size: 24px; font-weight: bold; font-style: italic\"><span "
           "style=\"color: blue\">DIVE</span><span style=\"color: gray\">MEETS</span><span "
           "style=\"color: blue\">.COM</span></span>");
    br(&w);
    put(b, m->kind == PG_KIND_JUDGE ? "Judge Profile" : "Diver Profile");
    br(&w);
    br(&w);
    if (m->kind == PG_KIND_NO_PROFILE_B) {
        static const char *labs[] = {"Name", "City/State", "Country", "Gender", "DiveMeets #"};
        for (int i = 0; i < 5; i++)
            info_line(&w, labs[i], "");
        br(&w);
        br(&w);
        put(b, "\n</td>\n</tr>\n</table>\n</body>\n</html>\n");
        goto endings;
    }
    label(&w, "Name", 1);
    put_name(&w);
    br(&w);
    label(&w, (m->v & V(PG_V_STATE_LABEL)) ? "State" : "City/State",
          !(m->v & V(PG_V_LABEL_SPACE_OUTSIDE)));
    put_city(&w);
    br(&w);
    info_line(&w, "Country", m->country);
    char num[16];
    if (m->gender) {
        snprintf(num, sizeof num, "%c", m->gender);
        info_line(&w, "Gender", num);
    }
    if (m->age >= 0) {
        snprintf(num, sizeof num, "%d", m->age);
        info_line(&w, "Age", num);
    }
    if (m->fina >= 0) {
        snprintf(num, sizeof num, "%d", m->fina);
        info_line(&w, "FINA Age", num);
    }
    if (m->hs >= 0) {
        snprintf(num, sizeof num, "%d", m->hs);
        info_line(&w, "High School Graduation", num);
    }
    snprintf(num, sizeof num, "%u", (unsigned)m->id);
    info_line(&w, "DiveMeets #", num);
    br(&w);
    br(&w);
    if (m->kind != PG_KIND_JUDGE) {
        put(b, "<strong>Diving:</strong>");
        br(&w);
        put_orgs(&w, &r, "Diver");
    }
    if (m->kind != PG_KIND_DIVER) {
        if (m->kind == PG_KIND_COACH) {
            br(&w);
            put(b, "<strong>Coaching:</strong>");
            br(&w);
            put_orgs(&w, &r, "Coach");
        }
        br(&w);
        put(b, "<strong>Judging:</strong>");
        br(&w);
        for (int i = 0, n = between(&r, 1, 2); i < n; i++) {
            put(b, dm_pagegen_orgs[i]);
            br(&w);
        }
    }
    br(&w);
    br(&w);
    br(&w);
    put(b, "\n");
    if (m->v & V(PG_V_UPCOMING)) {
        upcoming_table(&w, &r);
        br(&w);
        br(&w);
        put(b, "\n");
    }
    if (m->nmeets > 0) {
        history_table(&w, &r);
        br(&w);
        br(&w);
        put(b, "\n");
    }
    if (m->has_table)
        stats_table(&w);
    if (m->kind != PG_KIND_DIVER) {
        for (int i = 0; i < 4; i++)
            br(&w);
        if (m->kind == PG_KIND_COACH) {
            put(b, "\n<center><strong>Divers:</strong></center>");
            for (int i = 0, n = between(&r, 2, 25); i < n; i++) {
                person_link(&w, &r, "profile.php", 2);
                br(&w);
            }
            for (int i = 0; i < 4; i++)
                br(&w);
        }
        put(b, "\n<table border=\"0\" cellpadding=\"2\" cellspacing=\"0\"><tr><td "
               "colspan=\"2\"><strong>Judging History</strong></td></tr>");
        for (int i = 0, n = between(&r, 1, 8); i < n; i++) {
            putf(b, "<tr><td colspan=\"2\"><strong>%d %s</strong></td></tr><tr><td>&nbsp;&nbsp;",
                 m->year - i, PICK(&r, dm_pagegen_meet_words, dm_pagegen_nmeet_words));
            event_name(&w, &r, 10);
            putf(b, "</td><td><a href=\"judgesresults.php?meetnum=%d\">Results</a></td></tr>",
                 between(&r, 1000, 12999));
        }
        put(b, "</table>");
    }
    put(b, "\n</td>\n</tr>\n</table>\n</body>\n</html>\n");
endings:
    if (m->v & (V(PG_V_CRLF) | V(PG_V_CRCRLF))) {
        const char *eol = (m->v & V(PG_V_CRLF)) ? "\r\n" : "\r\r\n";
        size_t n = b->len - start, lines = 0;
        for (size_t i = start; i < b->len; i++)
            lines += b->data[i] == '\n';
        char *copy = malloc(n + 1);
        if (copy == NULL)
            abort();
        memcpy(copy, b->data + start, n);
        b->len = start;
        buf_grow(b, n + 2 * lines);
        for (size_t i = 0, from = 0; i <= n; i++) {
            if (i == n || copy[i] == '\n') {
                putn(b, copy + from, i - from);
                if (i < n)
                    put(b, eol);
                from = i + 1;
            }
        }
        free(copy);
    }
}
