/* The read-only operations on untrusted domain XML: check (strict or not),
 * abi (and its JSON) and audit, each against the fixed host and against
 * linux-5.14. */
#include <config.h>

#include <string.h>

#include "abi-json.h"
#include "audit.h"
#include "fuzz-common.h"

static void check_one(const FuzzWorld *w, const AbipinPinContext *ctx, const AbipinDomain *d)
{
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_(abipin_problem_list_clear) AbipinProblemList strict_problems = { 0 };
    _cleanup_(abipin_finding_list_clear) AbipinFindingList findings = { 0 };
    AbipinCheckOptions lax = { .strict = false }, strict = { .strict = true };
    AbipinAbi *all = NULL;
    AbipinMachine machine;
    size_t n = 0;
    int errors, strict_errors;

    errors = abipin_check_domain(ctx, d, &lax, &problems);
    strict_errors = abipin_check_domain(ctx, d, &strict, &strict_problems);
    /* --strict only turns warnings into errors */
    FUZZ_ASSERT(errors < 0 ? strict_errors < 0 : strict_errors >= errors, "strict %d < lax %d",
                strict_errors, errors);
    if (errors >= 0)
        FUZZ_ASSERT(problems.n == strict_problems.n, "--strict changed the number of findings");
    (void) abipin_domain_machine(ctx, d, &machine);
    if (abipin_abi_compute_all(ctx, d, &all, &n) >= 0) {
        for (size_t i = 0; i < n; i++) {
            json_object *o = abipin_abi_to_json(ctx, d->record, &all[i]);

            FUZZ_ASSERT(o && json_object_to_json_string(o), "abi JSON");
            json_object_put(o);
        }
        abipin_abi_free_all(all, n);
    }
    if (abipin_audit_domain(ctx, w->host_digest, d, &findings) >= 0)
        for (size_t i = 0; i < findings.n; i++)
            FUZZ_ASSERT(abipin_finding_kind_to_string(findings.items[i].kind) &&
                            findings.items[i].message,
                        "a finding without a kind or a message");
    fuzz_reset();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_world();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzWorld *w = fuzz_world();
    _cleanup_(abipin_domain_freep) AbipinDomain *d = NULL;

    /* as the commands that only read a definition parse it */
    if (abipin_domain_parse_flags("fuzz.xml", (const char *) data, size, ABIPIN_DOMAIN_READ_ONLY,
                                  &d) >= 0) {
        check_one(w, &w->host_ctx, d);
        check_one(w, &w->old_ctx, d);
    }
    fuzz_reset();
    return 0;
}
