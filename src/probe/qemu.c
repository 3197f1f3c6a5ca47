#include <config.h>

#include <ctype.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "atoms.h"
#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

extern char **environ;

#define EMULATOR_MAX_OUTPUT (1024 * 1024)
#define EMULATOR_BUSY_TRIES 50
#define EMULATOR_BUSY_WAIT_NS (20 * 1000 * 1000)

/**
 * abipin_emulator_find:
 * @emulator: a path, a name looked up in PATH, or NULL for the default
 *
 * Returns a newly allocated path of an executable, or NULL.
 */
char *abipin_emulator_find(const char *emulator)
{
    _cleanup_free_ char *path_copy = NULL;
    const char *path = getenv("PATH");
    char *save = NULL;

    if (!emulator || !*emulator)
        emulator = getenv("ABIPIN_EMULATOR");
    if (!emulator || !*emulator)
        emulator = ABIPIN_DEFAULT_EMULATOR;
    if (strchr(emulator, '/'))
        return access(emulator, X_OK) == 0 ? abipin_strdup(emulator) : NULL;
    path_copy = abipin_strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (char *dir = strtok_r(path_copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *candidate = abipin_asprintf("%s/%s", dir, emulator);

        if (access(candidate, X_OK) == 0)
            return candidate;
        free(candidate);
    }
    return NULL;
}

/**
 * abipin_timeout_ms_from_env:
 * @name: an environment variable that gives seconds, 1 to 600
 * @fallback_ms: when it is unset or not such a number
 *
 * A wait's bound, in milliseconds (a loaded host needs longer ones).
 */
long abipin_timeout_ms_from_env(const char *name, long fallback_ms)
{
    const char *s = secure_getenv(name);
    char *end;
    long v;

    if (!s || !*s)
        return fallback_ms;
    v = strtol(s, &end, 10);
    return *end || v < 1 || v > 600 ? fallback_ms : v * 1000;
}

long abipin_emulator_timeout_ms(void)
{
    return abipin_timeout_ms_from_env("ABIPIN_EMULATOR_TIMEOUT", 20000);
}

/* Milliseconds since @start (CLOCK_MONOTONIC) */
long abipin_elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* One of the child's standard streams: @fd, or /dev/null when @fd < 0 */
static int emulator_stream(posix_spawn_file_actions_t *fa, int fd, int target, int oflag)
{
    return fd >= 0 ? posix_spawn_file_actions_adddup2(fa, fd, target)
                   : posix_spawn_file_actions_addopen(fa, target, "/dev/null", oflag, 0);
}

/* The child's standard streams: @in_fd, @out_fd and @err_fd, /dev/null for
 * each that is < 0. These calls fail for lack of memory or a bad
 * descriptor: abipin's own trouble, not the emulator's, so an error (exit
 * 3), not an emulator without facts. */
static int emulator_file_actions(posix_spawn_file_actions_t *fa, const char *emulator, int in_fd,
                                 int out_fd, int err_fd)
{
    int e = posix_spawn_file_actions_init(fa);

    if (e != 0)
        return abipin_error_set(ABIPIN_ERR_ENV, -e, _("cannot prepare to run %1$s: %2$s"),
                                emulator, strerror(e));
    if ((e = emulator_stream(fa, out_fd, STDOUT_FILENO, O_WRONLY)) != 0 ||
        (e = emulator_stream(fa, err_fd, STDERR_FILENO, O_WRONLY)) != 0 ||
        (e = emulator_stream(fa, in_fd, STDIN_FILENO, O_RDONLY)) != 0) {
        posix_spawn_file_actions_destroy(fa);
        return abipin_error_set(ABIPIN_ERR_ENV, -e, _("cannot prepare to run %1$s: %2$s"),
                                emulator, strerror(e));
    }
    return 0;
}

/**
 * abipin_emulator_spawn:
 * @argv: argv[0] is @emulator
 * @in_fd, @out_fd, @err_fd: its standard streams; < 0: /dev/null
 *
 * Start the emulator. Returns < 0 (error set) if abipin could not prepare
 * it, else 0 with *ret_pid, or the errno of a failed start (the
 * emulator's failure) as a positive number.
 */
int abipin_emulator_spawn(const char *emulator, const char *const *argv, int in_fd, int out_fd,
                          int err_fd, pid_t *ret_pid)
{
    posix_spawn_file_actions_t fa;
    int r = emulator_file_actions(&fa, emulator, in_fd, out_fd, err_fd);

    if (r < 0)
        return r;
    /* ETXTBSY: somebody has the file open for writing this very moment
     * (an upgrade, "touch" of a wrapper script); wait a little for them
     * rather than take a host without emulator facts. */
    for (int tries = 0;; tries++) {
        r = posix_spawn(ret_pid, emulator, &fa, NULL, (char *const *) argv, environ);
        if (r != ETXTBSY || tries == EMULATOR_BUSY_TRIES)
            break;
        nanosleep(&(struct timespec) { .tv_nsec = EMULATOR_BUSY_WAIT_NS }, NULL);
    }
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

/* Run "EMULATOR ARGS..." and collect its standard output (bounded in size
 * and time). Its standard error is discarded. Returns 0, < 0 (error set)
 * when abipin itself could not run it, or ABIPIN_EMULATOR_FAILED with
 * *ret_failure the errno of the emulator's failure. */
static int emulator_run(const char *emulator, const char *const *args, char **ret_out,
                        int *ret_failure)
{
    const char *argv[8] = { emulator };
    _cleanup_free_ char *out = abipin_malloc(EMULATOR_MAX_OUTPUT + 1);
    struct timespec start;
    size_t len = 0;
    int pfd[2], status, r = 0;
    pid_t pid;

    for (size_t i = 0; args[i] && i + 2 < ELEMENTSOF(argv); i++)
        argv[i + 1] = args[i];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        *ret_failure = errno;
        return ABIPIN_EMULATOR_FAILED;
    }
    r = abipin_emulator_spawn(emulator, argv, -1, pfd[1], -1, &pid);
    close(pfd[1]);
    if (r != 0) {
        close(pfd[0]);
        if (r < 0)
            return r;
        *ret_failure = r;
        return ABIPIN_EMULATOR_FAILED;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd p = { .fd = pfd[0], .events = POLLIN };
        long left = abipin_emulator_timeout_ms() - abipin_elapsed_ms(&start);
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int) left) == 0) {
            r = -ETIMEDOUT;
            break;
        }
        n = read(pfd[0], out + len, EMULATOR_MAX_OUTPUT - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += n;
        if (len == EMULATOR_MAX_OUTPUT) {
            r = -EFBIG;
            break;
        }
    }
    close(pfd[0]);
    if (r < 0)
        kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
        r = -EIO;
    if (r < 0) {
        *ret_failure = -r;
        return ABIPIN_EMULATOR_FAILED;
    }
    out[len] = '\0';
    *ret_out = TAKE_PTR(out);
    return 0;
}

