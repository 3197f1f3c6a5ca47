/* abipin explain on an untrusted log: any bytes, decoded or refused, never
 * a crash. Invariants: QEMU's message as abipin formats it for a QEMU
 * version reads back as the same vectors (masked from 10.2, as QEMU
 * prints them), and every bit explain calls unsupported is one the line's
 * guest vector has and its allowed vector lacks. */
#include <config.h>

#include <string.h>

#include "explain.h"
#include "featmsg.h"
#include "fuzz-common.h"

/* the first 32 bytes as guest and allowed vectors, formatted for an old
 * and a new QEMU, parsed back */
static void roundtrip(const uint8_t *data, size_t size)
{
    static const AbipinVersion versions[] = { ABIPIN_VERSION(8, 2, 0), ABIPIN_VERSION(11, 1, 3) };
    uint64_t v[4];
    char line[160];

    if (size < sizeof(v))
        return;
    memcpy(v, data, sizeof(v));
    for (size_t i = 0; i < ELEMENTSOF(versions); i++) {
        bool wide = abipin_featmsg_wide(versions[i]);
        AbipinFeatureMsg m;

        abipin_featmsg_format(versions[i], v, v + 2, line, sizeof(line));
        FUZZ_ASSERT(abipin_featmsg_parse(line, &m) == 1, "cannot read back '%s'", line);
        FUZZ_ASSERT(m.wide == wide && m.allowed[0] == v[2] && m.allowed[1] == (wide ? v[3] : 0) &&
                        m.guest[0] == (wide ? v[0] & v[2] : v[0]) && m.guest[1] == (wide ? v[1] & v[3] : 0),
                    "'%s' reads back as other vectors", line);
    }
}

static void check_failure(json_object *f)
{
    json_object *bits = json_object_object_get(f, "unsupported");
    const char *g = json_object_get_string(json_object_object_get(f, "guest"));
    const char *a = json_object_get_string(json_object_object_get(f, "allowed"));
    char line[200];
    AbipinFeatureMsg m;

    snprintf(line, sizeof(line), "Features %s unsupported. Allowed features: %s", g, a);
    FUZZ_ASSERT(abipin_featmsg_parse(line, &m) == 1, "explain's own vectors do not parse: '%s'", line);
    for (size_t i = 0; i < json_object_array_length(bits); i++) {
        int b = json_object_get_int(json_object_object_get(json_object_array_get_idx(bits, i), "bit"));

        FUZZ_ASSERT(b >= 0 && b < 128 && (m.guest[b / 64] >> (b % 64) & 1) &&
                        !(m.allowed[b / 64] >> (b % 64) & 1),
                    "bit %d called unsupported in '%s'", b, line);
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
    _cleanup_(json_object_putp) json_object *o = NULL;
    _cleanup_free_ char *text = malloc(size + 1);
    AbipinExplainOptions opts = { 0 };

    roundtrip(data, size);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (abipin_explain_log(w->cat, "fuzz.log", text, size, &opts, &o) >= 0) {
        json_object *failures = json_object_object_get(o, "failures");

        for (size_t i = 0; i < json_object_array_length(failures); i++)
            check_failure(json_object_array_get_idx(failures, i));
    }
    fuzz_reset();
    return 0;
}
