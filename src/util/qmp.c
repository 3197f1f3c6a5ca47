#include <config.h>

#include <string.h>

#include "util/error.h"
#include "util/i18n.h"
#include "util/json.h"
#include "util/macro.h"
#include "util/qmp.h"

/**
 * qmp_execute:
 * @ret: the reply's "return" member
 *
 * One command. A QMP error is an environment error naming the command;
 * CommandNotFound means a QEMU older than the command. A reply that is
 * not a JSON object is the transport's garbage, named as such.
 */
static int qmp_execute(const AbipinQmp *q, const char *command, json_object *args,
                       json_object **ret)
{
    _cleanup_(json_object_putp) json_object *cmd = abipin_json_object();
    _cleanup_(json_object_putp) json_object *reply = NULL;
    _cleanup_free_ char *text = NULL;
    enum json_tokener_error jerr;
    json_object *error, *value;
    int r;

    abipin_json_set(cmd, "execute", abipin_json_string(command));
    if (args)
        abipin_json_set(cmd, "arguments", args);
    if ((r = q->call(q->userdata, abipin_json_to_string(cmd, JSON_C_TO_STRING_PLAIN, NULL),
                     &text)) < 0)
        return r;
    reply = json_tokener_parse_verbose(text, &jerr);
    if (!json_object_is_type(reply, json_type_object))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's reply to %2$s is not a JSON object"), q->what,
                                command);
    if (json_object_object_get_ex(reply, "error", &error)) {
        json_object *cls = json_object_object_get(error, "class");
        const char *desc = json_object_get_string(json_object_object_get(error, "desc"));

        if (streq_ptr(json_object_get_string(cls), "CommandNotFound"))
            return abipin_error_set(ABIPIN_ERR_ENV, -EOPNOTSUPP,
                                    _("%1$s: its QEMU has no QMP command %2$s"), q->what,
                                    command);
        return abipin_error_set(ABIPIN_ERR_ENV, -EIO, _("%1$s: QEMU refused %2$s: %3$s"),
                                q->what, command, desc ? desc : "?");
    }
    if (!json_object_object_get_ex(reply, "return", &value))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's reply to %2$s has no 'return'"), q->what,
                                command);
    *ret = json_object_get(value);
    return 0;
}

static json_object *qom_args(const char *path, const char *property)
{
    json_object *args = abipin_json_object();

    abipin_json_set(args, "path", abipin_json_string(path));
    if (property)
        abipin_json_set(args, "property", abipin_json_string(property));
    return args;
}

/**
 * abipin_qmp_capabilities:
 *
 * Leave QMP's negotiation mode: the first command of a monitor of one's own.
 */
int abipin_qmp_capabilities(const AbipinQmp *q)
{
    _cleanup_(json_object_putp) json_object *v = NULL;

    return qmp_execute(q, "qmp_capabilities", NULL, &v);
}

/**
 * abipin_qmp_query_version:
 * @ret: "MAJOR.MINOR.MICRO"
 */
int abipin_qmp_query_version(const AbipinQmp *q, char **ret)
{
    _cleanup_(json_object_putp) json_object *v = NULL;
    json_object *qemu;
    int r;

    if ((r = qmp_execute(q, "query-version", NULL, &v)) < 0)
        return r;
    if (!json_object_object_get_ex(v, "qemu", &qemu))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's query-version reply has no version"), q->what);
    *ret = abipin_asprintf("%d.%d.%d", json_object_get_int(json_object_object_get(qemu, "major")),
                           json_object_get_int(json_object_object_get(qemu, "minor")),
                           json_object_get_int(json_object_object_get(qemu, "micro")));
    return 0;
}

/* The type of @name in a qom-list reply, or NULL. */
static const char *qom_type(json_object *props, const char *name)
{
    for (size_t i = 0; json_object_is_type(props, json_type_array) &&
                       i < json_object_array_length(props); i++) {
        json_object *prop = json_object_array_get_idx(props, i);

        if (streq_ptr(json_object_get_string(json_object_object_get(prop, "name")), name))
            return json_object_get_string(json_object_object_get(prop, "type"));
    }
    return NULL;
}

/**
 * abipin_qmp_property_type:
 * @ret_type: the QOM type of the object's property @name ("bool",
 *            "child<virtio-net-device>"), NULL when it has none
 */
int abipin_qmp_property_type(const AbipinQmp *q, const char *path, const char *name,
                             char **ret_type)
{
    _cleanup_(json_object_putp) json_object *props = NULL;
    int r;

    if ((r = qmp_execute(q, "qom-list", qom_args(path, NULL), &props)) < 0)
        return r;
    *ret_type = abipin_strdup(qom_type(props, name));
    return 0;
}

/* One boolean property, as QEMU configured it. */
static int qom_get_bool(const AbipinQmp *q, const char *path, const char *name, int *ret)
{
    _cleanup_(json_object_putp) json_object *value = NULL;
    int r;

    if ((r = qmp_execute(q, "qom-get", qom_args(path, name), &value)) < 0)
        return r;
    if (!json_object_is_type(value, json_type_boolean))
        return abipin_error_set(ABIPIN_ERR_ENV, -EPROTO,
                                _("%1$s: QEMU's property %2$s is not a boolean"), q->what, name);
    *ret = json_object_get_boolean(value) ? 1 : 0;
    return 0;
}

/**
 * abipin_qmp_bool_properties:
 * @path: a QOM object, "/machine/peripheral/net0/virtio-backend"
 * @values: receives one value per name: 1 or 0, -1 where the object has no
 *          boolean property of that name (QEMU 7.2 has no host_uso)
 *
 * One qom-list, then a qom-get per boolean property the object has.
 */
int abipin_qmp_bool_properties(const AbipinQmp *q, const char *path, const char *const *names,
                               size_t n, int *values)
{
    _cleanup_(json_object_putp) json_object *props = NULL;
    int r;

    if ((r = qmp_execute(q, "qom-list", qom_args(path, NULL), &props)) < 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        values[i] = -1;
        if (streq_ptr(qom_type(props, names[i]), "bool") &&
            (r = qom_get_bool(q, path, names[i], &values[i])) < 0)
            return r;
    }
    return 0;
}
