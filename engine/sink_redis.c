/* Placeholder being written now: the Redis Streams sink. */
#include "sink_internal.h"

int sink_open_redis(struct sink *s, const char *url, const char *spool, struct trawl_error *err)
{
    (void)spool;
    return trawl_error_set(err, TRAWL_EUNSUPPORTED, s->name, "Redis sink %s: not built yet", url);
}
