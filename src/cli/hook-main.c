/* abipin-hook: the libvirt qemu hook as its own small program.
 *
 * It runs on every start and every incoming migration, so it links neither
 * libvirt nor the subcommands: the dynamic loader's work for libvirt alone
 * cost several times an XML parse. Install it (or a symlink to it) in
 * /etc/libvirt/hooks/qemu.d/; libvirt calls it as "NAME OP SUBOP EXTRA"
 * with the domain XML on stdin. "abipin hook" runs the same code. */
#include <config.h>

#include <locale.h>

#include "cli/cli.h"
#include "util/i18n.h"

int main(int argc, char **argv)
{
    cli_i18n_init();
    /* cmd_hook expects argv[0] = "hook", argv[1] = NAME, ... */
    return cli_exit_code(cmd_hook_exiting(argc, argv));
}
