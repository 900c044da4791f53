/* libFuzzer target: format detection: the first byte picks a file
 * name, the content picks the loader (TRAWL_FMT_AUTO).
 * Checks as in fuzz_load.h. */
#include "fuzz_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_load(data, size, TRAWL_FMT_AUTO);
}
