/* abipin pin on untrusted domain XML, with the properties tests/pin-golden.sh
 * checks on its fixed cases: the output parses again, pinning it again
 * changes nothing, and check --strict against the same platform is clean. */
#include <config.h>

#include <string.h>

#include "check-pins.h"
#include "fuzz-common.h"
#include "record-json.h"

static void pin_one(const AbipinPinContext *ctx, const char *data, size_t size)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL, *again = NULL;
    _cleanup_(json_object_putp) json_object *report = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_free_ char *xml = NULL, *xml2 = NULL;
    AbipinCheckOptions strict = { .strict = true };
    size_t len, len2;
    int r;

    if (abipin_domain_parse("fuzz.xml", data, size, &d) < 0 || abipin_pin_domain(ctx, d) < 0)
        return;
    report = abipin_record_to_json(d->record, d->name);
    FUZZ_ASSERT(abipin_domain_format(d, &xml, &len) >= 0, "cannot format a pinned domain");
    FUZZ_ASSERT(json_object_to_json_string(report), "no report");
    /* what pin wrote is a domain abipin reads */
    r = abipin_domain_parse("pinned.xml", xml, len, &again);
    FUZZ_ASSERT(r >= 0, "pin wrote XML it cannot read back:\n%s", xml);
    r = abipin_check_domain(ctx, again, &strict, &problems);
    FUZZ_ASSERT(r == 0, "check --strict refuses what pin wrote (%d): %s\n%s", r,
                problems.n ? problems.items[0].message : "", xml);
    /* pinning a pinned domain changes nothing (abipin(1), pin) */
    r = abipin_pin_domain(ctx, again);
    FUZZ_ASSERT(r >= 0, "re-pinning fails");
    FUZZ_ASSERT(abipin_domain_format(again, &xml2, &len2) >= 0, "cannot format");
    FUZZ_ASSERT(len == len2 && memcmp(xml, xml2, len) == 0,
                "re-pinning changed the document:\n--- first\n%s\n--- second\n%s", xml, xml2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_world();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzWorld *w = fuzz_world();

    pin_one(&w->host_ctx, (const char *) data, size);
    pin_one(&w->compat_ctx, (const char *) data, size);
    pin_one(&w->old_ctx, (const char *) data, size);
    fuzz_reset();
    return 0;
}
