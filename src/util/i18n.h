/* Translation helpers: abipin's messages live in the "abipin" text domain,
 * so a program linking libabipin keeps its own (libvirt's src/internal.h). */
#pragma once

#include <libintl.h>

#define _(s) dgettext(PACKAGE, s)
#define N_(s) s
