/* The typed results of check, audit and diff: what each problem, finding,
 * change and verdict says, against a definition pinned for a rich host and
 * a poorer shipped platform (linux-5.14: no USO, no vhost RING_RESET). The
 * text and JSON they become are tests/cmd-golden.sh's and tests/pin-cli.sh's. */
#include <config.h>

#include <string.h>

#include "audit.h"
#include "check-pins.h"
#include "diff.h"
#include "testutil.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"

static AbipinCatalogue *cat;
static AbipinProfile *host, *poor;
static AbipinPinContext host_ctx, poor_ctx;

static AbipinProfile *platform_load(const char *rel)
{
    _cleanup_free_ char *path = abipin_test_path(rel);
    AbipinProfile *p = NULL;

    ck_assert_msg(abipin_profile_load(path, &p) == 0, "%s: %s", rel, abipin_error_message());
    if (host)
        ck_assert_int_eq(abipin_profile_complete(p, host), 0);
    return p;
}

static void setup(void)
{
    cat = abipin_test_catalogue();
    host = platform_load("data/pin/platforms/qemu-10.0.xml");
    poor = platform_load("../data/platforms/linux-5.14.xml");
    ck_assert_int_eq(abipin_pin_context_init(&host_ctx, cat, host, ABIPIN_POLICY_HOST), 0);
    ck_assert_int_eq(abipin_pin_context_init(&poor_ctx, cat, poor, ABIPIN_POLICY_HOST), 0);
}

static void teardown(void)
{
    abipin_profile_free(poor);
    abipin_profile_free(host);
    abipin_catalogue_free(cat);
    poor = host = NULL;
    cat = NULL;
}

static AbipinDomain *domain_load(const char *rel)
{
    _cleanup_free_ char *path = abipin_test_path(rel);
    AbipinDomain *d = NULL;

    ck_assert_msg(abipin_domain_load_flags(path, ABIPIN_DOMAIN_READ_ONLY, &d) == 0, "%s: %s", rel,
                  abipin_error_message());
    return d;
}

/* Each problem names its domain and interface, and its message is the
 * interface's detail with them in front (or, for an unpinned one, its own
 * sentence). */
static void problems_consistent(const AbipinDomain *d, const AbipinProblemList *l)
{
    size_t errors = 0;

    for (size_t i = 0; i < l->n; i++) {
        const AbipinProblem *p = &l->items[i];
        const AbipinInterface *iface = NULL;

        for (size_t k = 0; k < d->n_ifaces; k++)
            if (streq_ptr(d->ifaces[k].alias, p->interface) && streq_ptr(d->ifaces[k].mac, p->mac))
                iface = &d->ifaces[k];
        ck_assert_msg(iface, "problem %zu names no interface of %s", i, d->label);
        ck_assert_str_eq(p->domain, d->label);
        ck_assert_ptr_nonnull(p->detail);
        ck_assert_msg(strncmp(p->message, d->label, strlen(d->label)) == 0, "%s", p->message);
        ck_assert_msg(strstr(p->message, iface->label), "%s", p->message);
        errors += p->severity == ABIPIN_PROBLEM_ERROR;
    }
    ck_assert_uint_eq(errors, l->n_errors);
}

/* A pinned definition on the poorer platform: one error per feature pinned
 * on that it lacks, each with the feature and the missing atom. */
START_TEST(test_check_errors)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = domain_load("data/pin/bridge.out.xml");
    _cleanup_(abipin_problem_list_clear) AbipinProblemList on_host = { 0 }, on_poor = { 0 };
    AbipinCheckOptions strict = { .strict = true };
    bool host_uso = false;
    int r;

    ck_assert_int_eq(abipin_check_domain(&host_ctx, d, &strict, &on_host), 0);
    ck_assert_uint_eq(on_host.n, 0);
    r = abipin_check_domain(&poor_ctx, d, &strict, &on_poor);
    ck_assert_int_gt(r, 1);
    ck_assert_uint_eq((size_t) r, on_poor.n_errors);
    problems_consistent(d, &on_poor);
    for (size_t i = 0; i < on_poor.n; i++) {
        const AbipinProblem *p = &on_poor.items[i];

        ck_assert_str_eq(abipin_problem_severity_to_string(p->severity), "error");
        if (streq_ptr(p->feature, "host_uso")) {
            host_uso = true;
            ck_assert_str_eq(p->atom, "tap.uso4");
            ck_assert_msg(strstr(p->detail, "host_uso is pinned on"), "%s", p->detail);
        }
    }
    ck_assert_msg(host_uso, "no problem for host_uso on linux-5.14");
}
END_TEST

/* An unpinned definition: a warning per interface, an error with --strict,
 * nothing else changes. */
