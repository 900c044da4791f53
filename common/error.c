/* Error codes and the caller-owned error record. */
#include <stdio.h>
#include <string.h>

#include "trawl_common.h"

const char *trawl_strerror(int code)
{
    switch (code) {
    case TRAWL_OK:
        return "success";
    case TRAWL_EINVAL:
        return "invalid value";
    case TRAWL_ENOMEM:
        return "out of memory";
    case TRAWL_EIO:
        return "input/output error";
    case TRAWL_EFORMAT:
        return "malformed input";
    case TRAWL_ECORRUPT:
        return "corrupt data";
    case TRAWL_EVERSION:
        return "unsupported format version";
    case TRAWL_EPLATFORM:
        return "built for another platform";
    case TRAWL_EHS:
        return "Hyperscan error";
    case TRAWL_EUNSUPPORTED:
        return "not supported";
    case TRAWL_ETRUNC:
        return "truncated input";
    default:
        return "unknown error";
    }
}

int trawl_error_set(struct trawl_error *err, int code, const char *where, const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    snprintf(err->where, sizeof(err->where), "%s", where ? where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

const char *trawl_error_str(const struct trawl_error *err, char *buf, size_t bufsz)
{
    if (err->where[0])
        snprintf(buf, bufsz, "%s: %s", err->where,
                 err->msg[0] ? err->msg : trawl_strerror(err->code));
    else
        snprintf(buf, bufsz, "%s", err->msg[0] ? err->msg : trawl_strerror(err->code));
    return buf;
}
