/* The feature catalogue: schema, consistency, and the facts pin relies on. */
#include <config.h>

#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "catalogue.h"
#include "testutil.h"
#include "util/error.h"
#include "util/xml.h"

static AbipinCatalogue *cat;
static char **bad_cases;
static size_t n_bad_cases;

static void load_catalogue(void)
{
    cat = abipin_test_catalogue();
}

static void free_catalogue(void)
{
    abipin_catalogue_free(cat);
    cat = NULL;
}

static const AbipinFeature *feature(const char *name)
{
    const AbipinFeature *f = abipin_catalogue_find(cat, name);

    ck_assert_msg(f, "feature %s missing from the catalogue", name);
    return f;
}

START_TEST(test_unique_and_known)
{
    ck_assert_uint_ge(cat->n_features, 20);
    for (size_t i = 0; i < cat->n_features; i++) {
        const AbipinFeature *f = &cat->features[i];

        for (size_t j = i + 1; j < cat->n_features; j++) {
            ck_assert_msg(f->bit != cat->features[j].bit, "bit %u twice", f->bit);
            ck_assert_str_ne(f->name, cat->features[j].name);
        }
        ck_assert_msg(f->n_reqs > 0, "%s has no requirements", f->name);
        for (size_t k = 0; k < f->n_reqs; k++)
            for (size_t a = 0; a < f->reqs[k].n_atoms; a++)
                ck_assert_msg(abipin_atom_is_known(f->reqs[k].atoms[a]), "%s: atom %s", f->name,
                              f->reqs[k].atoms[a]);
        ck_assert(f->place == ABIPIN_LIBVIRT_OVERRIDE || f->libvirt_attribute);
    }
}
END_TEST

START_TEST(test_uso_facts)
{
    static const char *const uso[] = { "guest_uso4", "guest_uso6", "host_uso" };
    static const unsigned bits[] = { 54, 55, 56 };

    for (size_t i = 0; i < 3; i++) {
        const AbipinFeature *f = feature(uso[i]);
        bool tap_needs_uso = false;

        ck_assert_uint_eq(f->bit, bits[i]);
        ck_assert_int_eq(f->place, ABIPIN_LIBVIRT_OVERRIDE);
        ck_assert_uint_eq(f->since, ABIPIN_VERSION(8, 2, 0));
        for (size_t k = 0; k < f->n_reqs; k++) {
            if (f->reqs[k].backend == ABIPIN_BACKEND_USER ||
                f->reqs[k].backend == ABIPIN_BACKEND_VHOST_USER)
                ck_assert_int_eq(f->reqs[k].outcome, ABIPIN_OUTCOME_NEVER);
            for (size_t a = 0; a < f->reqs[k].n_atoms; a++)
                tap_needs_uso |= strcmp(f->reqs[k].atoms[a], "tap.uso4") == 0;
        }
        ck_assert(tap_needs_uso);
        /* The compat anomaly: pc-*-8.1 had USO on with QEMU 8.2/9.0, off from 9.1 */
        ck_assert(abipin_feature_default(f, ABIPIN_VERSION(8, 1, 0), ABIPIN_VERSION(8, 2, 2)));
        ck_assert(abipin_feature_default(f, ABIPIN_VERSION(8, 1, 0), ABIPIN_VERSION(9, 0, 0)));
        ck_assert(!abipin_feature_default(f, ABIPIN_VERSION(8, 1, 0), ABIPIN_VERSION(9, 1, 0)));
        ck_assert(!abipin_feature_default(f, ABIPIN_VERSION(8, 1, 0), ABIPIN_VERSION(10, 0, 2)));
        ck_assert(!abipin_feature_default(f, ABIPIN_VERSION(8, 0, 0), ABIPIN_VERSION(8, 2, 0)));
        ck_assert(abipin_feature_default(f, ABIPIN_VERSION(8, 2, 0), ABIPIN_VERSION(8, 2, 0)));
        ck_assert(abipin_feature_default(f, ABIPIN_VERSION(10, 0, 0), ABIPIN_VERSION(10, 0, 2)));
    }
}
END_TEST

