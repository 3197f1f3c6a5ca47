/* pin --live without libvirt: what real QEMU 5.2, 7.2, 10.0 and 11.1
 * replied over QMP (tests/data/live/, see its README) gives, with a host
 * profile, the feature vectors the devices offer, and a persistent
 * definition is pinned to them. */
#include <config.h>

#include <string.h>

#include "live.h"
#include "record-json.h"
#include "testutil.h"
#include "util/error.h"


static json_object *transcript(const char *name)
{
    char rel[128], *path;
    json_object *o;

    snprintf(rel, sizeof(rel), "data/live/%s.json", name);
    path = abipin_test_path(rel);
    o = json_object_from_file(path);
    ck_assert_msg(o, "cannot read %s", path);
    free(path);
    return o;
}

/* The commands pin --live may send: they only read. x-query-virtio-status
 * aborts QEMU 11.1.3 (issue 18). */
static const char *const read_only[] = { "query-version", "qom-list", "qom-get" };

/* The QEMU of a transcript: the recorded reply for "COMMAND [PATH
 * [PROPERTY]]", or what QEMU says about a command it does not have. */
static int fake_qmp(void *userdata, const char *command, char **ret)
{
    json_object *cmd = json_tokener_parse(command), *args = NULL, *reply;
    const char *execute = json_object_get_string(json_object_object_get(cmd, "execute"));
    const char *path = NULL, *property = NULL;
    bool allowed = false;
    char key[512];

    ck_assert_ptr_nonnull(execute);
    for (size_t i = 0; i < ELEMENTSOF(read_only); i++)
        allowed |= strcmp(execute, read_only[i]) == 0;
    ck_assert_msg(allowed, "pin --live sent %s", execute);
    if (json_object_object_get_ex(cmd, "arguments", &args)) {
        path = json_object_get_string(json_object_object_get(args, "path"));
        property = json_object_get_string(json_object_object_get(args, "property"));
    }
    snprintf(key, sizeof(key), "%s%s%s%s%s", execute, path ? " " : "", path ? path : "",
             property ? " " : "", property ? property : "");
    if (json_object_object_get_ex(userdata, key, &reply))
        *ret = strdup(json_object_to_json_string(reply));
    else
        *ret = strdup("{\"error\": {\"class\": \"CommandNotFound\", "
                      "\"desc\": \"The command is not found\"}}");
    json_object_put(cmd);
    return 0;
}

/* tests/data/live/NAME.xml, with @from replaced by @to where given. */
static AbipinDomain *domain_edited(const char *name, const char *from, const char *to)
{
    char rel[128], *path, *data, *at, *edited = NULL;
    AbipinDomain *d = NULL;
    size_t len;
    int r;

    snprintf(rel, sizeof(rel), "data/live/%s.xml", name);
    path = abipin_test_path(rel);
    data = abipin_test_read(path, &len);
    if (from) {
        at = strstr(data, from);
        ck_assert_msg(at, "%s: no %s", path, from);
        ck_assert_int_ge(asprintf(&edited, "%.*s%s%s", (int) (at - data), data, to,
                                  at + strlen(from)), 0);
        free(data);
        data = edited;
        len = strlen(data);
    }
    r = abipin_domain_parse(path, data, len, &d);
    ck_assert_msg(r == 0, "%s: %s", path, abipin_error_message());
    free(data);
    free(path);
    return d;
}

static AbipinDomain *domain(const char *name)
{
    return domain_edited(name, NULL, NULL);
}

/* A host profile: tests/data/live/NAME.xml (this machine's, probed) or a
 * shipped platform. */
static AbipinProfile *profile(const char *name)
{
    char rel[128], *path;
    AbipinProfile *p = NULL;

    snprintf(rel, sizeof(rel), "%s/%s.xml",
             strncmp(name, "host-", 5) == 0 ? "data/live" : "../data/platforms", name);
    path = abipin_test_path(rel);
    ck_assert_msg(abipin_profile_load(path, &p) == 0, "%s: %s", path, abipin_error_message());
    free(path);
    return p;
}

