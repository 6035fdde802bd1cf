/*
 * clients/web/pages.c - the pages and their assets, from the static
 * directory (plain HTML, CSS and JavaScript in the tree: no build step,
 * nothing fetched from elsewhere).  A page is shown only to the roles it
 * is for: signed out, a page redirects to /login; another role gets 403
 * and nothing of the page.  What a page shows comes from /api/call, where
 * musterd decides again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "web.h"

#define ASSET_MAX (512 * 1024)

/* A page and the principals it is for ("agency:" matches every agency). */
struct page {
    const char *path, *file;
    const char *roles[3];
};

static const struct page pages[] = {
    {"/board", "board.html", {"gold", "duty", NULL}},
    {"/gold", "gold.html", {"gold", NULL, NULL}},
    {"/hub", "hub.html", {"duty", "intake", NULL}},
    {"/desk", "desk.html", {"agency:", NULL, NULL}},
};

static bool page_allows(const struct page *p, const char *principal)
{
    for (size_t i = 0; i < 3 && p->roles[i]; i++)
        if (!strcmp(p->roles[i], principal) ||
            (!strcmp(p->roles[i], "agency:") && !strncmp(principal, "agency:", 7)))
            return true;
    return false;
}

static const char *type_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot && !strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (dot && !strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (dot && !strcmp(dot, ".svg"))
        return "image/svg+xml";
    return "text/html; charset=utf-8";
}

/* An asset name: [a-z0-9-]+ and one extension, nothing that climbs. */
static bool name_ok(const char *name)
{
    size_t n = strlen(name), dots = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        dots += ch == '.';
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'))
            return false;
    }
    return n > 0 && n < 64 && dots == 1 && name[0] != '.';
}

static enum MHD_Result send_file(struct http_req *r, const char *name, unsigned status)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", r->w->o.static_dir, name);
    FILE *f = fopen(path, "re");
    char *buf = f ? malloc(ASSET_MAX) : NULL;
    size_t n = buf ? fread(buf, 1, ASSET_MAX, f) : 0;
    if (f)
        fclose(f);
    if (!buf || n == ASSET_MAX) {
        free(buf);
        return http_error(r, MHD_HTTP_NOT_FOUND, "NOT_FOUND", "no such page");
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(n, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(buf);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type_of(name));
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    return http_send(r, resp, status);
}

static enum MHD_Result page(struct http_req *r, const struct page *p)
{
    if (!r->signed_in)
        return http_redirect(r, "/login");
    if (!page_allows(p, r->s.principal))
        return send_file(r, "forbidden.html", MHD_HTTP_FORBIDDEN);
    return send_file(r, p->file, MHD_HTTP_OK);
}

const char *pages_home(const char *principal)
{
    if (!strcmp(principal, "gold"))
        return "/gold";
    if (!strcmp(principal, "duty") || !strcmp(principal, "intake"))
        return "/hub";
    return "/desk";
}

enum MHD_Result pages_serve(struct http_req *r)
{
    if (!strcmp(r->url, "/"))
        return http_redirect(r, r->signed_in ? pages_home(r->s.principal) : "/login");
    if (!strcmp(r->url, "/login"))
        return send_file(r, "login.html", MHD_HTTP_OK);
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
        if (!strcmp(r->url, pages[i].path))
            return page(r, &pages[i]);
    if (!strncmp(r->url, "/static/", 8) && name_ok(r->url + 8) &&
        strcmp(r->url + 8, "forbidden.html"))
        return send_file(r, r->url + 8, MHD_HTTP_OK);
    return send_file(r, "notfound.html", MHD_HTTP_NOT_FOUND);
}
