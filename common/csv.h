/*
 * common/csv.h - a strict, streaming RFC 4180 CSV reader for bulk intake
 * of affected persons: quoted fields with embedded commas, quotes ("") and
 * line breaks, CRLF or LF line ends, a UTF-8 byte-order mark skipped, and
 * hard limits on field size, field count and line length so a hostile file
 * cannot exhaust memory.  Each record carries the line number it started
 * on, for per-row error reports.
 */
#ifndef MUSTER_CSV_H
#define MUSTER_CSV_H

#include <stddef.h>
#include <stdio.h>

#define CSV_MAX_FIELDS 64
#define CSV_MAX_FIELD 4096   /* bytes in one field */
#define CSV_MAX_RECORD 65536 /* bytes in one record */

struct csv_reader;

struct csv_record {
    size_t line; /* 1-based line the record starts on */
    size_t nfields;
    char **fields; /* NUL-terminated, valid until the next csv_next call */
};

/* Read from f (not closed by csv_close). */
struct csv_reader *csv_open(FILE *f);
void csv_close(struct csv_reader *r);

/*
 * The next record.  Returns 1 with rec filled, 0 at end of file, or -1 for
 * a malformed record (err says what and on which line: "line 7: unclosed
 * quote", "line 9: field longer than 4096 bytes", "line 12: not UTF-8");
 * after -1 the reader has skipped to the start of the next record and
 * reading may go on.
 */
int csv_next(struct csv_reader *r, struct csv_record *rec, char *err, size_t errlen);

/* Bytes consumed so far (for a progress bar). */
size_t csv_offset(const struct csv_reader *r);

#endif