START_TEST(test_check_unpinned)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = domain_load("data/pin/bridge.in.xml");
    _cleanup_(abipin_problem_list_clear) AbipinProblemList lax = { 0 }, strict = { 0 };
    AbipinCheckOptions lax_opts = { .strict = false }, strict_opts = { .strict = true };

    ck_assert_int_eq(abipin_check_domain(&host_ctx, d, &lax_opts, &lax), 0);
    ck_assert_int_eq(abipin_check_domain(&host_ctx, d, &strict_opts, &strict), (int) lax.n);
    ck_assert_uint_gt(lax.n, 0);
    ck_assert_uint_eq(lax.n_errors, 0);
    ck_assert_uint_eq(strict.n, lax.n);
    problems_consistent(d, &lax);
    for (size_t i = 0; i < lax.n; i++) {
        ck_assert_str_eq(abipin_problem_severity_to_string(lax.items[i].severity), "warning");
        ck_assert_str_eq(lax.items[i].message, strict.items[i].message);
        ck_assert_msg(strstr(lax.items[i].detail, "not pinned"), "%s", lax.items[i].detail);
    }
    abipin_problem_list_clear(&lax);
    ck_assert_ptr_null(lax.items);
    ck_assert_uint_eq(lax.n + lax.n_errors, 0);
}
END_TEST

/* vhostuser-baseline.out.xml with every line containing one of @drop
 * removed (a base bit's override, the record's base-off...) */
static AbipinDomain *baseline_pinned_without(const char *const *drop)
{
    _cleanup_free_ char *path = abipin_test_path("data/pin/vhostuser-baseline.out.xml");
    _cleanup_free_ char *data = NULL, *out = NULL;
    AbipinDomain *d = NULL;
    size_t len, n = 0;

    ck_assert_int_eq(abipin_file_read(path, 1 << 20, &data, &len), 0);
    out = abipin_malloc(len + 1);
    for (char *line = data, *end; *line; line = end) {
        bool keep = true;

        end = strchr(line, '\n');
        end = end ? end + 1 : line + strlen(line);
        for (size_t k = 0; drop[k]; k++)
            if (memmem(line, (size_t) (end - line), drop[k], strlen(drop[k])))
                keep = false;
        if (keep) {
            memcpy(out + n, line, (size_t) (end - line));
            n += (size_t) (end - line);
        }
    }
    ck_assert_int_eq(abipin_domain_parse_flags(path, out, n, ABIPIN_DOMAIN_READ_ONLY, &d), 0);
    return d;
}

static bool problems_say(const AbipinProblemList *l, const char *text)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].severity == ABIPIN_PROBLEM_ERROR && strstr(l->items[i].detail, text))
            return true;
    return false;
}

/* Pinned against the baseline of a dpdk-testpmd host and a passt host, the
 * base bits passt lacks are off (base-off): check passes on both hosts.
 * Without the indirect_desc override, the DPDK host offers bit 28 again and
 * check says so; without base-off in the record as well (a pin from before
 * it; <host gso='off'> stays), check names the bits the DPDK host offers
 * beyond the pinned-for backend's: 21, 27, 28. The passt host lacks them
 * all the same: nothing to say. */
START_TEST(test_check_base_off)
{
    static const char *const keep_all[] = { NULL };
    static const char *const no_override[] = { "name='indirect_desc'", NULL };
    static const char *const old_pin[] = { "name='indirect_desc'", "name='any_layout'",
                                           "name='guest_announce'", "name='notify_on_empty'",
                                           NULL };
    AbipinProfile *dpdk = platform_load("data/pin/platforms/qemu-10.0-vu-notso.xml");
    AbipinProfile *passt = platform_load("data/pin/platforms/qemu-10.0-vu-passt.xml");
    AbipinPinContext dpdk_ctx, passt_ctx;
    AbipinCheckOptions strict = { .strict = true };

    ck_assert_int_eq(abipin_pin_context_init(&dpdk_ctx, cat, dpdk, ABIPIN_POLICY_HOST), 0);
    ck_assert_int_eq(abipin_pin_context_init(&passt_ctx, cat, passt, ABIPIN_POLICY_HOST), 0);
    for (int v = 0; v < 3; v++) {
        _cleanup_(abipin_domain_freep) AbipinDomain *d =
            baseline_pinned_without(v == 0 ? keep_all : v == 1 ? no_override : old_pin);
        _cleanup_(abipin_problem_list_clear) AbipinProblemList on_dpdk = { 0 }, on_passt = { 0 };

        if (v == 2) /* and the record without base-off, as before it was written */
            d->record->ifaces[0].base_off = 0;
        ck_assert_msg(abipin_check_domain(&passt_ctx, d, &strict, &on_passt) == 0, "variant %d: %s",
                      v, on_passt.n ? on_passt.items[0].detail : "");
        ck_assert_int_eq(abipin_check_domain(&dpdk_ctx, d, &strict, &on_dpdk),
                         v == 0 ? 0 : v == 1 ? 1 : 3);
        problems_consistent(d, &on_dpdk);
        if (v == 1)
            ck_assert_msg(problems_say(&on_dpdk, "no longer turns indirect_desc off"), "%s",
                          on_dpdk.n ? on_dpdk.items[0].detail : "no problem");
        if (v == 2)
            ck_assert_msg(problems_say(&on_dpdk,
                                       "offers VIRTIO_RING_F_INDIRECT_DESC (bit 28), which the "
                                       "backend the definition was pinned against did not"),
                          "%s", on_dpdk.n ? on_dpdk.items[0].detail : "no problem");
    }
    abipin_profile_free(dpdk);
    abipin_profile_free(passt);
}
END_TEST

