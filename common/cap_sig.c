/*
 * common/cap_sig.c - a CAP 1.2 message's XML-DSig signature verified with
 * the certificate the plan names for its sender (cap_sig.h).
 *
 * Why the profile is checked by hand before libxmlsec1 sees the message:
 * XML-DSig lets a signature point anywhere (a URI, an Id elsewhere in the
 * document), transform what it points at (XSLT, XPath) and name its own
 * key (KeyInfo, RetrievalMethod); each is a known way to make a valid
 * signature cover something other than what is acted on (signature
 * wrapping) or to make the verifier fetch or run something.  A CAP alert
 * needs none of it: one enveloped signature over the whole document.  So
 * anything else is refused with the element named, and libxmlsec1 is
 * then told the same (only URI "", only these transforms, the key set
 * before KeyInfo is looked at, which makes it ignore KeyInfo).  The
 * canonicalisation and the cryptography are libxmlsec1's: not something
 * to write by hand.
 */
#include "cap_sig.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "cap.h"
#include "xml.h"

#define DS_NS "http://www.w3.org/2000/09/xmldsig#"
#define MORE "http://www.w3.org/2001/04/xmldsig-more#"
#define ENVELOPED DS_NS "enveloped-signature"

static const char *const c14n_algs[] = {
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments", NULL};
static const char *const sig_algs[] = {MORE "rsa-sha256",
                                       MORE "rsa-sha384",
                                       MORE "rsa-sha512",
                                       MORE "ecdsa-sha256",
                                       MORE "ecdsa-sha384",
                                       MORE "ecdsa-sha512",
                                       NULL};
static const char *const digest_algs[] = {"http://www.w3.org/2001/04/xmlenc#sha256", MORE "sha384",
                                          "http://www.w3.org/2001/04/xmlenc#sha512", NULL};

/* ---- libxmlsec1, once ---------------------------------------------------- */

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool started;
static char reason[200]; /* libxmlsec1's first complaint of a verification */

static void sig_error(const char *file, int line, const char *func, const char *obj,
                      const char *subj, int r, const char *msg)
{
    if (!*reason)
        snprintf(reason, sizeof(reason), "%s%s%s", subj ? subj : "", subj ? ": " : "",
                 msg ? msg : "error");
}

static void sig_start(void)
{
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1)
        return;
    if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
        xmlSecShutdown();
        return;
    }
    xmlSecErrorsDefaultCallbackEnableOutput(0);
    xmlSecErrorsSetCallback(sig_error);
    started = true;
}

int cap_sig_start(void)
{
    pthread_once(&once, sig_start);
    return started ? 0 : -EINVAL;
}

void cap_sig_shutdown(void)
{
    if (!started)
        return;
    xmlSecCryptoShutdown();
    xmlSecCryptoAppShutdown();
    xmlSecShutdown();
    started = false;
}

/* ---- the profile --------------------------------------------------------- */

static bool is_ds(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           !strcmp((const char *)n->ns->href, DS_NS) &&
           (!name || !strcmp((const char *)n->name, name));
}

static const xmlNode *ds_child(const xmlNode *n, const char *name)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_ds(c, name))
            return c;
    return NULL;
}

static bool in_set(const char *const *set, const char *v)
{
    for (size_t i = 0; v && set[i]; i++)
        if (!strcmp(set[i], v))
            return true;
    return false;
}

/* err: "PATH: what", PATH the node's. */
static int refuse(const xmlNode *n, char *err, size_t errlen, const char *what)
{
    char path[256];
    xml_node_path(n, path, sizeof(path));
    snprintf(err, errlen, "%s: %s", path, what);
    return -EINVAL;
}

/* The Algorithm of parent's child name is one of set: 0, or -EINVAL
 * naming the child (and saying so of SHA-1 and MD5). */
static int algorithm_ok(const xmlNode *parent, const char *name, const char *const *set,
                        const char *kind, char *err, size_t errlen)
{
    const xmlNode *n = ds_child(parent, name);
    char what[300];
    if (!n) {
        snprintf(what, sizeof(what), "no %s", name);
        return refuse(parent, err, errlen, what);
    }
    xmlChar *alg = xmlGetProp(n, (const xmlChar *)"Algorithm");
    const char *a = alg ? (const char *)alg : "";
    bool weak = strstr(a, "sha1") || strstr(a, "md5");
    snprintf(what, sizeof(what), "%s \"%.120s\" is refused (%s)", kind, a,
             weak ? "SHA-1 and MD5 are broken: SHA-256 or stronger" : "not in muster's profile");
    int rc = in_set(set, a) ? 0 : refuse(n, err, errlen, what);
    xmlFree(alg);
    return rc;
}

