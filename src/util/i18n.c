#include <config.h>

#include <locale.h>

#include "util/i18n.h"

/* A copy of the process locale with C messages, made once. */
static locale_t i18n_c_messages(void)
{
    static locale_t loc;
    locale_t base;

    if (loc)
        return loc;
    base = duplocale(LC_GLOBAL_LOCALE);
    if (base && !(loc = newlocale(LC_MESSAGES_MASK, "C", base)))
        freelocale(base);
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
 * Returns: the locale to give abipin_i18n_data_end(), (locale_t) 0 if none
 * could be made (the messages then stay as they are).
 */
locale_t abipin_i18n_data_begin(void)
{
    locale_t c = i18n_c_messages();

    return c ? uselocale(c) : (locale_t) 0;
}

void abipin_i18n_data_end(locale_t previous)
{
    if (previous)
        uselocale(previous);
}
