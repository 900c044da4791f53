/* libFuzzer target: DNS message decoding (wire-format names, compression
 * pointers, answer records) and the other stateless field parsers on the
 * same bytes. Checks: every name is dotted text of at most 255 bytes with
 * no empty label, so a pointer loop or an overlong name never escapes. */
#include <string.h>

#include "fuzz_util.h"
#include "trawl_capture.h"

static void on_field(void *ud, const char *field, const char *value, size_t len)
{
    (void)ud;
    FUZZ_CHECK(field && field[0], "field without a name");
    if (!strcmp(field, "dns.query")) {
        FUZZ_CHECK(len <= 255, "name of %zu bytes", len);
        for (size_t i = 0; i + 1 < len; i++)
            FUZZ_CHECK(!(value[i] == '.' && value[i + 1] == '.'), "empty label in a name");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    trawl_proto_dns(data, size, on_field, NULL);
    trawl_proto_http(data, size, on_field, NULL);
    trawl_proto_tls(data, size, on_field, NULL);
    trawl_proto_smtp(data, size, on_field, NULL);
    return 0;
}
