/* Placeholder being written now: the stix loader. */
#include "load_internal.h"

int load_stix(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    (void)c;
    (void)data;
    (void)len;
    return trawl_error_set(err, TRAWL_EUNSUPPORTED, c->name, "stix input is not supported yet");
}

bool sniff_stix(const char *data, size_t len)
{
    (void)data;
    (void)len;
    return false;
}
