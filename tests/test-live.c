/* pin --live without libvirt: what real QEMU 10.0 and 7.2 replied over QMP
 * (tests/data/live/, see its README) is decoded into feature vectors, and a
 * persistent definition is pinned to them. */
#include <config.h>

#include <string.h>

#include "live.h"
#include "testutil.h"
#include "util/error.h"

static AbipinCatalogue *cat;

static void load_catalogue(void)
{
    cat = abipin_test_catalogue();
}

static void free_catalogue(void)
{
    abipin_catalogue_free(cat);
    cat = NULL;
}

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

/* The QEMU of a transcript: the recorded reply for "COMMAND [PATH]", or
 * what QEMU says about a command it does not have. */
static int fake_qmp(void *userdata, const char *command, char **ret)
{
    json_object *cmd = json_tokener_parse(command), *args, *reply;
    const char *execute = json_object_get_string(json_object_object_get(cmd, "execute"));
    const char *path = json_object_object_get_ex(cmd, "arguments", &args)
                           ? json_object_get_string(json_object_object_get(args, "path"))
                           : NULL;
    char key[512];

    ck_assert_ptr_nonnull(execute);
    snprintf(key, sizeof(key), "%s%s%s", execute, path ? " " : "", path ? path : "");
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
    char rel[128], *path, *data, *at;
    AbipinDomain *d = NULL;
    size_t len;
    int r;

    snprintf(rel, sizeof(rel), "data/live/%s.xml", name);
    path = abipin_test_path(rel);
    data = abipin_test_read(path, &len);
    if (from) {
        at = strstr(data, from);
        ck_assert_msg(at && strlen(from) == strlen(to), "%s: no %s", path, from);
        memcpy(at, to, strlen(to));
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

static int read_live(const char *recording, const char *running_name, AbipinLive **ret)
{
    json_object *t = transcript(recording);
    AbipinDomain *running = domain(running_name);
    int r = abipin_live_read(cat, running, fake_qmp, t, ret);

    abipin_domain_free(running);
    json_object_put(t);
    return r;
}

/* The vectors, from the recordings decoded with the names of QEMU's
 * virtio headers; for the tap without USO it is the very number QEMU 10.0
 * prints as "Allowed features" when a migration to such a host fails
 * (shared/reference/test-environment.md). */
static const struct {
    const char *recording, *version;
    uint64_t tap, user;
    bool has_uso;
    size_t properties; /* catalogue properties the device has (no tunnel GSO before 10.2,
                        * no USO before 8.2, no in_order before 9.1) */
} recordings[] = {
    { "qemu-10.0", "10.0.2", 0x1c0010179bfffe7ULL, 0x10179bf8064ULL, true, 21 },
    { "qemu-10.0-nouso", "10.0.2", 0x10179bfffe7ULL, 0x10179bf8064ULL, true, 21 },
    { "qemu-7.2", "7.2.22", 0x10179bfffe7ULL, 0x10179bf8064ULL, false, 17 },
};

START_TEST(test_read_recording)
{
    AbipinLive *live = NULL;
    const AbipinFeature *host_uso = abipin_catalogue_find(cat, "host_uso");
    const AbipinFeature *queue_reset = abipin_catalogue_find(cat, "queue_reset");
    int r = read_live(recordings[_i].recording, "running", &live);

    ck_assert_msg(r == 0, "%s: %s", recordings[_i].recording, abipin_error_message());
    ck_assert_str_eq(live->emulator_version, recordings[_i].version);
    ck_assert_str_eq(live->machine, "pc-q35-10.0");
    ck_assert_uint_eq(live->n_devices, 2); /* the e1000 is not read */
    ck_assert_str_eq(live->devices[0].path, "/machine/peripheral/ua-net0/virtio-backend");
    ck_assert_msg(live->devices[0].offered[0] == recordings[_i].tap && !live->devices[0].offered[1],
                  "%s: tap vector 0x%llx", recordings[_i].recording,
                  (unsigned long long) live->devices[0].offered[0]);
    ck_assert_msg(live->devices[1].offered[0] == recordings[_i].user,
                  "%s: user vector 0x%llx", recordings[_i].recording,
                  (unsigned long long) live->devices[1].offered[0]);
    for (size_t i = 0; i < live->n_devices; i++) {
        ck_assert(!live->devices[i].vhost);
        ck_assert(live->devices[i].known[host_uso - cat->features] == recordings[_i].has_uso);
        ck_assert(live->devices[i].known[queue_reset - cat->features]);
    }
    ck_assert_str_eq(live->devices[1].alias, "net1");
    ck_assert_str_eq(live->devices[1].mac, "52:54:00:00:00:02");
    abipin_live_free(live);
}
END_TEST

static int decode(const char *json, uint64_t ret[2])
{
    json_object *o = json_tokener_parse(json);
    int r;

    ck_assert_ptr_nonnull(o);
    r = abipin_qmp_decode_features(cat, o, "test", ret);
    json_object_put(o);
    return r;
}

/* QEMU 10.0 names bit 55 "VIRTIO_NET_F_GUEST_USO4"; its description says
 * USOv6. */
START_TEST(test_decode_misnamed_uso6)
{
    uint64_t v[2];

    ck_assert_int_eq(decode("{\"transports\": [], \"dev-features\": "
                            "[\"VIRTIO_NET_F_GUEST_USO4: Driver can receive USOv4\"]}", v), 0);
    ck_assert(v[0] == 1ULL << 54 && v[1] == 0);
    ck_assert_int_eq(decode("{\"transports\": [], \"dev-features\": "
                            "[\"VIRTIO_NET_F_GUEST_USO4: Driver can receive USOv6\"]}", v), 0);
    ck_assert(v[0] == 1ULL << 55);
    ck_assert_int_eq(decode("{\"transports\": [\"VIRTIO_F_VERSION_1: v1\"], \"dev-features\": "
                            "[\"VIRTIO_NET_F_GUEST_USO6: Driver can receive USOv6\", "
                            "\"VIRTIO_NET_F_MTU: unknown to the catalogue\"], "
                            "\"unknown-dev-features\": 1099511627776}", v), 0);
    ck_assert(v[0] == (1ULL << 55 | 1ULL << 32 | 1ULL << 40));
}
END_TEST

START_TEST(test_decode_refuses_ambiguity)
{
    uint64_t v[2];

    ck_assert_int_lt(decode("{\"transports\": [], \"dev-features\": [\"VIRTIO_NET_F_CSUM: a\", "
                            "\"VIRTIO_NET_F_CSUM: b\"]}", v), 0);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_ENV);
    ck_assert_ptr_nonnull(strstr(abipin_error_message(), "'VIRTIO_NET_F_CSUM: b' for two"));
    ck_assert_int_lt(decode("{\"dev-features\": []}", v), 0);
    ck_assert_ptr_nonnull(strstr(abipin_error_message(), "no 'transports'"));
}
END_TEST

/* A QEMU older than 7.2 has no x-query-virtio-status. */
START_TEST(test_read_old_qemu)
{
    json_object *t = transcript("qemu-10.0");
    AbipinDomain *running = domain("running");
    AbipinLive *live = NULL;

    json_object_object_del(t, "x-query-virtio-status /machine/peripheral/ua-net0/virtio-backend");
    ck_assert_int_lt(abipin_live_read(cat, running, fake_qmp, t, &live), 0);
    ck_assert_ptr_null(live);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_ENV);
    ck_assert_msg(strstr(abipin_error_message(), "no QMP command x-query-virtio-status") &&
                      strstr(abipin_error_message(), "7.2 or newer"),
                  "%s", abipin_error_message());
    abipin_domain_free(running);
    json_object_put(t);
}
END_TEST

