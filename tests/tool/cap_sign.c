/*
 * tests/tool/cap_sign.c - sign a CAP 1.2 message with an enveloped
 * XML-DSig signature, as a partner's alerting system would, for the
 * black-box tests (bb_cap_sig): keys and certificates are made at test
 * time with the openssl command; nothing signed is committed.
 *
 *   cap_sign [--c14n incl|exc] [--method rsa-sha256|rsa-sha1|ecdsa-sha256]
 *            [--digest sha256|sha1] [--keyinfo CERT.pem] KEY.pem IN.xml OUT.xml
 *   cap_sign --pair [--ec] CN FROM TO KEY.pem CERT.pem
 *
 * The second form makes a key (RSA 2048, or EC P-256) and a self-signed
 * certificate for CN, valid from FROM to TO seconds from now (negative:
 * in the past, for an expired one).
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cap_sig.h"
#include "cap_sign.h"

/* Write len bytes of text to path: 0 or 1. */
static int spill(const char *path, const char *text, size_t len)
{
    FILE *f = text ? fopen(path, "wb") : NULL;
    int rc = f && fwrite(text, 1, len, f) == len ? 0 : 1;
    if (f && fclose(f) != 0)
        rc = 1;
    return rc;
}

/* --pair [--ec] CN FROM TO KEY CERT */
static int pair(bool ec, int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: cap_sign --pair [--ec] CN FROM TO KEY.pem CERT.pem\n");
        return 2;
    }
    struct cap_sign_pair p = cap_sign_pair_make(ec, argv[0], atol(argv[1]), atol(argv[2]));
    int rc =
        p.key ? spill(argv[3], p.key, strlen(p.key)) | spill(argv[4], p.cert, strlen(p.cert)) : 1;
    free(p.key);
    free(p.cert);
    return rc;
}

/* The whole file (at most 1 MiB), NUL-terminated, or NULL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(1 << 20) : NULL;
    if (buf) {
        *len = fread(buf, 1, (1 << 20) - 1, f);
        buf[*len] = '\0';
    }
    if (f)
        fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"c14n", required_argument, NULL, 'c'},
                                         {"method", required_argument, NULL, 'm'},
                                         {"digest", required_argument, NULL, 'd'},
                                         {"keyinfo", required_argument, NULL, 'k'},
                                         {"pair", no_argument, NULL, 'p'},
                                         {"ec", no_argument, NULL, 'e'},
                                         {NULL, 0, NULL, 0}};
    struct cap_sign_opts o = {0};
    const char *keyinfo = NULL;
    bool make_pair = false, ec = false;
    size_t len = 0, klen = 0, olen = 0;
    for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
        if (c == 'c')
            o.c14n = optarg;
        else if (c == 'm')
            o.method = optarg;
        else if (c == 'd')
            o.digest = optarg;
        else if (c == 'k')
            keyinfo = optarg;
        else if (c == 'p')
            make_pair = true;
        else if (c == 'e')
            ec = true;
        else
            return 2;
    }
    if (make_pair)
        return pair(ec, argc - optind, argv + optind);
    if (argc - optind != 3) {
        fprintf(stderr, "usage: cap_sign [options] KEY.pem IN.xml OUT.xml\n");
        return 2;
    }
    char *key = slurp(argv[optind], &klen), *in = slurp(argv[optind + 1], &len), *out = NULL;
    char *cert = keyinfo ? slurp(keyinfo, &klen) : NULL;
    o.keyinfo = cert;
    if (key && in && (!keyinfo || cert) && cap_sig_start() == 0)
        out = cap_sign(in, len, key, &o, &olen);
    int rc = spill(argv[optind + 2], out, olen);
    if (rc)
        fprintf(stderr, "cap_sign: cannot sign %s with %s\n", argv[optind + 1], argv[optind]);
    free(key);
    free(in);
    free(cert);
    free(out);
    cap_sig_shutdown();
    return rc;
}