/* The Reference's transforms: enveloped-signature and C14N only. */
static int transforms_ok(const xmlNode *ref, char *err, size_t errlen)
{
    bool enveloped = false;
    const xmlNode *ts = ds_child(ref, "Transforms");
    for (const xmlNode *c = ts ? ts->children : NULL; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!is_ds(c, "Transform"))
            return refuse(c, err, errlen, "not a Transform");
        xmlChar *alg = xmlGetProp(c, (const xmlChar *)"Algorithm");
        const char *a = alg ? (const char *)alg : "";
        char what[300];
        snprintf(what, sizeof(what),
                 "transform \"%.120s\" is refused (enveloped-signature and C14N only: no "
                 "XSLT, no XPath)",
                 a);
        bool env = !strcmp(a, ENVELOPED), ok = env || in_set(c14n_algs, a);
        xmlFree(alg);
        if (!ok)
            return refuse(c, err, errlen, what);
        enveloped |= env;
    }
    return enveloped ? 0
                     : refuse(ref, err, errlen,
                              "no enveloped-signature transform: not an enveloped signature");
}

/* The one Reference: to the whole document, transforms and digest of the
 * profile. */
static int reference_ok(const xmlNode *si, char *err, size_t errlen)
{
    const xmlNode *ref = ds_child(si, "Reference");
    for (const xmlNode *r = ref ? ref->next : NULL; r; r = r->next)
        if (is_ds(r, "Reference"))
            return refuse(r, err, errlen,
                          "a second Reference is refused: one, to the whole message (URI \"\")");
    if (!ref)
        return refuse(si, err, errlen, "no Reference");
    xmlChar *uri = xmlGetProp(ref, (const xmlChar *)"URI");
    char what[300];
    snprintf(what, sizeof(what),
             "URI %s%.120s%s is refused: only URI \"\", the whole message (nothing is fetched)",
             uri ? "\"" : "", uri ? (const char *)uri : "missing", uri ? "\"" : "");
    bool whole = uri && !*uri;
    xmlFree(uri);
    if (!whole)
        return refuse(ref, err, errlen, what);
    if (transforms_ok(ref, err, errlen))
        return -EINVAL;
    return algorithm_ok(ref, "DigestMethod", digest_algs, "digest", err, errlen);
}

/* The Signature's own parts: SignedInfo of the profile, no Object. */
static int signature_ok(const xmlNode *sig, char *err, size_t errlen)
{
    const xmlNode *si = ds_child(sig, "SignedInfo"), *obj = ds_child(sig, "Object");
    if (obj)
        return refuse(obj, err, errlen,
                      "an Object is refused (it can carry a second message: signature wrapping)");
    if (!si)
        return refuse(sig, err, errlen, "no SignedInfo");
    if (algorithm_ok(si, "CanonicalizationMethod", c14n_algs, "canonicalisation", err, errlen) ||
        algorithm_ok(si, "SignatureMethod", sig_algs, "signature method", err, errlen))
        return -EINVAL;
    return reference_ok(si, err, errlen);
}

/* Below the root: no other <alert> and no other Signature (wrapping). */
static int nothing_wrapped(const xmlNode *n, const xmlNode *root, char *err, size_t errlen)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!strcmp((const char *)c->name, "alert"))
            return refuse(c, err, errlen,
                          "a second <alert> inside the message is refused (signature wrapping)");
        if (is_ds(c, "Signature") && n != root)
            return refuse(c, err, errlen, "a Signature inside another element is refused");
        if (nothing_wrapped(c, root, err, errlen))
            return -EINVAL;
    }
    return 0;
}

/* The one Signature: the last child of root.  *sig, or -EINVAL. */
static int find_signature(const xmlNode *root, const xmlNode **sig, char *err, size_t errlen)
{
    const xmlNode *last = NULL;
    *sig = NULL;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        last = c;
        if (!is_ds(c, "Signature"))
            continue;
        if (*sig)
            return refuse(c, err, errlen,
                          "a second signature is refused (one enveloped signature)");
        *sig = c;
    }
    if (!*sig) {
        snprintf(err, errlen, "/alert/Signature: missing: the message is not signed");
        return -EINVAL;
    }
    if (last != *sig)
        return refuse(*sig, err, errlen, "must be the last child of <alert> (CAP 1.2 3.3.4)");
    return signature_ok(*sig, err, errlen);
}

/* ---- the cryptography ---------------------------------------------------- */

