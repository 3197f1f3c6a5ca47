/* abipin diff on two untrusted domain definitions: the input is A, then a
 * line "====", then B (without one, A is compared with itself). A definition
 * compared with itself on one platform has no difference. */
#include <config.h>

#include <string.h>

#include "diff.h"
#include "fuzz-common.h"

#define SEPARATOR "\n====\n"

static int diff(const AbipinPinContext *ca, const AbipinDomain *a, const AbipinPinContext *cb,
                const AbipinDomain *b, size_t *ret_changes)
{
    _cleanup_(abipin_diff_clear) AbipinDiff diff = { 0 };
    int r = abipin_diff_domains(ca, a, cb, b, &diff);

    for (size_t i = 0; r >= 0 && i < diff.n_verdicts; i++)
        FUZZ_ASSERT(diff.verdicts[i].unsupported[0] || diff.verdicts[i].unsupported[1] ||
                        diff.verdicts[i].untold[0] || diff.verdicts[i].untold[1],
                    "a migration verdict for %s without a missing or untold bit",
                    diff.verdicts[i].interface);
    *ret_changes = diff.n_changes + diff.n_verdicts;
    return r;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_world();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzWorld *w = fuzz_world();
    _cleanup_(abipin_domain_freep) AbipinDomain *a = NULL, *b = NULL;
    const char *s = (const char *) data, *sep = memmem(s, size, SEPARATOR, strlen(SEPARATOR));
    size_t a_len = sep ? (size_t) (sep - s) : size, n;

    if (abipin_domain_parse_flags("a.xml", s, a_len, ABIPIN_DOMAIN_READ_ONLY, &a) < 0) {
        fuzz_reset();
        return 0;
    }
    if (diff(&w->host_ctx, a, &w->host_ctx, a, &n) >= 0)
        FUZZ_ASSERT(n == 0, "A differs from itself on one platform (%zu changes)", n);
    (void) diff(&w->host_ctx, a, &w->old_ctx, a, &n);
    if (sep && abipin_domain_parse("b.xml", sep + strlen(SEPARATOR),
                                   size - a_len - strlen(SEPARATOR), &b) >= 0) {
        (void) diff(&w->host_ctx, a, &w->host_ctx, b, &n);
        (void) diff(&w->old_ctx, b, &w->host_ctx, a, &n);
    }
    fuzz_reset();
    return 0;
}
