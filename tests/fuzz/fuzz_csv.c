/*
 * tests/fuzz/fuzz_csv.c - libFuzzer target for the streaming CSV reader
 * (common/csv.c): the input is one CSV file, read through fmemopen to its
 * end, errors included (the reader must resynchronise after each).  The
 * limits csv.h promises are checked on every record.
 * See tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* fmemopen refuses an empty buffer: an empty file is /dev/null. */
    FILE *f = size > 0 ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
    if (f == NULL)
        return 0;
    struct csv_reader *r = csv_open(f);
    CHECK(r != NULL);

    struct csv_record rec;
    char err[256];
    char tiny[6];
    size_t calls = 0, last_line = 0;
    for (;;) {
        /* Vary the error buffer: full, truncating, and none at all. */
        char *eb = calls % 3 == 0 ? err : calls % 3 == 1 ? tiny : NULL;
        size_t el = calls % 3 == 0 ? sizeof err : calls % 3 == 1 ? sizeof tiny : 0;
        if (eb != NULL)
            eb[0] = '\0';
        int rc = csv_next(r, &rec, eb, el);
        calls++;
        /* Every record consumes at least one byte. */
        CHECK(calls <= size + 2);
        CHECK(csv_offset(r) <= size);
        if (rc == 0)
            break;
        CHECK(rc == 1 || rc == -1);
        CHECK(rec.line >= 1 && rec.line >= last_line);
        last_line = rec.line;
        if (rc == -1) {
            CHECK(rec.nfields == 0);
            if (eb != NULL && el > 0) {
                CHECK(memchr(eb, '\0', el) != NULL);
                CHECK(strncmp(eb, "line ", el - 1 < 5 ? el - 1 : 5) == 0);
            }
            continue;
        }
        CHECK(rec.nfields >= 1 && rec.nfields <= CSV_MAX_FIELDS);
        size_t total = 0;
        for (size_t i = 0; i < rec.nfields; i++) {
            size_t n = strlen(rec.fields[i]);
            CHECK(n <= CSV_MAX_FIELD);
            total += n;
        }
        CHECK(total <= CSV_MAX_RECORD);
    }
    /* End of file is sticky. */
    CHECK(csv_next(r, &rec, err, sizeof err) == 0);
    csv_close(r);
    fclose(f);
    return 0;
}