static void enable(xmlSecDSigCtxPtr d)
{
    xmlSecTransformId c14n[] = {xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId,
                                xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId};
    xmlSecTransformId sig[] = {xmlSecTransformRsaSha256Id,   xmlSecTransformRsaSha384Id,
                               xmlSecTransformRsaSha512Id,   xmlSecTransformEcdsaSha256Id,
                               xmlSecTransformEcdsaSha384Id, xmlSecTransformEcdsaSha512Id};
    xmlSecTransformId digest[] = {xmlSecTransformSha256Id, xmlSecTransformSha384Id,
                                  xmlSecTransformSha512Id};
    for (size_t i = 0; i < sizeof(c14n) / sizeof(c14n[0]); i++) {
        xmlSecDSigCtxEnableSignatureTransform(d, c14n[i]);
        xmlSecDSigCtxEnableReferenceTransform(d, c14n[i]);
    }
    for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
        xmlSecDSigCtxEnableSignatureTransform(d, sig[i]);
    for (size_t i = 0; i < sizeof(digest) / sizeof(digest[0]); i++)
        xmlSecDSigCtxEnableReferenceTransform(d, digest[i]);
    xmlSecDSigCtxEnableReferenceTransform(d, xmlSecTransformEnvelopedId);
    d->enabledReferenceUris = xmlSecTransformUriTypeEmpty;
    d->flags = XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS | XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES;
}

/* Why a signature that libxmlsec1 processed is invalid, naming the part. */
static int invalid(xmlSecDSigCtxPtr d, const xmlNode *sig, char *err, size_t errlen)
{
    for (xmlSecSize i = 0; i < xmlSecPtrListGetSize(&d->signedInfoReferences); i++) {
        xmlSecDSigReferenceCtxPtr r = xmlSecPtrListGetItem(&d->signedInfoReferences, i);
        if (r && r->status == xmlSecDSigStatusInvalid)
            return refuse(ds_child(ds_child(sig, "SignedInfo"), "Reference"), err, errlen,
                          "the digest does not match: the message was changed after it was "
                          "signed");
    }
    return refuse(ds_child(sig, "SignatureValue"), err, errlen,
                  "not made by the key of the sender's certificate in the plan (or SignedInfo "
                  "was changed)");
}

/* Verify sig in doc with the key of certificate pem. */
static int verify(xmlDocPtr doc, const xmlNode *sig, const char *pem, char *err, size_t errlen)
{
    if (cap_sig_start() != 0) {
        snprintf(err, errlen, "/alert/Signature: cannot be verified: libxmlsec1 did not start");
        return -EINVAL;
    }
    *reason = '\0';
    xmlSecKeyPtr key =
        xmlSecCryptoAppKeyLoadMemory((const xmlSecByte *)pem, (xmlSecSize)strlen(pem),
                                     xmlSecKeyDataFormatCertPem, NULL, NULL, NULL);
    xmlSecDSigCtxPtr d = key ? xmlSecDSigCtxCreate(NULL) : NULL;
    if (!d) {
        xmlSecKeyDestroy(key);
        snprintf(err, errlen, "/alert/Signature: the certificate's key cannot be loaded");
        return key ? -ENOMEM : -EINVAL;
    }
    d->signKey = key; /* the context owns it now; KeyInfo is not read */
    enable(d);
    int rc = 0;
    if (xmlSecDSigCtxVerify(d, (xmlNodePtr)sig) < 0) {
        char what[300];
        snprintf(what, sizeof(what), "cannot be verified with the certificate's key: %s",
                 *reason ? reason : "error");
        rc = refuse(sig, err, errlen, what);
    } else if (d->status != xmlSecDSigStatusSucceeded) {
        rc = invalid(d, sig, err, errlen);
    }
    xmlSecDSigCtxDestroy(d);
    return rc;
}

/* The certificate is valid at now: 0, or -EINVAL. */
static int cert_current(const char *pem, time_t now, char *err, size_t errlen)
{
    struct cap_sig_cert_info info;
    char why[200], when[32];
    if (cap_sig_cert_check(pem, strlen(pem), &info, why, sizeof(why)) != 0) {
        snprintf(err, errlen, "/alert/sender: the certificate in the plan %s", why);
        return -EINVAL;
    }
    time_t t = (time_t)(now < info.not_before ? info.not_before : info.not_after);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (now >= info.not_before && now <= info.not_after)
        return 0;
    snprintf(err, errlen, "/alert/sender: the certificate the plan names for the sender %s %s",
             now < info.not_before ? "is not valid before" : "expired on", when);
    return -EINVAL;
}

int cap_sig_verify(const char *buf, size_t len, const char *pem, time_t now, char *err,
                   size_t errlen)
{
    xmlDocPtr doc = NULL;
    const xmlNode *sig = NULL;
    *err = '\0';
    int rc = xml_parse_exact(buf, len, &doc, err, errlen);
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (rc == 0 && (!root || strcmp((const char *)root->name, "alert") || !root->ns ||
                    strcmp((const char *)root->ns->href, CAP_NS))) {
        snprintf(err, errlen, "/: not a CAP 1.2 <alert>");
        rc = -EINVAL;
    }
    if (rc == 0)
        rc = nothing_wrapped(root, root, err, errlen);
    if (rc == 0)
        rc = find_signature(root, &sig, err, errlen);
    if (rc == 0)
        rc = cert_current(pem, now, err, errlen);
    if (rc == 0)
        rc = verify(doc, sig, pem, err, errlen);
    xmlFreeDoc(doc);
    return rc;
}