START_TEST(test_other_compat_facts)
{
    const AbipinFeature *qr = feature("queue_reset"), *tun = feature("host_tunnel");

    ck_assert(!abipin_feature_default(qr, ABIPIN_VERSION(7, 1, 0), ABIPIN_VERSION(7, 2, 0)));
    ck_assert(abipin_feature_default(qr, ABIPIN_VERSION(7, 2, 0), ABIPIN_VERSION(7, 2, 0)));
    ck_assert(!abipin_feature_default(tun, ABIPIN_VERSION(10, 1, 0), ABIPIN_VERSION(10, 2, 0)));
    ck_assert(abipin_feature_default(tun, ABIPIN_VERSION(10, 2, 0), ABIPIN_VERSION(10, 2, 0)));
    ck_assert(!abipin_feature_default(feature("rss"), ABIPIN_VERSION(10, 0, 0), ABIPIN_VERSION(10, 0, 0)));
    ck_assert_int_eq(feature("host_ufo")->place, ABIPIN_LIBVIRT_HOST);
    ck_assert_str_eq(feature("host_ufo")->libvirt_attribute, "ufo");
    ck_assert_int_eq(feature("guest_csum")->place, ABIPIN_LIBVIRT_GUEST);
    ck_assert_str_eq(feature("hash")->libvirt_attribute, "rss_hash_report");
}
END_TEST

static const AbipinBaseBit *base_bit(unsigned bit)
{
    for (size_t i = 0; i < cat->n_base; i++)
        if (cat->base[i].bit == bit)
            return &cat->base[i];
    ck_abort_msg("no base bit %u", bit);
    return NULL;
}

/* The properties abipin measures per machine type: every feature's, and
 * the base bits' own (pc_compat names virtio-net-pci only, so the
 * transitional models keep them: measured on QEMU 5.2 and 7.2). */
START_TEST(test_measured_facts)
{
    const char *names[64];
    size_t n = abipin_catalogue_measured_properties(cat, names, ELEMENTSOF(names));
    bool has_uso = false, has_modern = false;

    ck_assert_uint_eq(n, cat->n_features + 13);
    for (size_t i = 0; i < n; i++) {
        has_uso = has_uso || strcmp(names[i], "host_uso") == 0;
        has_modern = has_modern || strcmp(names[i], "disable-modern") == 0;
    }
    ck_assert(has_uso && has_modern);
    ck_assert_str_eq(base_bit(2)->property, "ctrl_guest_offloads");
    ck_assert(base_bit(2)->transitional_keeps);
    ck_assert(base_bit(21)->transitional_keeps && base_bit(23)->transitional_keeps &&
              base_bit(27)->transitional_keeps);
    ck_assert_str_eq(base_bit(32)->property, "disable-modern");
    ck_assert(base_bit(32)->inverted);
    ck_assert_ptr_null(base_bit(5)->property); /* MAC: QEMU always sets it */
    ck_assert(!base_bit(24)->inverted);
}
END_TEST

/* The compiled catalogue (tools/gen-catalogue, at build time) is
 * data/features.xml, field for field: the file stays the one source of
 * truth, and what every process uses instead of parsing it is the same. */
static void same_string(const char *a, const char *b, const char *what)
{
    ck_assert_msg(a ? b && strcmp(a, b) == 0 : !b, "%s: '%s' compiled, '%s' in the file", what,
                  a ? a : "(null)", b ? b : "(null)");
}

static void same_feature(const AbipinFeature *a, const AbipinFeature *b)
{
    same_string(a->name, b->name, "name");
    same_string(a->macro, b->macro, a->name);
    same_string(a->description, b->description, a->name);
    same_string(a->libvirt_attribute, b->libvirt_attribute, a->name);
    ck_assert(a->bit == b->bit && a->since == b->since && a->default_on == b->default_on &&
              a->place == b->place && a->libvirt_since == b->libvirt_since);
    ck_assert_uint_eq(a->n_reqs, b->n_reqs);
    for (size_t r = 0; r < a->n_reqs; r++) {
        const AbipinRequirement *x = &a->reqs[r], *y = &b->reqs[r];

        ck_assert(x->backend == y->backend && x->outcome == y->outcome &&
                  x->qemu_min == y->qemu_min && x->qemu_max == y->qemu_max);
        ck_assert_uint_eq(x->n_atoms, y->n_atoms);
        for (size_t k = 0; k < x->n_atoms; k++)
            same_string(x->atoms[k], y->atoms[k], a->name);
    }
    ck_assert_uint_eq(a->n_compat, b->n_compat);
    for (size_t c = 0; c < a->n_compat; c++) {
        const AbipinCompat *x = &a->compat[c], *y = &b->compat[c];

        ck_assert(x->machine_max == y->machine_max && x->qemu_min == y->qemu_min &&
                  x->qemu_max == y->qemu_max && x->value == y->value);
        same_string(x->source, y->source, a->name);
    }
}

/* Which bits QEMU lets a vDPA device decide, per version: vdpa_feature_bits
 * read in 7.2.0 and 10.0.2, measured on vdpa_sim_net (tests/vdpa.sh:
 * GUEST_ANNOUNCE absent on 7.2.22, present on 10.0.2 where the device has
 * CTRL_VQ; CTRL_GUEST_OFFLOADS hidden on 7.2.22). */
