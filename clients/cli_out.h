/*
 * clients/cli_out.h - how the muster CLI prints results for people.
 */
#ifndef MUSTER_CLI_OUT_H
#define MUSTER_CLI_OUT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Format ms since the epoch as local time "2026-11-22 19:40:05 GMT". */
const char *cli_time(json_t *ms, char *buf, size_t len);

/* Print a JSON value pretty, with a newline. */
void cli_print_json(FILE *f, json_t *v);

void cli_print_standup(json_t *r);
void cli_print_incident_list(json_t *r);
void cli_print_incident(json_t *r);
void cli_print_plan_list(json_t *r);
void cli_print_plan(json_t *r);
void cli_print_pledges(json_t *r);
void cli_print_staffing(json_t *r);

#endif
