/*
 * tests/fuzz/fuzz_cap_sig.c - libFuzzer target for signed CAP
 * (common/cap_sig.c on common/xml.c and libxmlsec1): the input is one
 * message, verified with a certificate made at start-up.  A refusal must
 * name where ("/..." or "line N").  An input that is a well-formed alert
 * without a signature is then signed with that certificate's key and
 * must verify: whatever a partner signs, muster can check.  See
 * tests/fuzz/README.md.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cap_sign.h"
#include "cap_sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static struct cap_sign_pair pair;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    CHECK(cap_sig_start() == 0);
    pair = cap_sign_pair_make(false, "fuzz.example", -3600, 86400 * 365);
    CHECK(pair.key != NULL);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    int rc = cap_sig_verify((const char *)data, size, pair.cert, time(NULL), err, sizeof(err));
    if (rc == 0)
        return 0;
    CHECK(rc == -EINVAL || rc == -EFBIG);
    CHECK(err[0] == '/' || !strncmp(err, "line ", 5) || !strncmp(err, "document of", 11));
    if (strcmp(err, "/alert/Signature: missing: the message is not signed") != 0)
        return 0;
    struct cap_sign_opts o = {0};
    size_t len = 0;
    char *signed_ = cap_sign((const char *)data, size, pair.key, &o, &len);
    if (!signed_)
        return 0; /* not UTF-8 libxml2 can write back, say */
    rc = cap_sig_verify(signed_, len, pair.cert, time(NULL), err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "signed, then refused: %s\n", err);
    CHECK(rc == 0);
    free(signed_);
    return 0;
}
