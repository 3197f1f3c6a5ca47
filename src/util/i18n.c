#include <config.h>

#include <locale.h>

#include "util/alloc.h"
#include "util/i18n.h"

/* A copy of the process locale with C messages, made once. Both calls
 * fail only for lack of memory ("C" always exists): abort, as for any
 * allocation, rather than write translated data. */
static locale_t i18n_c_messages(void)
{
    static locale_t loc;
    locale_t base;

    if (loc)
        return loc;
    if (!(base = duplocale(LC_GLOBAL_LOCALE)) || !(loc = newlocale(LC_MESSAGES_MASK, "C", base)))
        abipin_oom();
    return loc;
}

/**
 * abipin_i18n_data_begin:
 *
 * Data is never translated: the XML and JSON documents abipin writes, and
 * the profile cache, which another user or locale reads later, are the
 * same bytes whatever LANGUAGE and LC_MESSAGES say. Text that goes into
 * them (a probe's reasons, strerror(), a check's messages) is made
 * between this call and abipin_i18n_data_end(), with the C locale's
 * messages for this thread; gettext ignores LANGUAGE there.
 *
 * Returns: the locale to give abipin_i18n_data_end().
 */
locale_t abipin_i18n_data_begin(void)
{
    return uselocale(i18n_c_messages());
}

void abipin_i18n_data_end(locale_t previous)
{
    if (previous)
        uselocale(previous);
}
