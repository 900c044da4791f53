/* libFuzzer target: the csv loader (trawl_ioc_load_mem, TRAWL_FMT_CSV).
 * Checks as in fuzz_load.h. */
#include "fuzz_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_load(data, size, TRAWL_FMT_CSV);
}