/* The running definition of a recording: running.xml on its machine type. */
static int read_live(const char *recording, const char *machine, const char *host,
                     AbipinLive **ret)
{
    json_object *t = transcript(recording);
    AbipinDomain *running = domain_edited("running", "pc-q35-10.0", machine);
    AbipinProfile *p = profile(host);
    int r = abipin_live_read(abipin_test_cat, p, running, fake_qmp, t, ret);

    abipin_profile_free(p);
    abipin_domain_free(running);
    json_object_put(t);
    return r;
}

/* The vectors each device offers: what its PCI registers said when the
 * recording was made (tests/live-qemu.sh compares them on every run), and
 * what x-query-virtio-status said on 7.2 and 10.0. The same properties on
 * a host without USO (linux-5.14) give 0x10179bfffe7, the very number
 * QEMU 10.0 prints as "Allowed features" when a migration to such a host
 * fails (shared/reference/test-environment.md). 11.1 on Linux 6.18 offers
 * UDP tunnel GSO, bits 65-68. */
static const struct {
    const char *recording, *version, *machine, *host;
    uint64_t tap[2], user;
    bool has_uso, uso_on, has_queue_reset;
    size_t properties; /* catalogue properties the device has (no tunnel GSO before 10.2,
                        * no USO before 8.2, no in_order before 9.1) */
} recordings[] = {
    { "qemu-10.0", "10.0.2", "pc-q35-10.0", "host-linux-6.18", { 0x1c0010179bfffe7ULL, 0 },
      0x10179bf8064ULL, true, true, true, 21 },
    { "qemu-10.0", "10.0.2", "pc-q35-10.0", "linux-5.14", { 0x10179bfffe7ULL, 0 },
      0x10179bf8064ULL, true, false, true, 21 },
    { "qemu-7.2", "7.2.22", "pc-q35-7.2", "host-linux-6.18", { 0x10179bfffe7ULL, 0 },
      0x10179bf8064ULL, false, false, true, 17 },
    { "qemu-11.1", "11.1.3", "pc-q35-11.1", "host-linux-6.18", { 0x1c0010179bfffe7ULL, 0x1e },
      0x10179bf8064ULL, true, true, true, 25 },
    { "qemu-5.2", "5.2.0", "pc-q35-5.2", "host-linux-6.18", { 0x179bfffe7ULL, 0 },
      0x179bf8064ULL, false, false, false, 16 },
};

START_TEST(test_read_recording)
{
    AbipinLive *live = NULL;
    const AbipinFeature *host_uso = abipin_catalogue_find(abipin_test_cat, "host_uso");
    const AbipinFeature *queue_reset = abipin_catalogue_find(abipin_test_cat, "queue_reset");
    int r = read_live(recordings[_i].recording, recordings[_i].machine, recordings[_i].host, &live);

    ck_assert_msg(r == 0, "%s: %s", recordings[_i].recording, abipin_error_message());
    ck_assert_str_eq(live->emulator_version, recordings[_i].version);
    ck_assert_str_eq(live->machine, recordings[_i].machine);
    ck_assert_uint_eq(live->n_devices, 2); /* the e1000 is not read */
    ck_assert_str_eq(live->devices[0].path, "/machine/peripheral/ua-net0/virtio-backend");
    ck_assert_msg(live->devices[0].offered[0] == recordings[_i].tap[0] &&
                      live->devices[0].offered[1] == recordings[_i].tap[1],
                  "%s on %s: tap vector 0x%llx 0x%llx", recordings[_i].recording,
                  recordings[_i].host, (unsigned long long) live->devices[0].offered[0],
                  (unsigned long long) live->devices[0].offered[1]);
    ck_assert_msg(live->devices[1].offered[0] == recordings[_i].user && !live->devices[1].offered[1],
                  "%s: user vector 0x%llx", recordings[_i].recording,
                  (unsigned long long) live->devices[1].offered[0]);
    for (size_t i = 0; i < live->n_devices; i++) {
        ck_assert(!live->devices[i].vhost);
        ck_assert(live->devices[i].known[host_uso - abipin_test_cat->features] == recordings[_i].has_uso);
        ck_assert(live->devices[i].known[queue_reset - abipin_test_cat->features] ==
                  recordings[_i].has_queue_reset);
    }
    ck_assert_str_eq(live->devices[1].alias, "net1");
    ck_assert_str_eq(live->devices[1].mac, "52:54:00:00:00:02");
    abipin_live_free(live);
}
END_TEST

