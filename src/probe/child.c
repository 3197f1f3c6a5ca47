#include <config.h>

#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>

#include "probe/probe.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/i18n.h"

/* The child reports on a pipe, one atom a line: NAME \t STATE \t REASON, or
 * "!REASON" when nothing could be probed; a line "." ends the report. The
 * reader stops there and does not wait for the child to exit: the kernel
 * tears a tap or a network namespace down only after RCU grace periods,
 * which cost more than all the probing together. */
static void child_report(int fd, const AbipinAtomSet *set, const char *failure)
{
    FILE *out = fdopen(fd, "w");

    if (!out)
        _exit(1);
    if (failure[0]) {
        fprintf(out, "!%s\n", failure);
    } else {
        for (size_t i = 0; i < set->n; i++)
            fprintf(out, "%s\t%s\t%s\n", set->items[i].name,
                    abipin_atom_state_to_string(set->items[i].state),
                    set->items[i].reason ? set->items[i].reason : "");
    }
    fputs(".\n", out);
    fflush(out);
}

/**
 * abipin_probe_child_start:
 * @fn: the prober; it fills a set, or a failure text and returns < 0
 *
 * Run @fn in a grandchild: the child in between exits at once, so the
 * grandchild is reaped by init and its slow exit (closing taps, tearing a
 * namespace down) delays nobody. Several can run at once.
 */
int abipin_probe_child_start(AbipinProbeFn fn, AbipinProbeChild *ret)
{
    int pfd[2], status;
    pid_t pid;

    if (pipe2(pfd, O_CLOEXEC) < 0)
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(), _("cannot create a pipe: %1$s"),
                                strerror(errno));
    pid = fork();
    if (pid < 0) {
        close(pfd[0]);
        close(pfd[1]);
        return abipin_error_set(ABIPIN_ERR_ENV, negative_errno(), _("cannot fork: %1$s"),
                                strerror(errno));
    }
    if (pid == 0) {
        close(pfd[0]);
        if (fork() == 0) {
            AbipinAtomSet *set = abipin_atom_set_new();
            char failure[512] = "";

            if (!set || (fn(set, failure, sizeof(failure)) < 0 && !failure[0]))
                snprintf(failure, sizeof(failure), "%s",
                         abipin_error_message() ? abipin_error_message() : "?");
            child_report(pfd[1], set, failure);
        }
        _exit(0);
    }
    close(pfd[1]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    ret->fd = pfd[0];
    return 0;
}

/**
 * abipin_probe_child_finish:
 * @failure: receives the child's failure text, empty if it probed
 *
 * Merge the child's atoms into @set. Returns the number of atoms read.
 */
int abipin_probe_child_finish(AbipinProbeChild *c, AbipinAtomSet *set, char *failure, size_t len)
{
    FILE *in = fdopen(c->fd, "r");
    char line[512];
    int n = 0, r = 0;

    failure[0] = '\0';
    if (!in) /* the descriptor is ours and open: only the FILE's memory can lack */
        abipin_oom();
    while (r >= 0 && fgets(line, sizeof(line), in)) {
        char *state, *reason;

        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, ".") == 0)
            break;
        if (line[0] == '!') {
            snprintf(failure, len, "%s", line + 1);
            continue;
        }
        state = strchr(line, '\t');
        reason = state ? strchr(state + 1, '\t') : NULL;
        if (!reason)
            continue;
        *state++ = '\0';
        *reason++ = '\0';
        if (!abipin_atom_is_known(line) || abipin_atom_state_from_string(state) < 0)
            continue;
        r = abipin_atom_set_put(set, line, abipin_atom_state_from_string(state), *reason ? reason : NULL);
        n++;
    }
    fclose(in);
    if (r < 0)
        return r;
    if (n == 0 && !failure[0])
        snprintf(failure, len, "%s", "the probe process reported nothing");
    return n;
}
