/* The libvirt qemu hook in-process, as abipin-hook runs it: the first byte
 * picks one of four /etc/abipin.conf variants, the first line is the
 * arguments libvirt passes (NAME OP SUBOP EXTRA), the rest is the domain
 * XML on standard input. Only prepare/migrate/restore begin may ever fail
 * (libvirt kills a running guest whose reconnect hook fails), and the exit
 * code is one of 0-3. */
#include <config.h>

#include <string.h>
#include <sys/mman.h>

#include "cli/cli.h"
#include "fuzz-common.h"

#define MAX_ARGS 16

static const char *const confs[] = {
    NULL, /* no file: the defaults */
    "unpinned = refuse\n",
    "mode = warn # report only\nunpinned = ignore\n",
    "host_profile = \"" FUZZ_SRCDIR "/data/platforms/linux-5.14.xml\"\nunpinned = warn\n",
};
static int stdin_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_world();
    stdin_fd = memfd_create("hook-stdin", MFD_CLOEXEC);
    if (stdin_fd < 0 || dup2(stdin_fd, STDIN_FILENO) < 0)
        abort();
    return 0;
}

static void set_stdin(const uint8_t *data, size_t size)
{
    if (ftruncate(stdin_fd, 0) < 0 || (size && pwrite(stdin_fd, data, size, 0) != (ssize_t) size) ||
        lseek(stdin_fd, 0, SEEK_SET) != 0)
        abort();
}

static void set_conf(unsigned variant)
{
    const char *conf = confs[variant % ELEMENTSOF(confs)];
    char path[512];

    if (conf) {
        (void) fuzz_write_file("abipin.conf", (const uint8_t *) conf, strlen(conf));
        return;
    }
    snprintf(path, sizeof(path), "%s/abipin.conf", fuzz_dir());
    (void) unlink(path);
}

static bool guarded(int argc, char **argv)
{
    return argc > 3 && strcmp(argv[3], "begin") == 0 &&
           (strcmp(argv[2], "prepare") == 0 || strcmp(argv[2], "migrate") == 0 ||
            strcmp(argv[2], "restore") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[1024], *argv[MAX_ARGS + 1] = { (char *) "hook" }, *save = NULL;
    const uint8_t *nl;
    size_t line_len;
    int argc = 1, code;

    if (size < 1)
        return 0;
    set_conf(data[0]);
    data++, size--;
    nl = memchr(data, '\n', size);
    line_len = nl ? (size_t) (nl - data) : size;
    if (line_len >= sizeof(line))
        return 0;
    memcpy(line, data, line_len);
    line[line_len] = '\0';
    for (char *w = strtok_r(line, " \t", &save); w && argc < MAX_ARGS; w = strtok_r(NULL, " \t", &save))
        argv[argc++] = w;
    argv[argc] = NULL;
    set_stdin(nl ? nl + 1 : data + size, nl ? size - line_len - 1 : 0);

    code = cli_exit_code(cmd_hook(argc, argv));
    FUZZ_ASSERT(code >= 0 && code <= 3, "exit %d", code);
    FUZZ_ASSERT(code == 0 || guarded(argc, argv), "the hook failed (exit %d) for '%s'", code,
                argc > 2 ? argv[2] : "");
    fuzz_reset();
    return 0;
}