START_TEST(test_vdpa_decides)
{
    const AbipinCatalogue *cat = abipin_catalogue_builtin();
    const AbipinVersion q71 = ABIPIN_VERSION(7, 1, 0), q72 = ABIPIN_VERSION(7, 2, 22),
                        q80 = ABIPIN_VERSION(8, 0, 0), q100 = ABIPIN_VERSION(10, 0, 2);

    /* GUEST_ANNOUNCE: the device's up to 7.2; from 8.0 it follows CTRL_VQ */
    ck_assert(abipin_catalogue_backend_decides_on(cat, ABIPIN_BACKEND_VDPA, 21, q72));
    ck_assert(!abipin_catalogue_backend_decides_on(cat, ABIPIN_BACKEND_VDPA, 21, q80));
    ck_assert(!abipin_catalogue_backend_decides_on(cat, ABIPIN_BACKEND_VDPA, 21, q100));
    ck_assert(abipin_catalogue_backend_decides(cat, ABIPIN_BACKEND_VDPA, 21));
    /* CTRL_GUEST_OFFLOADS: on the list from 7.2(.4) */
    ck_assert(!abipin_catalogue_backend_decides_on(cat, ABIPIN_BACKEND_VDPA, 2, q71));
    ck_assert(abipin_catalogue_backend_decides_on(cat, ABIPIN_BACKEND_VDPA, 2, q72));
    /* STATUS, CTRL_VQ, CTRL_MAC_ADDR: the device's on vDPA, QEMU's on vhost-user */
    static const unsigned ctrl[] = { 16, 17, 23 };

    for (size_t i = 0; i < ELEMENTSOF(ctrl); i++) {
        ck_assert(abipin_catalogue_backend_decides_on(cat, ABIPIN_BACKEND_VDPA, ctrl[i], q100));
        ck_assert(!abipin_catalogue_backend_decides(cat, ABIPIN_BACKEND_VHOST_USER, ctrl[i]));
    }
    /* MAC: always QEMU's; an offload: the device's */
    ck_assert(!abipin_catalogue_backend_decides(cat, ABIPIN_BACKEND_VDPA, 5));
    ck_assert(abipin_catalogue_backend_decides_on(cat, ABIPIN_BACKEND_VDPA, 11, q72));
}
END_TEST

START_TEST(test_builtin_is_the_file)
{
    const AbipinCatalogue *b = abipin_catalogue_builtin();
    AbipinCatalogue *loaded = NULL;

    ck_assert_ptr_nonnull(b);
    ck_assert(b->builtin && !cat->builtin);
    ck_assert(b->qemu_min == cat->qemu_min && b->qemu_max == cat->qemu_max);
    ck_assert_uint_eq(b->n_features, cat->n_features);
    for (size_t i = 0; i < b->n_features; i++)
        same_feature(&b->features[i], &cat->features[i]);
    ck_assert_uint_eq(b->n_base, cat->n_base);
    for (size_t i = 0; i < b->n_base; i++) {
        const AbipinBaseBit *x = &b->base[i], *y = &cat->base[i];

        same_string(x->macro, y->macro, "base");
        same_string(x->property, y->property, x->macro);
        ck_assert(x->bit == y->bit && x->multiqueue == y->multiqueue &&
                  x->machine_min == y->machine_min && x->transitional_keeps == y->transitional_keeps &&
                  x->qemu_min == y->qemu_min && x->qemu_max == y->qemu_max &&
                  x->inverted == y->inverted);
    }
    /* what the commands load is it, and freeing it is a no-op */
    ck_assert_int_eq(abipin_catalogue_load_default(&loaded), 0);
    ck_assert_ptr_eq(loaded, b);
    abipin_catalogue_free(loaded);
}
END_TEST

/* tests/data/catalogue/NAME.xml must fail to load as NAME.err says. */
START_TEST(test_bad_catalogue)
{
    _cleanup_free_ char *path = NULL, *base = NULL, *dir = abipin_test_path("data/catalogue");
    AbipinCatalogue *bad = NULL;
    int r;

    ck_assert(asprintf(&path, "%s/%s", dir, bad_cases[_i]) > 0);
    base = strndup(path, strlen(path) - 4);
    abipin_error_reset();
    r = abipin_catalogue_load(path, &bad);
    abipin_test_expect_error(base, r);
    ck_assert_ptr_null(bad);
}
END_TEST

/* Without schema validation (the installed catalogue) a missing attribute
 * is still an error, not a crash. */
