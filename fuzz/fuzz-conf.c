/* /etc/abipin.conf from untrusted bytes: what loads is one of the documented
 * values, and the paths are absolute. */
#include <config.h>

#include "conf.h"
#include "fuzz-common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_world();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write_file("abipin.conf", data, size);
    AbipinConfig conf = { .enforce = true };

    if (abipin_config_load(path, &conf) >= 0) {
        FUZZ_ASSERT(conf.unpinned == ABIPIN_UNPINNED_WARN || conf.unpinned == ABIPIN_UNPINNED_REFUSE ||
                        conf.unpinned == ABIPIN_UNPINNED_IGNORE,
                    "unpinned = %d", conf.unpinned);
        FUZZ_ASSERT(!conf.cache_dir || conf.cache_dir[0] == '/', "cache_dir %s", conf.cache_dir);
        FUZZ_ASSERT(!conf.host_profile || conf.host_profile[0] == '/', "host_profile %s",
                    conf.host_profile);
        abipin_config_clear(&conf);
    } else {
        FUZZ_ASSERT(abipin_error_message(), "failed without a message");
    }
    fuzz_reset();
    return 0;
}