/* The kinds have distinct names, as audit prints them. */
START_TEST(test_finding_kinds)
{
    for (int i = 0; i < _ABIPIN_FINDING_MAX; i++) {
        ck_assert_ptr_nonnull(abipin_finding_kind_to_string(i));
        for (int k = 0; k < i; k++)
            ck_assert_str_ne(abipin_finding_kind_to_string(i), abipin_finding_kind_to_string(k));
    }
    ck_assert_ptr_null(abipin_finding_kind_to_string(_ABIPIN_FINDING_MAX));
    ck_assert_str_eq(abipin_finding_kind_to_string(ABIPIN_FINDING_CANNOT_HONOUR), "cannot-honour");
}
END_TEST

/* Audit on the poorer platform: check's errors as cannot-honour findings,
 * and the pins are stale (made against other atoms). */
START_TEST(test_audit)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = domain_load("data/pin/bridge.out.xml");
    _cleanup_(abipin_problem_list_clear) AbipinProblemList problems = { 0 };
    _cleanup_(abipin_finding_list_clear) AbipinFindingList findings = { 0 };
    _cleanup_free_ char *digest = abipin_platform_digest(poor);
    AbipinCheckOptions lax = { .strict = false };
    size_t cannot = 0, stale = 0;

    ck_assert_int_gt(abipin_check_domain(&poor_ctx, d, &lax, &problems), 0);
    ck_assert_int_eq(abipin_audit_domain(&poor_ctx, digest, d, &findings), 0);
    for (size_t i = 0; i < findings.n; i++) {
        const AbipinFinding *f = &findings.items[i];

        ck_assert_ptr_nonnull(f->message);
        if (f->kind == ABIPIN_FINDING_CANNOT_HONOUR) {
            ck_assert_str_eq(f->message, problems.items[cannot].message);
            ck_assert_pstr_eq(f->interface, problems.items[cannot].interface);
            cannot++;
        }
        stale += f->kind == ABIPIN_FINDING_STALE;
    }
    ck_assert_uint_eq(cannot, problems.n_errors);
    ck_assert_uint_eq(stale, 1);
}
END_TEST

/* A definition against itself on one platform has no difference; from the
 * rich host to the poorer platform its guest loses bits it may have
 * negotiated, and the verdict says which. */
START_TEST(test_diff)
{
    _cleanup_(abipin_domain_freep) AbipinDomain *d = domain_load("data/pin/bridge.out.xml");
    _cleanup_(abipin_diff_clear) AbipinDiff same = { 0 }, down = { 0 };

    ck_assert_int_eq(abipin_diff_domains(&host_ctx, d, &host_ctx, d, &same), 0);
    ck_assert_uint_eq(same.n_changes + same.n_verdicts, 0);
    ck_assert_int_eq(abipin_diff_domains(&host_ctx, d, &poor_ctx, d, &down), 0);
    ck_assert_uint_gt(down.n_changes, 0);
    ck_assert_uint_eq(down.n_verdicts, d->n_ifaces);
    for (size_t i = 0; i < down.n_changes; i++) {
        ck_assert_str_eq(down.changes[i].interface, d->ifaces[0].label);
        ck_assert_ptr_nonnull(down.changes[i].what);
        ck_assert_pstr_ne(down.changes[i].a, down.changes[i].b);
    }
    for (size_t i = 0; i < down.n_verdicts; i++) {
        const AbipinDiffVerdict *v = &down.verdicts[i];

        ck_assert(v->unsupported[0] || v->unsupported[1]);
        ck_assert_msg(strstr(v->qemu_error, "unsupported"), "%s", v->qemu_error);
    }
    abipin_diff_clear(&down);
    ck_assert_ptr_null(down.changes);
    ck_assert_uint_eq(down.n_changes + down.n_verdicts, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("check");
    TCase *tc = tcase_create("typed");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_check_errors);
    tcase_add_test(tc, test_check_unpinned);
    tcase_add_test(tc, test_check_base_off);
    tcase_add_test(tc, test_finding_kinds);
    tcase_add_test(tc, test_audit);
    tcase_add_test(tc, test_diff);
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