START_TEST(test_trusted_load_is_robust)
{
    static const char *const broken[] = {
        "<catalogue qemu-min='6.2' qemu-max='10.2'><feature name='csum' macro='VIRTIO_X' "
        "since='6.2' default='on'><override/><requires backend='user' outcome='never'/></feature></catalogue>",
        "<catalogue qemu-min='6.2' qemu-max='10.2'><feature name='csum' bit='0' macro='VIRTIO_X' "
        "since='6.2' default='on'><libvirt element='host' since='1.2.9'/><requires backend='user' "
        "outcome='never'/></feature></catalogue>",
        "<catalogue qemu-min='6.2' qemu-max='10.2'><feature name='csum' bit='0' macro='VIRTIO_X' "
        "since='6.2' default='on'><override/><requires/></feature></catalogue>",
        "<catalogue qemu-min='6.2' qemu-max='10.2'><feature name='csum' bit='0' macro='VIRTIO_X' "
        "since='6.2' default='on'><override/><requires backend='tap'><atom/></requires></feature></catalogue>",
        "<catalogue qemu-min='6.2' qemu-max='10.2'><base macro='VIRTIO_X'/></catalogue>",
        /* bits past the 128-bit vector: found by fuzz-catalogue */
        "<catalogue qemu-min='6.2' qemu-max='10.2'><feature name='csum' bit='392' macro='VIRTIO_X' "
        "since='6.2' default='on'><override/><requires backend='user' outcome='never'/></feature></catalogue>",
        "<catalogue qemu-min='6.2' qemu-max='10.2'><base bit='128' macro='VIRTIO_X'/></catalogue>",
        "<catalogue qemu-min='6.2' qemu-max='10.2'><base bit='-1' macro='VIRTIO_X'/></catalogue>",
    };
    char path[] = "/tmp/abipin-catalogue-XXXXXX";

    for (size_t i = 0; i < sizeof(broken) / sizeof(*broken); i++) {
        AbipinCatalogue *c = NULL;
        int fd = mkstemp(path);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, broken[i], strlen(broken[i])), (ssize_t) strlen(broken[i]));
        close(fd);
        abipin_error_reset();
        ck_assert_msg(abipin_catalogue_load_flags(path, ABIPIN_CATALOGUE_TRUSTED, &c) < 0,
                      "broken catalogue %zu loaded", i);
        ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_INPUT);
        ck_assert_ptr_null(c);
        unlink(path);
        strcpy(path, "/tmp/abipin-catalogue-XXXXXX");
    }
}
END_TEST

/* Elements the schema allows once, twice in a trusted file: the last one
 * counts, the first is freed (valgrind.sh and the sanitizer build see the
 * leak this once was). */
START_TEST(test_trusted_load_duplicates)
{
    static const char doc[] =
        "<catalogue qemu-min='6.2' qemu-max='10.2'><feature name='csum' bit='0' macro='VIRTIO_X' "
        "since='6.2' default='on'><description>first</description><description>second</description>"
        "<libvirt element='host' attribute='one' since='1.2.9'/>"
        "<libvirt element='host' attribute='two' since='1.2.9'/>"
        "<requires backend='user' outcome='never'/></feature></catalogue>";
    char path[] = "/tmp/abipin-catalogue-XXXXXX";
    AbipinCatalogue *c = NULL;
    int fd = mkstemp(path);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, doc, strlen(doc)), (ssize_t) strlen(doc));
    close(fd);
    ck_assert_int_ge(abipin_catalogue_load_flags(path, ABIPIN_CATALOGUE_TRUSTED, &c), 0);
    unlink(path);
    ck_assert_str_eq(c->features[0].description, "second");
    ck_assert_str_eq(c->features[0].libvirt_attribute, "two");
    abipin_catalogue_free(c);
}
END_TEST

int main(void)
{
    _cleanup_free_ char *dir = abipin_test_path("data/catalogue");
    Suite *s = suite_create("catalogue");
    TCase *tc = tcase_create("shipped");
    TCase *bad = tcase_create("bad");
    int r;

    /* nine bad catalogues when this was written: fewer means lost cases */
    n_bad_cases = abipin_test_list(dir, ".xml", 9, &bad_cases);
    tcase_add_checked_fixture(tc, load_catalogue, free_catalogue);
    tcase_add_test(tc, test_unique_and_known);
    tcase_add_test(tc, test_uso_facts);
    tcase_add_test(tc, test_other_compat_facts);
    tcase_add_test(tc, test_measured_facts);
    tcase_add_test(tc, test_builtin_is_the_file);
    tcase_add_test(tc, test_vdpa_decides);
    tcase_add_loop_test(bad, test_bad_catalogue, 0, (int) n_bad_cases);
    tcase_add_test(bad, test_trusted_load_is_robust);
    tcase_add_test(bad, test_trusted_load_duplicates);
    suite_add_tcase(s, tc);
    suite_add_tcase(s, bad);
    r = abipin_test_run(s);
    for (size_t i = 0; i < n_bad_cases; i++)
        free(bad_cases[i]);
    free(bad_cases);
    return r;
}