/* A failing read leaves nothing behind and names the problem. */
static void assert_read_fails(json_object *t, const char *message)
{
    AbipinDomain *running = domain("running");
    AbipinProfile *p = profile("host-linux-6.18");
    AbipinLive *live = NULL;

    ck_assert_int_lt(abipin_live_read(abipin_test_cat, p, running, fake_qmp, t, &live), 0);
    ck_assert_ptr_null(live);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_ENV);
    ck_assert_msg(strstr(abipin_error_message(), message), "%s", abipin_error_message());
    abipin_profile_free(p);
    abipin_domain_free(running);
    json_object_put(t);
}

/* The running definition names a device that is not a virtio-net one. */
START_TEST(test_read_missing_device)
{
    json_object *t = transcript("qemu-10.0");

    json_object_object_add(t, "qom-list /machine/peripheral/ua-net0",
                           json_tokener_parse("{\"return\": [{\"name\": \"type\", "
                                              "\"type\": \"string\"}]}"));
    assert_read_fails(t, "QEMU has no virtio-net device at "
                         "/machine/peripheral/ua-net0/virtio-backend");
}
END_TEST

/* A property QEMU lists as bool but answers otherwise is not guessed. */
START_TEST(test_read_bad_property)
{
    json_object *t = transcript("qemu-10.0");

    json_object_object_add(t, "qom-get /machine/peripheral/ua-net0/virtio-backend host_uso",
                           json_tokener_parse("{\"return\": \"on\"}"));
    assert_read_fails(t, "QEMU's property host_uso is not a boolean");
}
END_TEST

/* QEMU's QMP error on a read reaches the user with the command's name. */
START_TEST(test_read_qmp_error)
{
    json_object *t = transcript("qemu-10.0");

    json_object_object_add(t, "qom-list /machine/peripheral/net1/virtio-backend",
                           json_tokener_parse("{\"error\": {\"class\": \"DeviceNotFound\", "
                                              "\"desc\": \"Device 'x' not found\"}}"));
    assert_read_fails(t, "QEMU refused qom-list: Device 'x' not found");
}
END_TEST

static const char *report_feature(json_object *report, size_t iface, const char *name,
                                  const char *key)
{
    json_object *ifaces = json_object_object_get(report, "interfaces");
    json_object *fs = json_object_object_get(json_object_array_get_idx(ifaces, iface), "features");

    for (size_t i = 0; i < json_object_array_length(fs); i++) {
        json_object *f = json_object_array_get_idx(fs, i);

        if (streq_ptr(json_object_get_string(json_object_object_get(f, "name")), name))
            return json_object_get_string(json_object_object_get(f, key));
    }
    return NULL;
}

/* The record alone, against xml/metadata.rng. */
static void assert_record_valid(const AbipinDomain *d)
{
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    int r;

    xmlDocSetRootElement(doc, xmlDocCopyNode(abipin_domain_record_element(d), doc, 1));
    r = abipin_xml_validate(doc, "metadata.rng", "record");
    ck_assert_msg(r == 0, "%s", abipin_error_message());
    xmlFreeDoc(doc);
}

/* Every catalogue property the running device has is pinned to exactly
 * whether QEMU offers its bit; a pinned value that differed is replaced
 * and reported. Pinning the result again changes nothing. */
