/* The emulator's defaults per machine type, measured (DESIGN §6): a paused
 * QEMU (TCG, -S, no netdev, nothing runs) with one device of each
 * virtio-net-pci model, asked over QMP on its standard streams for the
 * value of every property that decides a feature bit. QEMU has applied the
 * machine type's compat properties (hw/core/machine.c hw_compat_*, and a
 * downstream build's own) by then, so the answer is what a guest started
 * with that machine type gets, on this very binary. */
#include <config.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"
#include "util/qmp.h"

#define QMP_MAX_LINE (256 * 1024)
#define MAX_MEASURED 64

/* One paused QEMU and its monitor on its standard streams. */
typedef struct {
    const char *emulator;
    const char *machine;
    int sock;  /* our end of its standard input and output */
    int err;   /* its standard error: a memfd */
    pid_t pid;
    struct timespec start;
    char *buf; /* what it printed and was not read yet */
    size_t len;
    char what[512]; /* "EMULATOR (machine type M)": who answers, for messages */
} PausedQemu;

/* Its first line of standard error, for a message: what QEMU said when it
 * refused to start. */
static void paused_qemu_stderr(const PausedQemu *q, char *buf, size_t len)
{
    ssize_t n = pread(q->err, buf, len - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

/* QEMU went away before answering: how, and what it said. */
static int paused_qemu_gone(PausedQemu *q)
{
    char said[256];
    int status;

    while (waitpid(q->pid, &status, 0) < 0 && errno == EINTR)
        ;
    q->pid = 0;
    paused_qemu_stderr(q, said, sizeof(said));
    if (WIFSIGNALED(status))
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO,
                                _("%1$s died (signal %2$d) before answering%3$s%4$s"), q->what,
                                WTERMSIG(status), said[0] ? ": " : "", said);
    return abipin_error_set(ABIPIN_ERR_ENV, -EIO,
                            _("%1$s exited (status %2$d) without answering QMP%3$s%4$s"), q->what,
                            WEXITSTATUS(status), said[0] ? ": " : "", said);
}

/* The next line QEMU printed, within the measurement's time. */
static int paused_qemu_read_line(PausedQemu *q, char **ret)
{
    for (;;) {
        char *nl = q->len ? memchr(q->buf, '\n', q->len) : NULL;
        struct pollfd p = { .fd = q->sock, .events = POLLIN };
        long left = abipin_emulator_timeout_ms() - abipin_elapsed_ms(&q->start);
        ssize_t n;

        if (nl) {
            *ret = abipin_strndup(q->buf, nl - q->buf);
            q->len -= nl + 1 - q->buf;
            memmove(q->buf, nl + 1, q->len);
            return 0;
        }
        if (q->len == QMP_MAX_LINE)
            return abipin_error_set(ABIPIN_ERR_ENV, -EFBIG,
                                    _("%1$s printed a line longer than %2$d bytes: not QMP"),
                                    q->what, QMP_MAX_LINE);
        if (left <= 0 || poll(&p, 1, (int) left) == 0)
            return abipin_error_set(ABIPIN_ERR_ENV, -ETIMEDOUT,
                                    _("%1$s did not answer within %2$ld s"), q->what,
                                    abipin_emulator_timeout_ms() / 1000);
        n = read(q->sock, q->buf + q->len, QMP_MAX_LINE - q->len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return paused_qemu_gone(q);
        q->len += n;
    }
}

/* The next QMP message that is not an event, as text: a greeting
 * (@key "QMP"), or a reply ("return" or "error"). Anything that is not a
 * JSON object is not QMP: named, never parsed further. */
static int paused_qemu_read_message(PausedQemu *q, const char *key, char **ret)
{
    for (;;) {
        _cleanup_(json_object_putp) json_object *o = NULL;
        _cleanup_free_ char *line = NULL;
        int r;

        if ((r = paused_qemu_read_line(q, &line)) < 0)
            return r;
        o = json_tokener_parse(line);
        if (!json_object_is_type(o, json_type_object)) {
            char shown[81];

            snprintf(shown, sizeof(shown), "%s", line);
            return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                    _("%1$s printed something that is not QMP: '%2$s'"), q->what,
                                    shown);
        }
        if (json_object_object_get_ex(o, "event", NULL))
            continue;
        if (key ? !json_object_object_get_ex(o, key, NULL)
                : !json_object_object_get_ex(o, "return", NULL) &&
                      !json_object_object_get_ex(o, "error", NULL))
            return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                    _("%1$s printed a JSON object that is not %2$s"), q->what,
                                    key ? _("QMP's greeting") : _("a QMP reply"));
        *ret = TAKE_PTR(line);
        return 0;
    }
}

