/* Shared by the libFuzzer harnesses (make fuzz): a fixed environment that
 * never touches the host, the catalogue and platforms loaded once, and a
 * private directory on tmpfs for inputs that must be files. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pin.h"
#include "util/error.h"

/* Every harness defines these two; libFuzzer calls them. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    AbipinCatalogue *cat;
    AbipinProfile *host;     /* tests/data/pin/platforms/qemu-10.0.xml, as ABIPIN_HOST_PROFILE */
    AbipinProfile *old;      /* the shipped linux-5.14, completed from the host */
    AbipinPinContext host_ctx, old_ctx, compat_ctx;
    char *host_digest;
    AbipinDomain *domain;    /* tests/data/pin/multi-nic.in.xml: never changed, copy it to pin */
} FuzzWorld;

/* Set the environment, load what every input is run against. Aborts if the
 * source tree's data cannot be found. */
const FuzzWorld *fuzz_world(void);

/* A copy of w->domain that may be pinned. */
AbipinDomain *fuzz_domain_copy(const FuzzWorld *w);

/* The private directory (on /dev/shm where possible), removed at exit. */
const char *fuzz_dir(void);
/* Write @data to @name in fuzz_dir(); returns the path (static buffer). */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/* An invariant broke: say which, then abort so libFuzzer keeps the input. */
#define FUZZ_ASSERT(cond, ...)                                                                   \
    do {                                                                                         \
        if (!(cond))                                                                             \
            fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                   \
    } while (0)
_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    _printf_(4, 5);

/* Forget the last error between inputs (it is thread-local global state). */
void fuzz_reset(void);