START_TEST(test_pin_live)
{
    AbipinLive *live = NULL;
    AbipinDomain *d = domain("persistent"), *again;
    json_object *report = NULL, *report2 = NULL;
    char *xml, *xml2;
    size_t len, len2, pinned = 0;
    int r = read_live(recordings[_i].recording, recordings[_i].machine, recordings[_i].host, &live);

    ck_assert_msg(r == 0, "%s", abipin_error_message());
    r = abipin_pin_live_domain(abipin_test_cat, live, d, 0);
    ck_assert_msg(r == 0, "%s", abipin_error_message());
    report = abipin_record_to_json(d->record, d->name);
    for (size_t k = 0; k < 2; k++) {
        const AbipinLiveDevice *dev = abipin_live_find(live, &d->ifaces[k]);

        ck_assert_ptr_eq(dev, &live->devices[k]);
        for (size_t i = 0; i < abipin_test_cat->n_features; i++) {
            const AbipinFeature *f = &abipin_test_cat->features[i];
            AbipinValue v, want;

            ck_assert_int_eq(abipin_domain_get_feature(d, &d->ifaces[k], f, &v), 0);
            if (!dev->known[i]) {
                ck_assert_msg(v == ABIPIN_VALUE_ABSENT, "%s set, QEMU has no such property",
                              f->name);
                continue;
            }
            want = abipin_live_offers(dev, f->bit) ? ABIPIN_VALUE_ON : ABIPIN_VALUE_OFF;
            ck_assert_msg(v == want, "%s: interface %zu: %s pinned %d", recordings[_i].recording,
                          k, f->name, v);
            pinned++;
        }
    }
    ck_assert_uint_eq(pinned, 2 * recordings[_i].properties);
    ck_assert_str_eq(d->ifaces[0].driver, "qemu");     /* tap, no vhost */
    ck_assert_ptr_null(d->ifaces[1].driver);           /* user: no backend choice */
    ck_assert_str_eq(d->ifaces[1].alias, "ua-net-525400000002"); /* for <qemu:override> */
    ck_assert_ptr_null(d->ifaces[2].driver);           /* e1000 untouched */
    ck_assert_str_eq(report_feature(report, 0, "csum", "value"), "on");
    ck_assert_str_eq(report_feature(report, 0, "csum", "was"), "off");
    ck_assert_str_eq(report_feature(report, 0, "csum", "why"), "live");
    ck_assert_str_eq(report_feature(report, 0, "host_uso", "value") ?: "unset",
                     !recordings[_i].has_uso ? "unset" : recordings[_i].uso_on ? "on" : "off");
    ck_assert_ptr_null(report_feature(report, 1, "csum", "was"));
    ck_assert_str_eq(json_object_get_string(json_object_object_get(report, "source")), "live");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(report, "method")), "qom");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(report, "platform")),
                     strcmp(recordings[_i].host, "linux-5.14") == 0 ? "linux-5.14" : "vm");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(report, "emulator")),
                     recordings[_i].version);
    assert_record_valid(d);

    /* idempotent */
    ck_assert_int_eq(abipin_domain_format(d, &xml, &len), 0);
    ck_assert_int_eq(abipin_domain_parse("again", xml, len, &again), 0);
    ck_assert_int_eq(abipin_pin_live_domain(abipin_test_cat, live, again, 0), 0);
    report2 = abipin_record_to_json(again->record, again->name);
    ck_assert_int_eq(abipin_domain_format(again, &xml2, &len2), 0);
    ck_assert_msg(len == len2 && memcmp(xml, xml2, len) == 0, "not idempotent:\n%s\n%s", xml, xml2);
    ck_assert_ptr_null(report_feature(report2, 0, "csum", "was"));
    free(xml);
    free(xml2);
    json_object_put(report);
    json_object_put(report2);
    abipin_domain_free(again);
    abipin_domain_free(d);
    abipin_live_free(live);
}
END_TEST

/* A bit the host's profile cannot decide is refused, not guessed: the
 * tap's USO could not be probed (no privilege, say). */
