/*
 * common/cap_sig.h - the XML-DSig signature of a CAP 1.2 message
 * (CAP 1.2 section 3.3.4), verified with the certificate a plan names for
 * its sender and nothing else (docs/interop.md, "Signatures").
 *
 * What is accepted is one profile, checked before any cryptography: one
 * enveloped ds:Signature, the last child of <alert>, signing the whole
 * document (one Reference, URI ""), with the enveloped-signature
 * transform and inclusive or exclusive canonicalisation only, SHA-256 or
 * stronger (RSA or ECDSA).  KeyInfo is never read, no URI is ever
 * dereferenced, no XSLT or XPath transform is run.  libxmlsec1 does the
 * canonicalisation and the cryptography.
 */
#ifndef MUSTER_CAP_SIG_H
#define MUSTER_CAP_SIG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The longest certificate (PEM text) a plan may name. */
#define CAP_SIG_CERT_MAX 16384

/* What a certificate is: when it is valid (Unix seconds) and its subject. */
struct cap_sig_cert_info {
    int64_t not_before, not_after;
    char subject[256];
};

/*
 * Check that pem (len bytes) is one PEM X.509 certificate with an RSA
 * (2048 bits or more) or EC public key, and no private key: 0 with *info
 * filled, or -EINVAL with what is wrong in err.
 */
int cap_sig_cert_check(const char *pem, size_t len, struct cap_sig_cert_info *info, char *err,
                       size_t errlen);

/*
 * Verify the signature of the CAP message buf (len bytes, read safely by
 * common/xml.c, whitespace kept as signed) with the certificate pem (NUL-
 * terminated), at time now: 0 when it carries exactly one signature of
 * the profile above, made by that certificate's key while it was valid;
 * -EINVAL with err "PATH: why" (PATH names the element: a missing
 * signature is "/alert/Signature"), or -ENOMEM.  Not thread-safe: call
 * from one thread at a time (musterd's loop).
 */
int cap_sig_verify(const char *buf, size_t len, const char *pem, time_t now, char *err,
                   size_t errlen);

/* Start libxmlsec1 once for the process (cap_sig_verify does it too;
 * a signer in the same process, a test, calls it first): 0 or -EINVAL. */
int cap_sig_start(void);

/* Release libxmlsec1 at exit, if cap_sig_verify ever started it. */
void cap_sig_shutdown(void);

#endif
