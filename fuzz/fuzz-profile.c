/* Platform profiles from untrusted XML (--platform FILE, baseline and
 * compare inputs) and in the probe cache's own form. The parser enforces platform.rng itself:
 * what it accepts, the schema must accept too. What parses must survive a
 * round trip, merge and compare with the fixed host, and serve as the
 * platform of a pin, a check and an abi of a fixed domain. */
#include <config.h>

#include <string.h>

#include "abi.h"
#include "check-pins.h"
#include "fuzz-common.h"
#include "profile-json.h"
#include "platforms.h"
#include "util/xml.h"

/* The probe cache's form holds the same profile: written and read back,
 * it formats as the same XML. */
static void same_in_cache_form(const AbipinProfile *p)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *back = NULL;
    _cleanup_free_ char *cache = NULL, *a = NULL, *b = NULL;
    size_t len, la, lb;

    abipin_profile_format_cache(p, &cache, &len);
    FUZZ_ASSERT(abipin_profile_parse_cache("cache", cache, len, &back) >= 0,
                "a profile's cache form does not read back: %s", abipin_error_message());
    FUZZ_ASSERT(abipin_profile_format_xml(p, &a, &la) >= 0 &&
                    abipin_profile_format_xml(back, &b, &lb) >= 0 && la == lb &&
                    memcmp(a, b, la) == 0,
                "the cache form changed the profile:\n%s\n%s", a, b);
}

static void use_profile(const FuzzWorld *w, AbipinProfile *p)
{
    _cleanup_(abipin_profile_freep) AbipinProfile *merged = NULL, *again = NULL;
    _cleanup_(abipin_atom_set_freep) AbipinAtomSet *missing = NULL, *missing2 = NULL;
    _cleanup_(abipin_domain_freep) AbipinDomain *d = fuzz_domain_copy(w);
    _cleanup_(json_object_putp) json_object *json = NULL;
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_free_ char *xml = NULL, *xml2 = NULL;
    AbipinProfile *pair[2] = { p, w->host };
    AbipinCheckOptions strict = { .strict = true };
    AbipinPinContext ctx;
    AbipinAbi *all = NULL;
    size_t len, len2, n;
    int r;

    json = abipin_profile_to_json(p);
    FUZZ_ASSERT(json && json_object_to_json_string(json), "profile JSON");
    same_in_cache_form(p);
    FUZZ_ASSERT(abipin_profile_format_xml(p, &xml, &len) >= 0, "cannot format a profile");
    r = abipin_profile_parse("again.xml", xml, len, &again);
    FUZZ_ASSERT(r >= 0, "a formatted profile does not parse: %s\n%s", abipin_error_message(), xml);
    if (r >= 0) {
        FUZZ_ASSERT(abipin_profile_format_xml(again, &xml2, &len2) >= 0, "cannot format");
        FUZZ_ASSERT(len == len2 && memcmp(xml, xml2, len) == 0, "round trip changed it:\n%s\n%s",
                    xml, xml2);
    }
    fuzz_reset();
    (void) abipin_profile_missing(p, w->host, &missing);
    (void) abipin_profile_missing(w->host, p, &missing2);
    (void) abipin_platform_satisfied_by(p, w->host);
    if (abipin_profile_merge(pair, 2, "merged", &merged) >= 0)
        FUZZ_ASSERT(abipin_platform_satisfied_by(merged, w->host),
                    "the host does not satisfy a baseline it is part of");
    /* as the platform of pin and check (abipin_platform_for_domain) */
    if (abipin_profile_complete(p, w->host) < 0 ||
        abipin_pin_context_init(&ctx, w->cat, p, ABIPIN_POLICY_HOST) < 0)
        return;
    if (abipin_abi_compute_all(&ctx, w->domain, &all, &n) >= 0)
        abipin_abi_free_all(all, n);
    if (abipin_pin_domain(&ctx, d) >= 0) {
        r = abipin_check_domain(&ctx, d, &strict, &problems);
        FUZZ_ASSERT(r == 0, "check refuses what pin did on this platform: %s",
                    problems.n ? problems.items[0].message : "");
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_world();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const FuzzWorld *w = fuzz_world();

    _cleanup_(abipin_profile_freep) AbipinProfile *p = NULL;
    _cleanup_xmldoc_ xmlDocPtr doc = NULL;

    /* the cache's own form: any bytes are refused or read, never a crash */
    if (abipin_profile_parse_cache("fuzz.cache", (const char *) data, size, &p) >= 0)
        use_profile(w, p);
    abipin_profile_free(TAKE_PTR(p));
    fuzz_reset();
    if (abipin_profile_parse("fuzz.xml", (const char *) data, size, &p) >= 0) {
        FUZZ_ASSERT(abipin_xml_parse("fuzz.xml", (const char *) data, size, &doc) >= 0 &&
                        abipin_xml_validate(doc, "platform.rng", "fuzz.xml") >= 0,
                    "the parser accepts what platform.rng refuses: %s", abipin_error_message());
        use_profile(w, p);
    }
    fuzz_reset();
    return 0;
}
