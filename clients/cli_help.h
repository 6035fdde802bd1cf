/*
 * clients/cli_help.h - the muster CLI's help: one entry per command (its
 * usage, the key it uses, what it does), printed by `muster help COMMAND`,
 * `muster COMMAND --help`, the overview of `muster help`, and the command
 * list the bash completion reads (`muster complete commands`).
 */
#ifndef MUSTER_CLI_HELP_H
#define MUSTER_CLI_HELP_H

#include <stdio.h>

/* The usage of every command, one line each, then the global options and
 * exit codes: `muster help`, and `muster` with no command (to stderr). */
void cli_help_overview(FILE *f);

/*
 * The help of the command named by the first words of words[0..n) ("person
 * add", "incident", "watch"): the full entry of a command, or the usage
 * lines of every command of a group.  Words that do not name a command
 * (an incident reference, an option) are ignored after the first.
 * Returns 0, or -1 when words[0] names no command (nothing printed).
 */
int cli_help_show(FILE *f, char *const *words, int n);

/* Every command's name ("incident standup"), one a line. */
void cli_help_commands(FILE *f);

/* How many of words[0..n) name a command with a help entry: 2 for
 * "person add ...", 1 for "watch ..." or a group alone, 0 for none. */
int cli_help_words(char *const *words, int n);

#endif
