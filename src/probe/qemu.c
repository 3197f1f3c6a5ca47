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

#include "probe/probe.h"
#include "util/error.h"
#include "util/i18n.h"

extern char **environ;

#define EMULATOR_TIMEOUT_MS 20000
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
        return access(emulator, X_OK) == 0 ? strdup(emulator) : NULL;
    path_copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    if (!path_copy)
        return NULL;
    for (char *dir = strtok_r(path_copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *candidate;

        if (asprintf(&candidate, "%s/%s", dir, emulator) < 0)
            return NULL;
        if (access(candidate, X_OK) == 0)
            return candidate;
        free(candidate);
    }
    return NULL;
}

static long elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Run "EMULATOR ARGS..." and collect its standard output (bounded in size
 * and time). Its standard error is discarded. */
static int emulator_run(const char *emulator, const char *const *args, char **ret_out)
{
    const char *argv[8] = { emulator };
    _cleanup_free_ char *out = NULL;
    posix_spawn_file_actions_t fa;
    struct timespec start;
    size_t len = 0;
    int pfd[2], status, r = 0;
    pid_t pid;

    for (size_t i = 0; args[i] && i + 2 < ELEMENTSOF(argv); i++)
        argv[i + 1] = args[i];
    if (!(out = malloc(EMULATOR_MAX_OUTPUT + 1)))
        return -ENOMEM;
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return negative_errno();
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    /* ETXTBSY: somebody has the file open for writing this very moment
     * (an upgrade, "touch" of a wrapper script); wait a little for them
     * rather than take a host without emulator facts. */
    for (int tries = 0;; tries++) {
        r = -posix_spawn(&pid, emulator, &fa, NULL, (char *const *) argv, environ);
        if (r != -ETXTBSY || tries == EMULATOR_BUSY_TRIES)
            break;
        nanosleep(&(struct timespec) { .tv_nsec = EMULATOR_BUSY_WAIT_NS }, NULL);
    }
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    if (r < 0) {
        close(pfd[0]);
        return r;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct pollfd p = { .fd = pfd[0], .events = POLLIN };
        long left = EMULATOR_TIMEOUT_MS - elapsed_ms(&start);
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
    if (r < 0)
        return r;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -EIO;
    out[len] = '\0';
    *ret_out = TAKE_PTR(out);
    return 0;
}

/* "QEMU emulator version 10.0.2 (Debian 1:10.0.2+ds-1~bpo12+1)" -> "10.0.2" */
static char *parse_version(const char *out)
{
    const char *p = strstr(out, "version ");
    size_t n = 0;

    if (!p)
        return NULL;
    p += strlen("version ");
    while (isdigit((unsigned char) p[n]) || p[n] == '.')
        n++;
    return n ? strndup(p, n) : NULL;
}

/* "  host_uso=<bool>   - on/off (default: true)" -> qemu.prop.virtio-net-pci.host_uso */
static int parse_device_help(AbipinAtomSet *set, char *out)
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
        snprintf(atom, sizeof(atom), "qemu.prop.virtio-net-pci.%s", line);
        if (!abipin_atom_is_known(atom))
            continue;
        r = abipin_atom_set_put(set, atom, ABIPIN_ATOM_PRESENT, NULL);
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
            r = abipin_profile_add_alias(p, line, target);
        } else {
            r = abipin_atom_set_putf_state(p->atoms, ABIPIN_ATOM_PRESENT, NULL, "qemu.machine.%s",
                                           line);
        }
        if (r < 0)
            return r;
    }
    return 0;
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
    _cleanup_free_ char *out = NULL;
    int r;

    if (!path) {
        snprintf(why, why_len, "no emulator '%1$s' found",
                 emulator ? emulator : ABIPIN_DEFAULT_EMULATOR);
        return ABIPIN_EMULATOR_NONE;
    }
    r = emulator_run(path, version_args, &out);
    if (r < 0) {
        snprintf(why, why_len, "'%1$s --version' failed: %2$s", path, strerror(-r));
        return ABIPIN_EMULATOR_FAILED;
    }
    p->has_emulator = true;
    p->emulator_version = parse_version(out);
    p->emulator_path = TAKE_PTR(path);
    free(TAKE_PTR(out));
    r = emulator_run(p->emulator_path, device_args, &out);
    if (r >= 0)
        r = parse_device_help(p->atoms, out);
    if (r < 0) {
        snprintf(why, why_len, "'%1$s -device virtio-net-pci,help' failed: %2$s",
                 p->emulator_path, strerror(-r));
        return probe_emulator_forget(p);
    }
    free(TAKE_PTR(out));
    r = emulator_run(p->emulator_path, machine_args, &out);
    if (r >= 0)
        r = parse_machine_help(p, out);
    if (r < 0) {
        snprintf(why, why_len, "'%1$s -machine help' failed: %2$s", p->emulator_path,
                 strerror(-r));
        return probe_emulator_forget(p);
    }
    return 0;
}
