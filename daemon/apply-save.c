/* apply-save.c: Save and Import: the live state and libcgroup's files into the configuration directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply-internal.h"
#include "apply.h"
#include "atomic-file.h"
#include "cgrules.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "owned.h"
#include "persist.h"
#include "save-capture.h"
#include "strv.h"
#include "virtd-bus.h"

/* ---- save ---- */

int config_validate_cgconfig(const char *text, size_t size, const char *filename, char **ret_error) {
        _cleanup_(cgconfig_freep) CgConfig *c = NULL;
        ConfError err = {};
        int r = cgconfig_parse(text, size, filename, &c, &err);

        if (r < 0 && ret_error)
                *ret_error = conf_error_format(&err);
        conf_error_done(&err);
        return r;
}

int config_validate_netconf(const char *text, size_t size, const char *filename, char **ret_error) {
        _cleanup_(netconf_freep) NetConfig *c = NULL;
        ConfError err = {};
        int r = netconf_parse(text, size, filename, &c, &err);

        if (r < 0 && ret_error)
                *ret_error = conf_error_format(&err);
        conf_error_done(&err);
        return r;
}

static int replace_file(Manager *m, const char *name, const char *text, config_validate_fn validate, sd_bus_error *error) {
        _cleanup_free_ char *path = dir_file(m->config_dir, name), *msg = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = config_file_replace(path, text, strlen(text), 0644, validate, /* force= */ false, &msg);
        if (r == -EBADMSG)
                return sd_bus_error_setf(error, VIRTD_ERROR_PARSE, "Not saving %s: %s", path, msg ? msg : "it does not parse");
        if (r < 0)
                return virtd_bus_error_setf(error, r, "Cannot write %s: %s", path, strerror(-r));
        return 0;
}

