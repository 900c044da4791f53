/* Placeholder being written now: the text loader. */
#include "load_internal.h"

int load_text(struct load_ctx *c, const char *data, size_t len, struct trawl_error *err)
{
    (void)c;
    (void)data;
    (void)len;
    return trawl_error_set(err, TRAWL_EUNSUPPORTED, c->name, "text input is not supported yet");
}

bool sniff_text(const char *name, const char *data, size_t len)
{
    (void)name;
    (void)data;
    (void)len;
    return false;
}
