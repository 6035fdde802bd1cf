/*
 * daemon/namefold.h - the comparison key of a person's name, for the
 * duplicate check.
 *
 * Two names that a call handler would read as the same get the same key:
 * case, compatibility forms (NFKC), composed and decomposed accents,
 * look-alike letters from other scripts (Unicode confusables: Cyrillic 'а'
 * for Latin 'a'), zero-width characters and runs of spaces of any kind make
 * no difference.  The key is for comparing only, never for display.
 */
#ifndef MUSTER_NAMEFOLD_H
#define MUSTER_NAMEFOLD_H

#include <stdbool.h>
#include <stddef.h>

#include <sqlite3.h>

/* Room for the key of any name of up to 200 characters (a look-alike can
 * fold to several characters); a longer key is cut at a character. */
#define NAMEFOLD_KEY_MAX 1024

/*
 * Write the key of name (UTF-8) into out (len bytes, NUL-terminated).
 * Returns 0, -EILSEQ when name is not UTF-8, -ENOMEM, or -EIO when ICU
 * fails; out is then "".
 */
int namefold_key(const char *name, char *out, size_t len);

/* Register the SQL function muster_name_key(text) on db: namefold_key of
 * text, NULL for NULL (schema migrations use it to fill the key of rows
 * stored before).  Returns 0 or -errno. */
int namefold_sql_register(sqlite3 *db);

/* The comparison key of a telephone number (digits only, +44 read as a
 * leading 0) into out (len bytes): true, or false when phone is not a
 * number of 6 to 15 digits written with digits, spaces, + - ( ). */
bool namefold_phone_key(const char *phone, char *out, size_t len);

#endif
