/* ICU for abipin-hook's own libxml2, loaded on first use.
 *
 * abipin-hook links libxml2 from its archive where configure finds one
 * (HOOK_LIBS). Debian's libxml2 is built with ICU, yet calls it only for an
 * encoding that iconv does not know (libxml2 encoding.c,
 * xmlFindCharEncodingHandler): a libvirt domain, UTF-8, never gets there.
 * Linking libicuuc would load it, libicudata, libstdc++ and libgcc_s at
 * every start, and relocating those is most of the dynamic loader's work
 * (xmllint --noout pays it too). So the seven ICU functions libxml2 calls
 * are these: the first call loads libicuuc and every call goes on to ICU's
 * own function, so a document that needs ICU (encoding="ibm-1208", say) is
 * read as before. The names come from ICU's headers (ucnv_open is
 * ucnv_open_72 with ICU 72), which are also the prototypes these must
 * match. abipin-hook has one thread, so the handle needs no lock. */
#include <config.h>

#include <dlfcn.h>
#include <stddef.h>

#include <unicode/ucnv.h>

/* ICU_NAME(ucnv_open) is "ucnv_open_72": the name after ICU's renaming */
#define ICU_NAME_(f) #f
#define ICU_NAME(f) ICU_NAME_(f)

static void *icu_function(const char *name)
{
    static void *lib;

    if (!lib)
        lib = dlopen("libicuuc.so." U_ICU_VERSION_SHORT, RTLD_NOW | RTLD_LOCAL);
    return lib ? dlsym(lib, name) : NULL;
}

UConverter *ucnv_open(const char *converterName, UErrorCode *err)
{
    __typeof__(&ucnv_open) f = icu_function(ICU_NAME(ucnv_open));

    if (!f) {
        *err = U_MISSING_RESOURCE_ERROR;
        return NULL;
    }
    return f(converterName, err);
}

void ucnv_close(UConverter *converter)
{
    __typeof__(&ucnv_close) f = converter ? icu_function(ICU_NAME(ucnv_close)) : NULL;

    if (f)
        f(converter);
}

void ucnv_setToUCallBack(UConverter *converter, UConverterToUCallback newAction,
                         const void *newContext, UConverterToUCallback *oldAction,
                         const void **oldContext, UErrorCode *err)
{
    __typeof__(&ucnv_setToUCallBack) f = icu_function(ICU_NAME(ucnv_setToUCallBack));

    if (!f) {
        *err = U_MISSING_RESOURCE_ERROR;
        return;
    }
    f(converter, newAction, newContext, oldAction, oldContext, err);
}

void ucnv_setFromUCallBack(UConverter *converter, UConverterFromUCallback newAction,
                           const void *newContext, UConverterFromUCallback *oldAction,
                           const void **oldContext, UErrorCode *err)
{
    __typeof__(&ucnv_setFromUCallBack) f = icu_function(ICU_NAME(ucnv_setFromUCallBack));

    if (!f) {
        *err = U_MISSING_RESOURCE_ERROR;
        return;
    }
    f(converter, newAction, newContext, oldAction, oldContext, err);
}

void ucnv_convertEx(UConverter *targetCnv, UConverter *sourceCnv, char **target,
                    const char *targetLimit, const char **source, const char *sourceLimit,
                    UChar *pivotStart, UChar **pivotSource, UChar **pivotTarget,
                    const UChar *pivotLimit, UBool reset, UBool flush, UErrorCode *pErrorCode)
{
    __typeof__(&ucnv_convertEx) f = icu_function(ICU_NAME(ucnv_convertEx));

    if (!f) {
        *pErrorCode = U_MISSING_RESOURCE_ERROR;
        return;
    }
    f(targetCnv, sourceCnv, target, targetLimit, source, sourceLimit, pivotStart, pivotSource,
      pivotTarget, pivotLimit, reset, flush, pErrorCode);
}

/* libxml2 hands these to the two functions above; ICU calls them back, by
 * then loaded */
void UCNV_TO_U_CALLBACK_STOP(const void *context, UConverterToUnicodeArgs *toUArgs,
                             const char *codeUnits, int32_t length,
                             UConverterCallbackReason reason, UErrorCode *err)
{
    __typeof__(&UCNV_TO_U_CALLBACK_STOP) f = icu_function(ICU_NAME(UCNV_TO_U_CALLBACK_STOP));

    if (f)
        f(context, toUArgs, codeUnits, length, reason, err);
}

void UCNV_FROM_U_CALLBACK_STOP(const void *context, UConverterFromUnicodeArgs *fromUArgs,
                               const UChar *codeUnits, int32_t length, UChar32 codePoint,
                               UConverterCallbackReason reason, UErrorCode *err)
{
    __typeof__(&UCNV_FROM_U_CALLBACK_STOP) f = icu_function(ICU_NAME(UCNV_FROM_U_CALLBACK_STOP));

    if (f)
        f(context, fromUArgs, codeUnits, length, codePoint, reason, err);
}
