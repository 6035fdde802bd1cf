/*
 * tests/cap_sign.h - signing a CAP 1.2 message the way a partner's
 * system would (an enveloped XML-DSig signature, the last child of
 * <alert>), with libxmlsec1: for tests/tool/cap_sign.c, which signs the
 * black-box tests' fixtures, and tests/test_cap_sig.c.  Keys are made at
 * test time; none is committed.  Call cap_sig_start() first.
 */
#ifndef MUSTER_TEST_CAP_SIGN_H
#define MUSTER_TEST_CAP_SIGN_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/templates.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

/* A key and its self-signed certificate, PEM (malloc'd; NULL on failure). */
struct cap_sign_pair {
    char *key, *cert;
};

static char *cap_sign_bio_text(BIO *b)
{
    char *p = NULL;
    long n = b ? BIO_get_mem_data(b, &p) : 0;
    char *s = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (s) {
        memcpy(s, p, (size_t)n);
        s[n] = '\0';
    }
    BIO_free(b);
    return s;
}

/* A key (RSA 2048, or EC P-256) and a certificate for cn valid from..to
 * seconds from now. */
static struct cap_sign_pair cap_sign_pair_make(bool use_ec, const char *cn, long from, long to)
{
    EVP_PKEY *k = use_ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(2048);
    X509 *x = X509_new();
    struct cap_sign_pair p = {NULL, NULL};
    if (k && x) {
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), from);
        X509_gmtime_adj(X509_getm_notAfter(x), to);
        X509_set_pubkey(x, k);
        X509_NAME *name = X509_get_subject_name(x);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
        X509_set_issuer_name(x, name);
    }
    if (k && x && X509_sign(x, k, EVP_sha256()) > 0) {
        BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
        PEM_write_bio_PrivateKey(kb, k, NULL, NULL, 0, NULL, NULL);
        PEM_write_bio_X509(cb, x);
        p.key = cap_sign_bio_text(kb);
        p.cert = cap_sign_bio_text(cb);
    }
    X509_free(x);
    EVP_PKEY_free(k);
    return p;
}

/* How to sign: each NULL is the default of the profile muster accepts. */
struct cap_sign_opts {
    const char *c14n;    /* "exc" (default) or "incl" */
    const char *method;  /* "rsa-sha256" (default), "rsa-sha1", "ecdsa-sha256" */
    const char *digest;  /* "sha256" (default), "sha1" */
    const char *keyinfo; /* a PEM certificate to put in KeyInfo/X509Data, or NULL */
};

static xmlSecTransformId cap_sign_method(const char *m)
{
    if (m && !strcmp(m, "rsa-sha1"))
        return xmlSecTransformRsaSha1Id;
    if (m && !strcmp(m, "ecdsa-sha256"))
        return xmlSecTransformEcdsaSha256Id;
    return xmlSecTransformRsaSha256Id;
}

/* The template: Signature appended to root, one Reference URI "". */
static xmlNodePtr cap_sign_template(xmlDocPtr doc, const struct cap_sign_opts *o)
{
    xmlSecTransformId c14n =
        o->c14n && !strcmp(o->c14n, "incl") ? xmlSecTransformInclC14NId : xmlSecTransformExclC14NId;
    xmlSecTransformId digest =
        o->digest && !strcmp(o->digest, "sha1") ? xmlSecTransformSha1Id : xmlSecTransformSha256Id;
    xmlNodePtr sig = xmlSecTmplSignatureCreate(doc, c14n, cap_sign_method(o->method), NULL);
    if (!sig)
        return NULL;
    xmlAddChild(xmlDocGetRootElement(doc), sig);
    xmlNodePtr ref = xmlSecTmplSignatureAddReference(sig, digest, NULL, (const xmlChar *)"", NULL);
    if (!ref || !xmlSecTmplReferenceAddTransform(ref, xmlSecTransformEnvelopedId))
        return NULL;
    if (o->keyinfo) {
        xmlNodePtr ki = xmlSecTmplSignatureEnsureKeyInfo(sig, NULL);
        if (!ki || !xmlSecTmplKeyInfoAddX509Data(ki))
            return NULL;
    }
    return sig;
}

/* xml (len bytes) signed with the private key key_pem: the document
 * (malloc'd, NUL-terminated, *outlen set), or NULL. */
static char *cap_sign(const char *xml, size_t len, const char *key_pem,
                      const struct cap_sign_opts *o, size_t *outlen)
{
    char *out = NULL;
    xmlDocPtr doc = xmlReadMemory(xml, (int)len, "cap.xml", NULL, XML_PARSE_NONET);
    xmlNodePtr sig = doc ? cap_sign_template(doc, o) : NULL;
    xmlSecDSigCtxPtr d = sig ? xmlSecDSigCtxCreate(NULL) : NULL;
    if (d) {
        d->signKey =
            xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)key_pem, (xmlSecSize)strlen(key_pem),
                                         xmlSecKeyDataFormatPem, NULL, NULL, NULL);
        if (d->signKey && o->keyinfo)
            xmlSecCryptoAppKeyCertLoadMemory(d->signKey, (const xmlSecByte *)o->keyinfo,
                                             (xmlSecSize)strlen(o->keyinfo),
                                             xmlSecKeyDataFormatPem);
    }
    if (d && d->signKey && xmlSecDSigCtxSign(d, sig) == 0) {
        xmlChar *mem = NULL;
        int n = 0;
        /* In UTF-8 whatever the input declared: a document read as UTF-7
         * and written back in UTF-7 has its '<' as "+ADw-", which no
         * reader can detect.  The signature covers the canonical form,
         * which is UTF-8 anyway. */
        xmlDocDumpMemoryEnc(doc, &mem, &n, "UTF-8");
        if (mem && (out = malloc((size_t)n + 1))) {
            memcpy(out, mem, (size_t)n);
            out[n] = '\0';
            *outlen = (size_t)n;
        }
        xmlFree(mem);
    }
    if (d)
        xmlSecDSigCtxDestroy(d);
    xmlFreeDoc(doc);
    return out;
}

#endif