static int paused_qemu_write(PausedQemu *q, const char *text)
{
    size_t len = strlen(text), done = 0;

    while (done < len) {
        /* MSG_NOSIGNAL: a QEMU that died is an answer, not a SIGPIPE */
        ssize_t n = send(q->sock, text + done, len - done, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EPIPE ? paused_qemu_gone(q)
                                  : abipin_error_set(ABIPIN_ERR_ENV, negative_errno(),
                                                     _("cannot write to %1$s: %2$s"), q->what,
                                                     strerror(errno));
        done += n;
    }
    return 0;
}

/* An AbipinQmpFunc: one command, one reply. */
static int paused_qemu_call(void *userdata, const char *command, char **ret_reply)
{
    PausedQemu *q = userdata;
    _cleanup_free_ char *line = abipin_asprintf("%s\n", command);
    int r;

    if ((r = paused_qemu_write(q, line)) < 0)
        return r;
    return paused_qemu_read_message(q, NULL, ret_reply);
}

/* Ask it to quit, give it the rest of the time, then kill it: a paused
 * QEMU is never left behind. */
static void paused_qemu_stop(PausedQemu *q)
{
    static const char quit[] = "{\"execute\":\"quit\"}\n";

    if (q->sock >= 0 && q->pid > 0)
        (void) !send(q->sock, quit, sizeof(quit) - 1, MSG_NOSIGNAL);
    if (q->sock >= 0)
        close(q->sock);
    if (q->err >= 0)
        close(q->err);
    while (q->pid > 0) {
        int status;
        pid_t w = waitpid(q->pid, &status, WNOHANG);

        if (w == q->pid || (w < 0 && errno != EINTR))
            break;
        if (abipin_elapsed_ms(&q->start) > abipin_emulator_timeout_ms()) {
            kill(q->pid, SIGKILL);
            while (waitpid(q->pid, &status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        nanosleep(&(struct timespec) { .tv_nsec = 2 * 1000 * 1000 }, NULL);
    }
    free(q->buf);
}

static void devices_free(char *(*devices)[ABIPIN_N_NIC_DEVICES])
{
    for (size_t i = 0; i < ABIPIN_N_NIC_DEVICES; i++)
        free((*devices)[i]);
}

static int paused_qemu_start(PausedQemu *q)
{
    _cleanup_(devices_free) char *devices[ABIPIN_N_NIC_DEVICES] = { NULL };
    const char *argv[32] = { q->emulator, "-machine", q->machine,
                             /* TCG where it is built in, else KVM (RHEL's
                              * qemu-kvm has no TCG); paused, nothing runs */
                             "-accel", "tcg", "-accel", "kvm", "-nodefaults", "-no-user-config",
                             "-display", "none", "-S", "-qmp", "stdio" };
    size_t n = 14;
    int sv[2] = { -1, -1 }, r;

    for (size_t i = 0; i < ABIPIN_N_NIC_DEVICES; i++) {
        devices[i] = abipin_asprintf("%s,id=abipin-nic%zu", abipin_nic_devices[i], i);
        argv[n++] = "-device";
        argv[n++] = devices[i];
    }
    /* one socket is its standard input and output: -qmp stdio reads one
     * and writes the other */
    q->err = memfd_create("abipin-qemu-stderr", MFD_CLOEXEC);
    if (q->err < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
        r = abipin_error_set(ABIPIN_ERR_ENV, negative_errno(), _("cannot run %1$s: %2$s"),
                             q->emulator, strerror(errno));
        goto fail;
    }
    r = abipin_emulator_spawn(q->emulator, argv, sv[1], sv[1], q->err, &q->pid);
    if (r > 0)
        r = abipin_error_set(ABIPIN_ERR_ENV, -r, _("cannot run %1$s: %2$s"), q->emulator,
                             strerror(r));
    if (r < 0)
        goto fail;
    close(sv[1]);
    q->sock = sv[0];
    return 0;
fail:
    for (int i = 0; i < 2; i++)
        if (sv[i] >= 0)
            close(sv[i]);
    return r;
}

/* Each model's values into @out; a property a device does not have (an
 * older QEMU's, a transitional model's disable-modern) is left out. */
static int measure_devices(const AbipinQmp *qmp, const char *machine, const char *const *names,
                           size_t n, AbipinDefaultsList *out)
{
    for (size_t i = 0; i < ABIPIN_N_NIC_DEVICES; i++) {
        _cleanup_free_ char *path = abipin_asprintf("/machine/peripheral/abipin-nic%zu", i);
        int values[MAX_MEASURED];
        AbipinMachineDefaults *d;
        int r;

        if ((r = abipin_qmp_bool_properties(qmp, path, names, n, values)) < 0)
            return r;
        d = abipin_defaults_add(out, machine, abipin_nic_devices[i]);
        for (size_t k = 0; k < n; k++)
            if (values[k] >= 0)
                abipin_defaults_set(d, names[k], values[k], false);
    }
    return 0;
}

/**
 * abipin_probe_machine_defaults:
 * @machine: a machine type the emulator has (resolved: "pc-q35-10.0")
 * @cat: which properties decide a feature bit
 * @out: receives one entry per virtio-net-pci model
 *
 * Measure @machine's defaults on @emulator. An emulator that cannot be
 * run, hangs, dies, prints what is not QMP or refuses a command is an ENV
 * error naming it and what it did (exit 3); @out is then unchanged.
 */
int abipin_probe_machine_defaults(const char *emulator, const char *machine,
                                  const AbipinCatalogue *cat, AbipinDefaultsList *out)
{
    PausedQemu q = { .emulator = emulator, .machine = machine, .sock = -1, .err = -1 };
    AbipinQmp qmp = { .call = paused_qemu_call, .userdata = &q, .what = q.what };
    AbipinDefaultsList measured = { 0 };
    const char *names[MAX_MEASURED];
    size_t n = abipin_catalogue_measured_properties(cat, names, ELEMENTSOF(names));
    _cleanup_free_ char *greeting = NULL;
    int r;

    snprintf(q.what, sizeof(q.what), _("%1$s (machine type %2$s)"), emulator, machine);
    clock_gettime(CLOCK_MONOTONIC, &q.start);
    q.buf = abipin_malloc(QMP_MAX_LINE);
    if ((r = paused_qemu_start(&q)) >= 0 &&
        (r = paused_qemu_read_message(&q, "QMP", &greeting)) >= 0 &&
        (r = abipin_qmp_capabilities(&qmp)) >= 0)
        r = measure_devices(&qmp, machine, names, n, &measured);
    paused_qemu_stop(&q);
    if (r < 0) {
        abipin_defaults_clear(&measured);
        return r;
    }
    abipin_defaults_copy(out, &measured);
    abipin_defaults_clear(&measured);
    return 0;
}
