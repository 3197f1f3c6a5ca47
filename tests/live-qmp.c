/* live-qmp SOCKET PROFILE RUNNING.xml PERSISTENT.xml [OFFERED]: 'pin --live'
 * without libvirt, for tests/live-qemu.sh. The library's path (the same
 * abipin_live_read and abipin_pin_live_domain the command runs) over a
 * plain QMP socket instead of libvirt's monitor passthrough: libvirt 9.0
 * cannot drive every QEMU the test runs (11.1). Writes the pinned
 * PERSISTENT.xml to standard output and, per device, "ALIAS 0xLOW 0xHIGH
 * vhost|qemu" (bits 0-63, 64-127 the model says it offers) to OFFERED.
 * Every command it sends is logged to standard error. Exit 0, or 1 with
 * the library's message. */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "live.h"
#include "profile.h"
#include "util/json.h"
#include "util/error.h"

typedef struct {
    FILE *f;
} Qmp;

/* The next line that is not an event; NULL at the end. */
static char *qmp_reply(Qmp *q)
{
    char *line = NULL;
    size_t size = 0;

    while (getline(&line, &size, q->f) > 0) {
        json_object *o = json_tokener_parse(line);
        bool event = json_object_object_get_ex(o, "event", NULL);

        json_object_put(o);
        if (!event)
            return line;
    }
    free(line);
    return NULL;
}

static int qmp_call(void *userdata, const char *command, char **ret)
{
    Qmp *q = userdata;

    fprintf(stderr, "live-qmp: -> %s\n", command);
    if (fprintf(q->f, "%s\n", command) < 0 || fflush(q->f) != 0 || !(*ret = qmp_reply(q)))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPIPE, "QEMU closed its QMP socket after %s",
                                command);
    return 0;
}

static int qmp_open(const char *path, Qmp *q)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    char *reply = NULL;
    int r;

    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
        !(q->f = fdopen(fd, "r+"))) {
        if (fd >= 0)
            close(fd);
        return abipin_error_set(ABIPIN_ERR_ENV, -errno, "cannot connect to %s: %m", path);
    }
    free(qmp_reply(q)); /* the greeting */
    r = qmp_call(q, "{\"execute\": \"qmp_capabilities\"}", &reply);
    free(reply);
    return r;
}

static int write_offered(const char *path, const AbipinLive *live)
{
    FILE *f = fopen(path, "we");

    if (!f)
        return abipin_error_set(ABIPIN_ERR_ENV, -errno, "%s: %m", path);
    for (size_t i = 0; i < live->n_devices; i++)
        fprintf(f, "%s 0x%llx 0x%llx %s\n", live->devices[i].alias,
                (unsigned long long) live->devices[i].offered[0],
                (unsigned long long) live->devices[i].offered[1],
                live->devices[i].vhost ? "vhost" : "qemu");
    return fclose(f) == 0 ? 0 : abipin_error_set(ABIPIN_ERR_ENV, -EIO, "%s: write error", path);
}

static int run(char **argv)
{
    _cleanup_(abipin_catalogue_freep) AbipinCatalogue *cat = NULL;
    _cleanup_(abipin_profile_freep) AbipinProfile *host = NULL;
    _cleanup_(abipin_domain_freep) AbipinDomain *running = NULL, *d = NULL;
    _cleanup_(abipin_live_freep) AbipinLive *live = NULL;
    _cleanup_free_ char *xml = NULL;
    Qmp q = { NULL };
    size_t len;
    int r;

    if ((r = abipin_catalogue_load_default(&cat)) < 0 ||
        (r = abipin_profile_load(argv[2], &host)) < 0 ||
        (r = abipin_domain_load(argv[3], &running)) < 0 ||
        (r = abipin_domain_load(argv[4], &d)) < 0 || (r = qmp_open(argv[1], &q)) < 0)
        return r;
    r = abipin_live_read(cat, host, running, qmp_call, &q, &live);
    fclose(q.f);
    if (r < 0 || (r = abipin_pin_live_domain(cat, live, d, 0)) < 0 ||
        (argv[5] && (r = write_offered(argv[5], live)) < 0) ||
        (r = abipin_domain_format(d, &xml, &len)) < 0)
        return r;
    return fwrite(xml, 1, len, stdout) == len ? 0 : -EIO;
}

int main(int argc, char **argv)
{
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s SOCKET PROFILE RUNNING.xml PERSISTENT.xml [OFFERED]\n", argv[0]);
        return 2;
    }
    if (run(argv) < 0) {
        fprintf(stderr, "live-qmp: %s\n", abipin_error_message());
        return 1;
    }
    return 0;
}
