/*
 * daemon/metrics_text.c - the Prometheus text exposition format 0.0.4 (see
 * metrics.h): label escaping, HELP and TYPE lines, histograms.
 */
#include "metrics.h"

#include <stdio.h>

void metrics_label_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '"')
            fputs("\\\"", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

/* HELP text escapes only backslash and newline. */
static void help_escape(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\\\", f);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

void metrics_head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s ", name);
    help_escape(f, help);
    fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void metrics_hist_observe(struct metrics_hist *h, double v)
{
    size_t i = 0;
    while (i < h->n && v > h->bounds[i])
        i++;
    h->counts[i]++;
    h->sum += v;
}

void metrics_hist_write(FILE *f, const char *name, const struct metrics_hist *h)
{
    uint64_t total = 0;
    for (size_t i = 0; i < h->n; i++) {
        total += h->counts[i];
        fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, h->bounds[i], (unsigned long long)total);
    }
    total += h->counts[h->n];
    fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)total);
    fprintf(f, "%s_sum %.9g\n%s_count %llu\n", name, h->sum, name, (unsigned long long)total);
}
