/* Placeholder being written now: the misp loader. */
#include "load_internal.h"

int load_misp(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    (void)c;
    (void)data;
    (void)len;
    return trawl_error_set(err, TRAWL_EUNSUPPORTED, c->name, "misp input is not supported yet");
}

bool sniff_misp(const char *data, size_t len)
{
    (void)data;
    (void)len;
    return false;
}
