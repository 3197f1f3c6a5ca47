/* Translation helpers: abipin's messages live in the "abipin" text domain,
 * so a program linking libabipin keeps its own (libvirt's src/internal.h). */
#pragma once

#include <libintl.h>
#include <locale.h>

#define _(s) dgettext(PACKAGE, s)
#define N_(s) s
/* A message with a count n: its singular and plural msgids (ngettext) */
#define P_(singular, plural, n) dngettext(PACKAGE, singular, plural, n)

locale_t abipin_i18n_data_begin(void);
void abipin_i18n_data_end(locale_t previous);