int apply_save(Manager *m, sd_bus_error *error) {
        _cleanup_(apply_context_done) ApplyContext c = {};
        _cleanup_free_ char *cg = NULL, *net = NULL;
        _cleanup_strv_free_ char **file_groups = NULL;
        int r;

        /* A file that does not parse is refused here already (ParseError), before anything is written. */
        r = apply_prepare(m, &c, error);
        if (r < 0)
                return r;
        for (size_t i = 0; i < c.want_cg->n_groups; i++)
                if ((r = strv_extend(&file_groups, c.want_cg->groups[i].name)) < 0)
                        return r;
        if ((r = config_refresh(c.want_cg, c.live_cg, c.want_net, c.live_net)) < 0 ||
            (r = save_capture_groups(m, c.want_cg, file_groups)) < 0 || (r = save_capture_links(m, c.want_net, c.owned)) < 0 ||
            (r = cgconfig_serialize(c.want_cg, &cg)) < 0 || (r = netconf_serialize(c.want_net, &net)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot serialize the live state: %s", strerror(-r));
        /* What a file names is ours from the moment it is written, so each file's objects are recorded right
         * after it. Killed between a file and its record, virtd adopts the objects at the next start. */
        if ((r = replace_file(m, "cgconfig.conf", cg, config_validate_cgconfig, error)) < 0)
                return r;
        for (size_t i = 0; i < c.live_cg->n_groups; i++)
                if ((r = owned_mark(&c.owned, "group", c.live_cg->groups[i].name, true)) < 0)
                        return virtd_bus_error_setf(error, r, "Cannot write the ownership record: %s", strerror(-r));
        if ((r = owned_write(m, c.owned)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot write the ownership record: %s", strerror(-r));
        if ((r = replace_file(m, "network.conf", net, config_validate_netconf, error)) < 0)
                return r;
        for (size_t i = 0; i < c.want_net->n_objects; i++) {
                const NetObject *o = &c.want_net->objects[i];
                _cleanup_free_ char *port = NULL;

                if (o->type == NET_PORT && asprintf(&port, "%s %s", o->bridge, o->name) < 0)
                        return -ENOMEM;
                if ((r = owned_mark(&c.owned, net_object_type_to_string(o->type), port ? port : o->name, true)) < 0)
                        return virtd_bus_error_setf(error, r, "Cannot write the ownership record: %s", strerror(-r));
        }
        if ((r = owned_write(m, c.owned)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot write the ownership record: %s", strerror(-r));
        persist_saved_all(m);
        log_info("Saved the live state to %s.", m->config_dir);
        return 0;
}

/* ---- import ---- */

static int validate_cgrules(const char *text, size_t size, const char *filename, char **ret_error) {
        _cleanup_(cgrules_freep) CgRules *c = NULL;
        ConfError err = {};
        int r = cgrules_parse(text, size, filename, &c, &err);

        if (r < 0 && ret_error)
                *ret_error = conf_error_format(&err);
        conf_error_done(&err);
        return r;
}

/* Merges @f into @mine (virtd's cgconfig.conf, loaded at the first file), as cgconfigparser applies the
 * main file and then each drop-in in turn. */
static int import_cgconfig(Manager *m, const ImportFile *f, CgConfig **mine, sd_bus_error *error) {
        _cleanup_(cgconfig_freep) CgConfig *theirs = NULL;
        _cleanup_free_ char *path = dir_file(m->config_dir, "cgconfig.conf");
        ConfError err = {};
        int r;

        if (!path)
                return -ENOMEM;
        r = cgconfig_parse(f->text, strlen(f->text), f->origin, &theirs, &err);
        if (r >= 0 && !*mine)
                r = cgconfig_load(path, NULL, mine, &err);
        if (r < 0) {
                r = parse_error(error, r, &err, f->origin);
                conf_error_done(&err);
                return r;
        }
        if ((r = cgconfig_merge(*mine, theirs)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot merge %s into %s: %s", f->origin, path, strerror(-r));
        return 0;
}

static int import_cgrules(const ImportFile *f, char **ret, sd_bus_error *error) {
        _cleanup_(cgrules_freep) CgRules *rules = NULL;
        ConfError err = {};
        int r;

        r = cgrules_parse(f->text, strlen(f->text), f->origin, &rules, &err);
        if (r < 0) {
                r = parse_error(error, r, &err, f->origin);
                conf_error_done(&err);
                return r;
        }
        r = cgrules_serialize(rules, ret);
        return r < 0 ? virtd_bus_error_setf(error, r, "Cannot write %s in canonical form: %s", f->origin, strerror(-r)) : 0;
}

int apply_import(Manager *m, const ImportFile *files, size_t n, sd_bus_error *error) {
        _cleanup_(cgconfig_freep) CgConfig *merged = NULL;
        _cleanup_free_ char *cg = NULL, *rules = NULL;
        int r;

        /* Everything is parsed before anything is written. */
        for (size_t i = 0; i < n; i++) {
                if (streq(files[i].kind, "cgconfig.conf"))
                        r = import_cgconfig(m, &files[i], &merged, error);
                else if (streq(files[i].kind, "cgrules.conf") && !rules)
                        r = import_cgrules(&files[i], &rules, error);
                else
                        r = sd_bus_error_setf(error, VIRTD_ERROR_INVALID_ARGUMENT,
                                              "Import: file kind '%s' of %s is unknown or given twice (valid: cgconfig.conf, "
                                              "any number of times for the main file and its drop-ins, cgrules.conf).",
                                              files[i].kind, files[i].origin);
                if (r < 0)
                        return r;
        }
        if (merged && (r = cgconfig_serialize(merged, &cg)) < 0)
                return virtd_bus_error_setf(error, r, "Cannot write the imported groups in canonical form: %s", strerror(-r));
        if (cg && (r = replace_file(m, "cgconfig.conf", cg, config_validate_cgconfig, error)) < 0)
                return r;
        if (rules && (r = replace_file(m, "cgrules.conf", rules, validate_cgrules, error)) < 0)
                return r;
        return 0;
}
