/* gen-catalogue FEATURES.xml: the catalogue as C, compiled into abipin.
 *
 * data/features.xml stays the one source of truth; this build tool reads it
 * with abipin's own loader (src/catalogue.c: the same checks, the same
 * structures) and prints those structures as static C data with
 * abipin_catalogue_builtin() returning them. Every abipin process then
 * starts with the catalogue in place instead of parsing 400 lines of XML
 * (the hook runs at every start of every guest). tests/test-catalogue.c
 * holds the compiled catalogue equal to the file, field for field. */
#include <config.h>

#include <stdio.h>

#include "catalogue.h"
#include "util/error.h"

/* The generator itself reads the file: it has no compiled catalogue yet. */
const AbipinCatalogue *abipin_catalogue_builtin(void)
{
    return NULL;
}

/* @s as a C string literal, NULL as NULL */
static void put_string(const char *s)
{
    if (!s) {
        fputs("NULL", stdout);
        return;
    }
    fputs("(char *) \"", stdout);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20 || *p >= 0x7f)
            printf("\\%03o", *p); /* octal: a hex escape would eat the digits after it */
        else
            putchar(*p);
    }
    putchar('"');
}

static void put_requirements(size_t f, const AbipinFeature *feat)
{
    for (size_t r = 0; r < feat->n_reqs; r++) {
        printf("static char *atoms_%zu_%zu[] = { ", f, r);
        for (size_t a = 0; a < feat->reqs[r].n_atoms; a++) {
            put_string(feat->reqs[r].atoms[a]);
            fputs(", ", stdout);
        }
        puts("NULL };");
    }
    printf("static AbipinRequirement reqs_%zu[] = {\n", f);
    for (size_t r = 0; r < feat->n_reqs; r++) {
        const AbipinRequirement *q = &feat->reqs[r];

        printf("    { .backend = %d, .outcome = %d, .qemu_min = %uu, .qemu_max = %uu, "
               ".atoms = atoms_%zu_%zu, .n_atoms = %zu },\n",
               q->backend, q->outcome, q->qemu_min, q->qemu_max, f, r, q->n_atoms);
    }
    puts("    { 0 } };");
}

static void put_compat(size_t f, const AbipinFeature *feat)
{
    printf("static AbipinCompat compat_%zu[] = {\n", f);
    for (size_t c = 0; c < feat->n_compat; c++) {
        const AbipinCompat *k = &feat->compat[c];

        printf("    { .machine_max = %uu, .qemu_min = %uu, .qemu_max = %uu, .value = %d, .source = ",
               k->machine_max, k->qemu_min, k->qemu_max, k->value);
        put_string(k->source);
        puts(" },");
    }
    puts("    { 0 } };");
}

static void put_feature(size_t f, const AbipinFeature *x)
{
    printf("    { .name = ");
    put_string(x->name);
    printf(", .bit = %u, .macro = ", x->bit);
    put_string(x->macro);
    printf(", .since = %uu, .default_on = %d,\n      .description = ", x->since, x->default_on);
    put_string(x->description);
    printf(",\n      .place = %d, .libvirt_attribute = ", x->place);
    put_string(x->libvirt_attribute);
    printf(", .libvirt_since = %uu,\n      .reqs = reqs_%zu, .n_reqs = %zu, "
           ".compat = compat_%zu, .n_compat = %zu },\n",
           x->libvirt_since, f, x->n_reqs, f, x->n_compat);
}

static void put_base(const AbipinBaseBit *b)
{
    printf("    { .bit = %u, .macro = ", b->bit);
    put_string(b->macro);
    printf(", .multiqueue = %d, .machine_min = %uu, .transitional_keeps = %d,\n"
           "      .qemu_min = %uu, .qemu_max = %uu, .property = ",
           b->multiqueue, b->machine_min, b->transitional_keeps, b->qemu_min, b->qemu_max);
    put_string(b->property);
    printf(", .inverted = %d, .vhost_user = %d,\n      .vdpa = %d, .vdpa_qemu_min = %uu, "
           ".vdpa_qemu_max = %uu, .vdpa_needs = %u, .vdpa_needs_qemu_min = %uu },\n",
           b->inverted, b->vhost_user, b->vdpa, b->vdpa_qemu_min, b->vdpa_qemu_max, b->vdpa_needs,
           b->vdpa_needs_qemu_min);
}

int main(int argc, char **argv)
{
    AbipinCatalogue *cat = NULL;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FEATURES.xml\n", argv[0]);
        return 2;
    }
    if (abipin_catalogue_load(argv[1], &cat) < 0) {
        fprintf(stderr, "%s: %s\n", argv[0], abipin_error_message());
        return 2;
    }
    printf("/* Generated from %s by tools/gen-catalogue: do not edit. */\n"
           "#include <config.h>\n\n#include <stddef.h>\n\n#include \"catalogue.h\"\n\n", argv[1]);
    for (size_t f = 0; f < cat->n_features; f++) {
        put_requirements(f, &cat->features[f]);
        put_compat(f, &cat->features[f]);
    }
    puts("static AbipinFeature features[] = {");
    for (size_t f = 0; f < cat->n_features; f++)
        put_feature(f, &cat->features[f]);
    puts("    { 0 } };\nstatic AbipinBaseBit base[] = {");
    for (size_t b = 0; b < cat->n_base; b++)
        put_base(&cat->base[b]);
    puts("    { 0 } };");
    printf("static const AbipinCatalogue catalogue = {\n"
           "    .qemu_min = %uu, .qemu_max = %uu, .builtin = true,\n"
           "    .features = features, .n_features = %zu, .base = base, .n_base = %zu,\n};\n\n",
           cat->qemu_min, cat->qemu_max, cat->n_features, cat->n_base);
    puts("const AbipinCatalogue *abipin_catalogue_builtin(void)\n{\n    return &catalogue;\n}");
    abipin_catalogue_free(cat);
    return fflush(stdout) == 0 ? 0 : 3;
}
