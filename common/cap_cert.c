/*
 * common/cap_cert.c - the certificate a plan names for a CAP sender
 * (cap_sig.h): one PEM X.509 certificate with an RSA (2048 bits or more)
 * or EC key and no private key beside it, and when it is valid.  OpenSSL
 * only, so the plan module can check a certificate at load without the
 * signature machinery (cap_sig.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cap_sig.h"

static int64_t asn1_seconds(const ASN1_TIME *t)
{
    struct tm tm;
    return t && ASN1_TIME_to_tm(t, &tm) == 1 ? (int64_t)timegm(&tm) : 0;
}

/* The public key is RSA of 2048 bits or more, or EC: NULL, or why not. */
static const char *key_refused(EVP_PKEY *k)
{
    if (!k)
        return "has no public key muster can read";
    int id = EVP_PKEY_get_base_id(k);
    if (id == EVP_PKEY_RSA)
        return EVP_PKEY_get_bits(k) < 2048 ? "holds an RSA key under 2048 bits" : NULL;
    return id == EVP_PKEY_EC ? NULL : "holds a key that is neither RSA nor EC";
}

int cap_sig_cert_check(const char *pem, size_t len, struct cap_sig_cert_info *info, char *err,
                       size_t errlen)
{
    memset(info, 0, sizeof(*info));
    if (len > CAP_SIG_CERT_MAX) {
        snprintf(err, errlen, "is over %d bytes: not one certificate", CAP_SIG_CERT_MAX);
        return -EINVAL;
    }
    if (memmem(pem, len, "PRIVATE KEY", 11)) {
        snprintf(err, errlen, "holds a private key: give muster the certificate only");
        return -EINVAL;
    }
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    const char *why = x ? key_refused(X509_get0_pubkey(x)) : "is not a PEM X.509 certificate";
    if (why) {
        snprintf(err, errlen, "%s", why);
        X509_free(x);
        return -EINVAL;
    }
    info->not_before = asn1_seconds(X509_get0_notBefore(x));
    info->not_after = asn1_seconds(X509_get0_notAfter(x));
    X509_NAME_oneline(X509_get_subject_name(x), info->subject, sizeof(info->subject));
    X509_free(x);
    return 0;
}
