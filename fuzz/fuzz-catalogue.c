/* The feature catalogue from an untrusted file: validated as
 * abipin_catalogue_load does for any path, and trusted (no schema) as the
 * installed one is read. A catalogue that loads must serve pin, check and
 * abi of a fixed domain on the fixed host. */
#include <config.h>

#include "abi-json.h"
#include "catalogue.h"
#include "check-pins.h"
#include "fuzz-common.h"

static void use_catalogue(const FuzzWorld *w, const AbipinCatalogue *cat)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = fuzz_domain_copy(w);
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    AbipinCheckOptions lax = { .strict = false };
    AbipinPinContext ctx;
    AbipinAbi *all = NULL;
    AbipinMachine machine;
    size_t n;

    for (size_t i = 0; i < cat->n_features; i++) {
        (void) abipin_catalogue_bit_name(cat, cat->features[i].bit);
        (void) abipin_feature_default(&cat->features[i], 0, 0);
    }
    if (abipin_pin_context_init(&ctx, cat, w->host, ABIPIN_POLICY_HOST) < 0)
        return;
    (void) abipin_domain_machine(&ctx, w->domain, &machine);
    if (abipin_abi_compute_all(&ctx, w->domain, &all, &n) >= 0) {
        for (size_t i = 0; i < n; i++)
            json_object_put(abipin_abi_to_json(&ctx, w->domain->record, &all[i]));
        abipin_abi_free_all(all, n);
    }
    (void) abipin_check_domain(&ctx, d, &lax, &problems);
    (void) abipin_pin_domain(&ctx, d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_world();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzWorld *w = fuzz_world();
    const char *path = fuzz_write_file("features.xml", data, size);

    for (unsigned flags = 0; flags <= ABIPIN_CATALOGUE_TRUSTED; flags += ABIPIN_CATALOGUE_TRUSTED) {
        _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;

        if (abipin_catalogue_load_flags(path, flags, &cat) >= 0)
            use_catalogue(w, cat);
        fuzz_reset();
    }
    return 0;
}