/* "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-1~bpo12+1)" -> "10.0.2";
 * no version in it is no failure (the version stays unknown) */
static int parse_version(AbipinProfile *p, char *out)
{
    const char *v = strstr(out, "version ");
    size_t n = 0;

    if (!v)
        return 0;
    v += strlen("version ");
    while (isdigit((unsigned char) v[n]) || v[n] == '.')
        n++;
    p->emulator_version = n ? abipin_strndup(v, n) : NULL;
    return 0;
}

/* "  host_uso=<bool>   - on/off (default: true)" -> ABIPIN_ATOM_QEMU_PROP "host_uso" */
static int parse_device_help(AbipinProfile *p, char *out)
{
    char *save = NULL, atom[128];

    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n;
        int r;

        if (line[0] != ' ')
            continue;
        line += strspn(line, " ");
        n = strcspn(line, "=");
        if (!line[n] || n == 0 || n > 64)
            continue;
        line[n] = '\0';
        snprintf(atom, sizeof(atom), ABIPIN_ATOM_QEMU_PROP "%s", line);
        if (!abipin_atom_is_known(atom))
            continue;
        r = abipin_atom_set_put(p->atoms, atom, ABIPIN_ATOM_PRESENT, NULL);
        if (r < 0)
            return r;
    }
    return 0;
}