START_TEST(test_read_unknown_atom)
{
    json_object *t = transcript("qemu-10.0");
    AbipinDomain *running = domain("running");
    char *path = abipin_test_path("data/live/host-linux-6.18.xml"), *data, *at, *edited;
    const char *from = "<atom name=\"tap.uso4\"/>";
    AbipinProfile *p = NULL;
    AbipinLive *live = NULL;
    size_t len;

    data = abipin_test_read(path, &len);
    at = strstr(data, from);
    ck_assert_ptr_nonnull(at);
    ck_assert_int_ge(asprintf(&edited, "%.*s<atom name=\"tap.uso4\" state=\"unknown\" "
                                       "reason=\"no privilege\"/>%s",
                              (int) (at - data), data, at + strlen(from)), 0);
    ck_assert_msg(abipin_profile_parse("unknown-uso", edited, strlen(edited), &p) == 0, "%s",
                  abipin_error_message());
    ck_assert_int_lt(abipin_live_read(abipin_test_cat, p, running, fake_qmp, t, &live), 0);
    ck_assert_ptr_null(live);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_ENV);
    ck_assert_msg(strstr(abipin_error_message(), "cannot tell whether host_uso is offered") ||
                      strstr(abipin_error_message(), "cannot tell whether guest_uso4 is offered"),
                  "%s", abipin_error_message());
    abipin_profile_free(p);
    free(edited);
    free(data);
    free(path);
    abipin_domain_free(running);
    json_object_put(t);
}
END_TEST

/* A vhost-user backend's process decides what the device offers: QOM does
 * not tell, so pin --live refuses rather than guess. */
START_TEST(test_read_vhost_user)
{
    json_object *t = transcript("qemu-10.0");
    AbipinDomain *running = domain_edited("running", "<interface type='bridge'>",
                                          "<interface type='vhostuser'>");
    AbipinProfile *p = profile("host-linux-6.18");
    AbipinLive *live = NULL;

    ck_assert_int_lt(abipin_live_read(abipin_test_cat, p, running, fake_qmp, t, &live), 0);
    ck_assert_ptr_null(live);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_REFUSED);
    ck_assert_msg(strstr(abipin_error_message(), "its backend process decides whether"), "%s",
                  abipin_error_message());
    abipin_profile_free(p);
    abipin_domain_free(running);
    json_object_put(t);
}
END_TEST

/* An interface added to the definition since the start has no device to
 * read: refused, not guessed. */
START_TEST(test_pin_live_refuses_unknown_interface)
{
    AbipinLive *live = NULL;
    AbipinDomain *d = domain_edited("persistent", "52:54:00:00:00:02", "52:54:00:00:00:09");

    ck_assert_int_eq(read_live("qemu-10.0", "pc-q35-10.0", "host-linux-6.18", &live), 0);
    ck_assert_int_lt(abipin_pin_live_domain(abipin_test_cat, live, d, 0), 0);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_REFUSED);
    ck_assert_msg(strstr(abipin_error_message(), "(52:54:00:00:00:09) of the definition is not a "
                                                 "virtio-net device of the running domain"),
                  "%s", abipin_error_message());
    abipin_domain_free(d);
    abipin_live_free(live);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("live");

    tcase_add_unchecked_fixture(tc, abipin_test_catalogue_setup, abipin_test_catalogue_teardown);
    tcase_add_loop_test(tc, test_read_recording, 0, ELEMENTSOF(recordings));
    tcase_add_test(tc, test_read_missing_device);
    tcase_add_test(tc, test_read_bad_property);
    tcase_add_test(tc, test_read_qmp_error);
    tcase_add_test(tc, test_read_unknown_atom);
    tcase_add_test(tc, test_read_vhost_user);
    tcase_add_loop_test(tc, test_pin_live, 0, ELEMENTSOF(recordings));
    tcase_add_test(tc, test_pin_live_refuses_unknown_interface);
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