/* The running definition names a device QEMU does not list. */
START_TEST(test_read_missing_device)
{
    json_object *t = transcript("qemu-10.0");
    AbipinDomain *running = domain("running");
    AbipinLive *live = NULL;

    json_object_object_add(t, "x-query-virtio", json_tokener_parse("{\"return\": []}"));
    ck_assert_int_lt(abipin_live_read(cat, running, fake_qmp, t, &live), 0);
    ck_assert_msg(strstr(abipin_error_message(), "QEMU has no virtio-net device at "
                                                 "/machine/peripheral/ua-net0/virtio-backend"),
                  "%s", abipin_error_message());
    abipin_domain_free(running);
    json_object_put(t);
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

    xmlDocSetRootElement(doc, xmlDocCopyNode(abipin_domain_get_record(d), doc, 1));
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
    int r = read_live(recordings[_i].recording, "running", &live);

    ck_assert_int_eq(r, 0);
    r = abipin_pin_live_domain(cat, live, d, &report);
    ck_assert_msg(r == 0, "%s", abipin_error_message());
    for (size_t k = 0; k < 2; k++) {
        const AbipinLiveDevice *dev = abipin_live_find(live, &d->ifaces[k]);

        ck_assert_ptr_eq(dev, &live->devices[k]);
        for (size_t i = 0; i < cat->n_features; i++) {
            const AbipinFeature *f = &cat->features[i];
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
                     !recordings[_i].has_uso ? "unset" : _i == 0 ? "on" : "off");
    ck_assert_ptr_null(report_feature(report, 1, "csum", "was"));
    ck_assert_str_eq(json_object_get_string(json_object_object_get(report, "source")), "live");
    ck_assert_str_eq(json_object_get_string(json_object_object_get(report, "emulator")),
                     recordings[_i].version);
    assert_record_valid(d);

    /* idempotent */
    ck_assert_int_eq(abipin_domain_format(d, &xml, &len), 0);
    ck_assert_int_eq(abipin_domain_parse("again", xml, len, &again), 0);
    ck_assert_int_eq(abipin_pin_live_domain(cat, live, again, &report2), 0);
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

/* An interface added to the definition since the start has no device to
 * read: refused, not guessed. */
START_TEST(test_pin_live_refuses_unknown_interface)
{
    AbipinLive *live = NULL;
    AbipinDomain *d = domain_edited("persistent", "52:54:00:00:00:02", "52:54:00:00:00:09");
    json_object *report = NULL;

    ck_assert_int_eq(read_live("qemu-10.0", "running", &live), 0);
    ck_assert_int_lt(abipin_pin_live_domain(cat, live, d, &report), 0);
    ck_assert_int_eq(abipin_error_category(), ABIPIN_ERR_REFUSED);
    ck_assert_msg(strstr(abipin_error_message(), "(52:54:00:00:00:09) of the definition is not a "
                                                 "virtio-net device of the running domain"),
                  "%s", abipin_error_message());
    json_object_put(report);
    abipin_domain_free(d);
    abipin_live_free(live);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("live");
    TCase *tc = tcase_create("live");

    tcase_add_unchecked_fixture(tc, load_catalogue, free_catalogue);
    tcase_add_loop_test(tc, test_read_recording, 0, ELEMENTSOF(recordings));
    tcase_add_test(tc, test_decode_misnamed_uso6);
    tcase_add_test(tc, test_decode_refuses_ambiguity);
    tcase_add_test(tc, test_read_old_qemu);
    tcase_add_test(tc, test_read_missing_device);
    tcase_add_loop_test(tc, test_pin_live, 0, ELEMENTSOF(recordings));
    tcase_add_test(tc, test_pin_live_refuses_unknown_interface);
    suite_add_tcase(s, tc);
    return abipin_test_run(s);
}
