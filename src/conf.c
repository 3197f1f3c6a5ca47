#include <config.h>

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "conf.h"
#include "util/alloc.h"
#include "util/error.h"
#include "util/fileio.h"
#include "util/i18n.h"

const char *abipin_config_path(void)
{
    const char *p = getenv("ABIPIN_CONF");

    return p && *p ? p : ABIPIN_SYSCONFDIR "/abipin.conf";
}

void abipin_config_clear(AbipinConfig *c)
{
    free(c->cache_dir);
    free(c->host_profile);
    *c = (AbipinConfig) { .enforce = true };
}

static char *strip(char *s)
{
    char *end;

    while (isspace((unsigned char) *s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char) end[-1]))
        *--end = '\0';
    return s;
}

static int config_set(AbipinConfig *c, const char *path, unsigned line, const char *key,
                      const char *value)
{
    if (strcmp(key, "unpinned") == 0) {
        if (strcmp(value, "warn") == 0)
            c->unpinned = ABIPIN_UNPINNED_WARN;
        else if (strcmp(value, "refuse") == 0)
            c->unpinned = ABIPIN_UNPINNED_REFUSE;
        else if (strcmp(value, "ignore") == 0)
            c->unpinned = ABIPIN_UNPINNED_IGNORE;
        else
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$u: unpinned is warn, refuse or ignore, not '%3$s'"),
                                    path, line, value);
    } else if (strcmp(key, "mode") == 0) {
        if (strcmp(value, "enforce") != 0 && strcmp(value, "warn") != 0)
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$u: mode is enforce or warn, not '%3$s'"), path, line,
                                    value);
        c->enforce = strcmp(value, "enforce") == 0;
    } else if (strcmp(key, "cache_dir") == 0 || strcmp(key, "host_profile") == 0) {
        char **dst = key[0] == 'c' ? &c->cache_dir : &c->host_profile;

        if (value[0] != '/')
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$u: %3$s must be an absolute path"), path, line, key);
        free(*dst);
        *dst = abipin_strdup(value);
    } else {
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s:%2$u: unknown setting '%3$s'"),
                                path, line, key);
    }
    return 0;
}

/**
 * abipin_config_load:
 * @path: the file; a missing file means the defaults
 *
 * "key = value" lines, '#' starts a comment. Defaults: unpinned = warn,
 * mode = enforce, the built-in cache directory, probe this host. Unknown
 * keys and values are INPUT errors: a typo must not silently weaken the
 * hook.
 */
int abipin_config_load(const char *path, AbipinConfig *ret)
{
    _cleanup_free_ char *data = NULL;
    AbipinConfig c = { .enforce = true };
    char *save = NULL;
    unsigned line = 0;
    size_t len;
    int r;

    if (access(path, F_OK) < 0 && errno == ENOENT) {
        *ret = c;
        return 0;
    }
    r = abipin_file_read(path, 64 * 1024, &data, &len);
    if (r < 0)
        return r;
    if (memchr(data, '\0', len))
        return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL, _("%1$s: contains a NUL byte"), path);
    for (char *l = data; l; l = save) {
        char *eq, *key, *value;

        save = strchr(l, '\n');
        if (save)
            *save++ = '\0';
        line++;
        l[strcspn(l, "#")] = '\0';
        l = strip(l);
        if (!*l)
            continue;
        eq = strchr(l, '=');
        if (!eq) {
            abipin_config_clear(&c);
            return abipin_error_set(ABIPIN_ERR_INPUT, -EINVAL,
                                    _("%1$s:%2$u: expected 'key = value'"), path, line);
        }
        *eq = '\0';
        key = strip(l);
        value = strip(eq + 1);
        if (value[0] == '"' && strlen(value) >= 2 && value[strlen(value) - 1] == '"') {
            value[strlen(value) - 1] = '\0';
            value++;
        }
        if ((r = config_set(&c, path, line, key, value)) < 0) {
            abipin_config_clear(&c);
            return r;
        }
    }
    *ret = c;
    return 0;
}
