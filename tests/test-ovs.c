/* Open vSwitch's offer derived (probe/ovs.c, probe/ovs-offers.c): the
 * database's reply parsed (a reply captured from ovsdb-server 3.1.0 and
 * its variants), the measured table's facts, and a build outside the
 * table's rows unknown. The database on a socket, real and fake, is
 * tests/vhost-user-ovs.sh's and tests/ovs-derive.sh's. */
#include <config.h>

#include <string.h>

#include "probe/ovs.h"
#include "testutil.h"
#include "util/error.h"

/* ovsdb-server 3.1.0's answer to probe/ovs.c's transact (captured) */
static const char reply31[] =
    "{\"id\":0,\"result\":[{\"rows\":[{\"dpdk_initialized\":true,\"other_config\":[\"map\","
    "[[\"dpdk-init\",\"true\"],[\"userspace-tso-enable\",\"true\"]]],\"ovs_version\":\"3.1.0\","
    "\"dpdk_version\":\"DPDK 22.11.11\"}]},{\"rows\":[{\"name\":\"vhuc0\",\"options\":[\"map\","
    "[[\"vhost-server-path\",\"/run/vhu/vhuc0.sock\"]]],\"type\":\"dpdkvhostuserclient\"},"
    "{\"name\":\"vhuc1\",\"options\":[\"map\",[]],\"type\":\"dpdkvhostuserclient\"}]}],"
    "\"error\":null}";

static int parse(const char *text, AbipinOvsInfo *info)
{
    abipin_error_reset();
    return abipin_ovs_parse_reply("/run/db.sock", text, strlen(text), info);
}

START_TEST(test_reply)
{
    AbipinOvsInfo info = { 0 };

    ck_assert_int_eq(parse(reply31, &info), 0);
    ck_assert_str_eq(info.ovs_version, "3.1.0");
    ck_assert_str_eq(info.dpdk_version, "DPDK 22.11.11");
    ck_assert(info.dpdk_initialized);
    ck_assert(info.tso);
    ck_assert_uint_eq(info.n_ports, 2);
    ck_assert_str_eq(abipin_ovs_port_find(&info, "/run/vhu/vhuc0.sock")->name, "vhuc0");
    ck_assert_ptr_null(info.ports[1].socket);
    ck_assert_ptr_null(abipin_ovs_port_find(&info, "/run/vhu/other.sock"));
    abipin_ovs_info_clear(&info);
}
END_TEST

/* optional columns unset (["set", []]), no other_config: TSO is off, as
 * lib/userspace-tso.c's smap_get_bool(..., false) has it */
START_TEST(test_reply_unset)
{
    AbipinOvsInfo info = { 0 };

    ck_assert_int_eq(parse("{\"id\":0,\"result\":[{\"rows\":[{\"dpdk_initialized\":false,"
                           "\"other_config\":[\"map\",[]],\"ovs_version\":[\"set\",[]],"
                           "\"dpdk_version\":[\"set\",[]]}]},{\"rows\":[]}],\"error\":null}",
                           &info),
                     0);
    ck_assert_ptr_null(info.ovs_version);
    ck_assert_ptr_null(info.dpdk_version);
    ck_assert(!info.dpdk_initialized && !info.tso);
    ck_assert_uint_eq(info.n_ports, 0);
    abipin_ovs_info_clear(&info);
}
END_TEST

/* whatever is not the database's answer is the environment's error */
START_TEST(test_reply_bad)
{
    static const char *const bad[] = {
        "HTTP/1.0 200 OK",
        "[]",
        "{\"id\":1,\"result\":[],\"error\":null}",
        "{\"id\":0,\"result\":null,\"error\":\"unknown database\"}",
        "{\"id\":0,\"result\":[{\"rows\":[]},{\"rows\":[]}],\"error\":null}",
        "{\"id\":0,\"result\":[{\"error\":\"constraint violation\"},{\"rows\":[]}],\"error\":null}",
        "{\"id\":0,\"result\":[{\"rows\":[{}]},{\"rows\":[{\"type\":\"dpdkvhostuserclient\"}]}]}",
    };
    AbipinOvsInfo info = { 0 };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(parse(bad[i], &info) < 0, "accepted: %s", bad[i]);
        ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_ENV);
        ck_assert_msg(strstr(abipin_error_message(), "/run/db.sock"), "%s", abipin_error_message());
        ck_assert_ptr_null(info.ovs_version);
    }
}
END_TEST

