/* Check (abipin check, start, the hook): can a platform honour the pins of
 * a definition? The answer is a typed list of problems; the commands format
 * it (text, check --json). Not "check.h": src/ is on the include path, and
 * that is the name of the Check unit-test library's header. */
#pragma once

#include "pin.h"

typedef enum {
    ABIPIN_PROBLEM_WARNING, /* an unpinned interface (an error with --strict) */
    ABIPIN_PROBLEM_ERROR,   /* the platform cannot honour a pin */
} AbipinProblemSeverity;

const char *abipin_problem_severity_to_string(AbipinProblemSeverity s);

/* One finding of check. Every string is owned by the problem. */
typedef struct {
    AbipinProblemSeverity severity;
    char *domain;    /* the domain's label */
    char *interface; /* the interface's alias, or NULL */
    char *mac;       /* or NULL */
    char *feature;   /* the catalogue feature concerned, or NULL */
    char *atom;      /* the capability atom the platform lacks, or NULL */
    char *message;   /* the whole sentence: domain, interface, detail */
    char *detail;    /* what is wrong with the interface, for check's lines */
} AbipinProblem;

typedef struct {
    AbipinProblem *items;
    size_t n;
    size_t n_errors;
} AbipinProblemList;

/* A new problem at the end of @l, zeroed but for its severity: the caller
 * fills in its strings (copies, abipin_strdup), which the list then owns. */
AbipinProblem *abipin_problem_list_add(AbipinProblemList *l, AbipinProblemSeverity severity);
void abipin_problem_list_clear(AbipinProblemList *l);

typedef struct {
    bool strict; /* unpinned interfaces are errors, not warnings */
} AbipinCheckOptions;

int abipin_check_domain(const AbipinPinContext *ctx, const AbipinDomain *d,
                        const AbipinCheckOptions *opts, AbipinProblemList *problems)
    _warn_unused_result_;
int abipin_check_requirements(const AbipinCatalogue *cat, const AbipinDomain *d,
                              AbipinProblemList *problems, AbipinAtomSet **ret_need)
    _warn_unused_result_;
