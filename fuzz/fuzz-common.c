#include <config.h>

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz-common.h"
#include "platforms.h"
#include "util/error.h"
#include "util/fileio.h"

static char dir[256];
static FuzzWorld world;
/* stderr as it was at start: libFuzzer's -close_fd_mask=2 silences what the
 * code under test prints, not why an invariant broke */
static FILE *report;

_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    FILE *f = report ? report : stderr;
    va_list ap;

    fprintf(f, "%s:%d: invariant broken: %s: ", file, line, cond);
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fprintf(f, "\n(last abipin error: %s)\n", abipin_error_message() ?: "none");
    fflush(f);
    abort();
}

void fuzz_reset(void)
{
    abipin_error_reset();
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_dir(void)
{
    if (dir[0])
        (void) nftw(dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
    if (dir[0])
        return dir;
    snprintf(dir, sizeof(dir), "%s/abipin-fuzz-XXXXXX",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR") ?: "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        abort();
    }
    atexit(remove_dir);
    return dir;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size)
{
    static char path[512];
    int fd;

    snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t) size) || close(fd) < 0) {
        perror(path);
        abort();
    }
    return path;
}

/* The source tree's data unless the caller says otherwise; the host is a
 * fixed profile, so nothing is ever probed, and no /etc/abipin.conf or
 * cache directory of this machine is read. */
static void fuzz_env(void)
{
    char path[512];

    setenv("ABIPIN_DATADIR", FUZZ_SRCDIR "/data", 0);
    setenv("ABIPIN_SCHEMADIR", FUZZ_SRCDIR "/xml", 0);
    setenv("ABIPIN_HOST_PROFILE", FUZZ_SRCDIR "/tests/data/pin/platforms/qemu-10.0-vdpa-sim.xml", 0);
    snprintf(path, sizeof(path), "%s/cache", fuzz_dir());
    setenv("ABIPIN_CACHE_DIR", path, 1);
    snprintf(path, sizeof(path), "%s/abipin.conf", fuzz_dir());
    setenv("ABIPIN_CONF", path, 1);
    setenv("LC_ALL", "C", 1);
    unsetenv("ABIPIN_EMULATOR");
    unsetenv("LD_PRELOAD");
}

static void must(int r, const char *what)
{
    if (r < 0) {
        fprintf(stderr, "fuzz setup: %s: %s\n", what, abipin_error_message() ?: "?");
        abort();
    }
}

AbipinDomain *fuzz_domain_copy(const FuzzWorld *w)
{
    _cleanup_free_ char *xml = NULL;
    AbipinDomain *d = NULL;
    size_t len;

    if (abipin_domain_format(w->domain, &xml, &len) < 0 ||
        abipin_domain_parse("domain.xml", xml, len, &d) < 0)
        abort();
    return d;
}

const FuzzWorld *fuzz_world(void)
{
    AbipinProbeOptions opts = { .no_cache = true };
    _cleanup_free_ char *data = NULL;
    size_t len;

    if (world.cat)
        return &world;
    report = fdopen(fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3), "w");
    fuzz_env();
    must(abipin_catalogue_load_default(&world.cat), "catalogue");
    must(abipin_platform_for_domain("host", &opts, &world.host), "host profile");
    must(abipin_platform_for_domain("linux-5.14", &opts, &world.old), "linux-5.14");
    must(abipin_pin_context_init(&world.host_ctx, world.cat, world.host, ABIPIN_POLICY_HOST),
         "host context");
    must(abipin_pin_context_init(&world.old_ctx, world.cat, world.old, ABIPIN_POLICY_HOST),
         "linux-5.14 context");
    must(abipin_pin_context_init(&world.compat_ctx, world.cat, world.host, ABIPIN_POLICY_COMPAT),
         "compat context");
    world.host_digest = abipin_platform_digest(world.host);
    if (!world.host_digest)
        abort();
    must(abipin_file_read(FUZZ_SRCDIR "/tests/data/pin/multi-nic.in.xml", ABIPIN_MAX_INPUT_SIZE,
                          &data, &len), "multi-nic.in.xml");
    must(abipin_domain_parse("multi-nic.in.xml", data, len, &world.domain), "multi-nic.in.xml");
    return &world;
}
