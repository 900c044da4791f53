/* Placeholder being written now: the openioc loader. */
#include "load_internal.h"

int load_openioc(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    (void)c;
    (void)data;
    (void)len;
    return trawl_error_set(err, TRAWL_EUNSUPPORTED, c->name, "openioc input is not supported yet");
}

bool sniff_openioc(const char *data, size_t len)
{
    (void)data;
    (void)len;
    return false;
}