static bool derive(const char *ovs, const char *dpdk, bool tso, const char *type, uint64_t *ret,
                   char *why, size_t len)
{
    AbipinOvsInfo info = { .ovs_version = (char *) ovs, .dpdk_version = (char *) dpdk,
                           .dpdk_initialized = true, .tso = tso };

    return abipin_ovs_derive(&info, type, ret, why, len);
}

#define CSUM (1ULL << 0)
#define TSO (1ULL << 11 | 1ULL << 12)
#define ECN (1ULL << 13)

/* the measured differences (issue 27), as the table has them */
START_TEST(test_table_facts)
{
    uint64_t f31, f35, f31t, f35t, s31, s31t;
    char why[256];

    ck_assert(derive("3.1.0", "DPDK 22.11.11", false, "dpdkvhostuserclient", &f31, why, sizeof(why)));
    ck_assert_str_eq(why, "derived from OVS 3.1.0 (DPDK 22.11.11), userspace-tso-enable=false");
    ck_assert(derive("3.5.0", "DPDK 24.11.8", false, "dpdkvhostuserclient", &f35, why, sizeof(why)));
    ck_assert(derive("3.1.7", "DPDK 22.11.4", true, "dpdkvhostuserclient", &f31t, why, sizeof(why)));
    ck_assert(derive("3.5.4", "DPDK 24.11.3", true, "dpdkvhostuserclient", &f35t, why, sizeof(why)));
    ck_assert(derive("3.1.0", "DPDK 22.11.11", false, "dpdkvhostuser", &s31, why, sizeof(why)));
    ck_assert(derive("3.1.0", "DPDK 22.11.11", true, "dpdkvhostuser", &s31t, why, sizeof(why)));
    ck_assert(!(f31 & (CSUM | TSO)) && (f31 & ECN));   /* 3.1: CSUM disabled */
    ck_assert_uint_eq(f35, f31 | CSUM);                /* 3.2+: CSUM kept */
    ck_assert_uint_eq(f31t, (f31 | CSUM | TSO) & ~ECN); /* TSO on: ECN, UFO off */
    ck_assert_uint_eq(f35t, f31t);
    ck_assert_uint_eq(s31, f31);                       /* dpdkvhostuser: never TSO */
    ck_assert_uint_eq(s31t, s31 | CSUM);
}
END_TEST

/* no row: unknown, with why, never the nearest row */
START_TEST(test_table_unknown)
{
    static const struct {
        const char *ovs, *dpdk;
    } none[] = {
        { "3.3.0", "DPDK 23.11.1" }, { "3.1.8", "DPDK 22.11.11" }, { "3.5.0", "DPDK 23.11.1" },
        { "3.1.0", "DPDK 22.1" },    { "3.1", "DPDK 22.11.11" },   { "3.1.0rc1", "DPDK 22.11.11" },
        { "3.6.0", "DPDK 24.11.3" }, { "3.1.0", NULL },            { "4.0.0", "DPDK 24.11.3" },
    };
    AbipinOvsInfo info = { .ovs_version = (char *) "3.1.0", .dpdk_version = (char *) "DPDK 22.11.11" };
    uint64_t f = 0x1234;
    char why[256];

    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        ck_assert_msg(!derive(none[i].ovs, none[i].dpdk, false, "dpdkvhostuserclient", &f, why,
                              sizeof(why)),
                      "derived %s %s", none[i].ovs, none[i].dpdk ? none[i].dpdk : "-");
        ck_assert_msg(strstr(why, "no measured row"), "%s", why);
    }
    ck_assert(!derive("3.1.0", "DPDK 22.11.11", false, "dpdkvhostuser-other", &f, why, sizeof(why)));
    /* DPDK not initialised: the port does not exist for QEMU */
    ck_assert(!abipin_ovs_derive(&info, "dpdkvhostuserclient", &f, why, sizeof(why)));
    ck_assert_msg(strstr(why, "has not initialised DPDK"), "%s", why);
    info.dpdk_initialized = true;
    info.ovs_version = NULL;
    ck_assert(!abipin_ovs_derive(&info, "dpdkvhostuserclient", &f, why, sizeof(why)));
    ck_assert_msg(strstr(why, "no ovs_version"), "%s", why);
    ck_assert_uint_eq(f, 0x1234);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ovs");
    TCase *tc = tcase_create("derive");

    tcase_add_test(tc, test_reply);
    tcase_add_test(tc, test_reply_unset);
    tcase_add_test(tc, test_reply_bad);
    tcase_add_test(tc, test_table_facts);
    tcase_add_test(tc, test_table_unknown);
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