/* "q35    Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)" */
static int parse_machine_help(AbipinProfile *p, char *out)
{
    char *save = NULL;

    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n = strcspn(line, " ");
        const char *alias = strstr(line, "(alias of ");
        int r;

        if (n == 0 || n > 64 || !line[n] || strncmp(line, "Supported", 9) == 0)
            continue;
        line[n] = '\0';
        if (alias) {
            char target[128];

            if (sscanf(alias, "(alias of %127[^)])", target) != 1)
                continue;
            abipin_profile_add_alias(p, line, target);
            continue;
        }
        r = abipin_atom_set_putf_state(p->atoms, ABIPIN_ATOM_PRESENT, NULL, "qemu.machine.%s",
                                       line);
        if (r < 0)
            return r;
    }
    return 0;
}

typedef int (*EmulatorParseFn)(AbipinProfile *p, char *out);

/* Run "EMULATOR ARGS..." and @parse its output into @p. Returns 0, < 0
 * (error set) when abipin itself failed, or ABIPIN_EMULATOR_FAILED with
 * @why naming the run ("EMULATOR @what") and its failure. */
static int emulator_query(AbipinProfile *p, const char *emulator, const char *const *args,
                          const char *what, EmulatorParseFn parse, char *why, size_t why_len)
{
    _cleanup_free_ char *out = NULL;
    int failure = 0, r = emulator_run(emulator, args, &out, &failure);

    if (r == 0 && (r = parse(p, out)) < 0) {
        failure = -r;
        r = ABIPIN_EMULATOR_FAILED;
    }
    if (r > 0)
        snprintf(why, why_len, "'%1$s %2$s' failed: %3$s", emulator, what, strerror(failure));
    return r;
}

/* One of the three runs failed: drop what the others found. Half an answer
 * (a version without properties, properties without machine types) would
 * read as an emulator that lacks them. */
static int probe_emulator_forget(AbipinProfile *p)
{
    abipin_profile_clear_emulator(p);
    abipin_atom_set_remove_prefix(p->atoms, ABIPIN_EMULATOR_ATOM_PREFIX);
    return ABIPIN_EMULATOR_FAILED;
}

/**
 * abipin_probe_emulator:
 * @emulator: path or name, NULL for the default
 *
 * Ask the installed QEMU for its version ("--version"), its virtio-net-pci
 * properties ("-device virtio-net-pci,help") and its machine types and
 * aliases ("-machine help").
 *
 * Returns 0 when probed, ABIPIN_EMULATOR_NONE when there is none,
 * ABIPIN_EMULATOR_FAILED when one of its runs failed (@why says why for
 * both; the profile then has no emulator facts), or a negative errno.
 */
int abipin_probe_emulator(AbipinProfile *p, const char *emulator, char *why, size_t why_len)
{
    static const char *const version_args[] = { "--version", NULL };
    static const char *const device_args[] = { "-machine", "none", "-nodefaults",
                                               "-device", "virtio-net-pci,help", NULL };
    static const char *const machine_args[] = { "-machine", "help", NULL };
    _cleanup_free_ char *path = abipin_emulator_find(emulator);
    int r;

    if (!path) {
        snprintf(why, why_len, "no emulator '%1$s' found",
                 emulator ? emulator : ABIPIN_DEFAULT_EMULATOR);
        return ABIPIN_EMULATOR_NONE;
    }
    r = emulator_query(p, path, version_args, "--version", parse_version, why, why_len);
    if (r != 0)
        return r;
    p->has_emulator = true;
    p->emulator_path = TAKE_PTR(path);
    r = emulator_query(p, p->emulator_path, device_args, "-device virtio-net-pci,help",
                       parse_device_help, why, why_len);
    if (r == 0)
        r = emulator_query(p, p->emulator_path, machine_args, "-machine help", parse_machine_help,
                           why, why_len);
    return r > 0 ? probe_emulator_forget(p) : r;
}
