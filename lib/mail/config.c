/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config - load and check DIR/main.cf; see config.h.
 */
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "config_expand.h"
#include "config_params.h"
#include "config_parse.h"
#include "msg.h"
#include "xalloc.h"

/* $name lookups see the file's own entries (as postconf does). */
static const char *lookup_entry(const char *name, void *context)
{
    const struct config_file *file = context;
    const struct config_entry *e = config_file_lookup(file, name);

    return e ? e->value : NULL;
}

static struct config *config_alloc(const char *dir)
{
    struct config *cfg = xcalloc(1, sizeof(*cfg));
    struct buf *path = buf_create(strlen(dir) + 16);

    cfg->config_directory = xstrdup(dir);
    buf_printf(path, "%s/main.cf", dir);
    cfg->config_file = buf_detach(path, NULL);
    cfg->texts = xcalloc(config_param_count, sizeof(char *));
    return cfg;
}

/* Takes the defaults first; the file overrides them. */
static void config_defaults(struct config *cfg)
{
    struct buf *why = buf_create(64);
    size_t i;

    for (i = 0; i < config_param_count; i++) {
        const struct config_param *p = &config_params[i];

        if (config_param_convert(p, p->defval, cfg, why) < 0
            && !(p->required_by && *p->defval == '\0'))
            msg_panic("default of %s does not convert: %s", p->name,
                      why->data);
        cfg->texts[i] = xstrdup(p->defval);
        buf_reset(why);
    }
    buf_free(why);
}

/* Checks and converts the entries of file into cfg; the number of errors. */
static int config_apply(struct config *cfg, const struct config_file *file,
                        unsigned prog, struct buf *why)
{
    struct buf *value = buf_create(256);
    struct buf *err = buf_create(256);
    size_t i;
    int errors = 0;

    for (i = 0; i < file->count; i++) {
        const struct config_entry *e = &file->entries[i];
        const struct config_param *p = config_param_find(e->name);

        if (p == NULL) {
            if (!config_param_ignored(e->name)) {
                buf_printf(why, "%s, line %d: unknown parameter %s\n",
                           file->path, e->line, e->name);
                errors++;
            }
            continue;
        }
        if (e->overridden) {
            msg_warn("%s, line %d: overriding earlier entry: %s=%s",
                     file->path, config_file_lookup(file, e->name)->line,
                     e->name, e->value);
            continue;
        }
        buf_reset(value);
        buf_reset(err);
        if (config_expand(e->value, lookup_entry, (void *) file, value,
                          err) < 0) {
            buf_printf(why, "%s, line %d: %s: %s\n", file->path, e->line,
                       e->name, err->data);
            errors++;
            continue;
        }
        if (config_param_convert(p, value->data, cfg, err) < 0) {
            buf_printf(why, "%s, line %d: %s\n", file->path, e->line,
                       err->data);
            errors++;
            continue;
        }
        free(cfg->texts[p - config_params]);
        cfg->texts[p - config_params] = xstrdup(value->data);
    }
    for (i = 0; i < config_param_count; i++) {
        const struct config_param *p = &config_params[i];

        if ((p->required_by & prog) && *cfg->texts[i] == '\0') {
            buf_printf(why, "%s: %s is required but not set\n", file->path,
                       p->name);
            errors++;
        }
    }
    buf_free(value);
    buf_free(err);
    return errors;
}

static struct config *config_finish(struct config *cfg,
                                    struct config_file *file, unsigned prog,
                                    struct buf *why)
{
    int errors = config_apply(cfg, file, prog, why);

    config_file_free(file);
    if (errors) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

struct config *config_load(const char *dir, unsigned prog, struct buf *why)
{
    struct config *cfg = config_alloc(dir);
    struct config_file *file;

    config_defaults(cfg);
    if (config_parse_file(cfg->config_file, &file, why) < 0) {
        config_free(cfg);
        return NULL;
    }
    return config_finish(cfg, file, prog, why);
}

struct config *config_load_text(const char *dir, const char *text,
                                size_t len, unsigned prog, struct buf *why)
{
    struct config *cfg = config_alloc(dir);
    struct config_file *file;

    config_defaults(cfg);
    if (config_parse_text(cfg->config_file, text, len, &file, why) < 0) {
        config_free(cfg);
        return NULL;
    }
    return config_finish(cfg, file, prog, why);
}

const char *config_value_text(const struct config *cfg, const char *name)
{
    const struct config_param *p = config_param_find(name);

    return p ? cfg->texts[p - config_params] : NULL;
}

int config_log_facility(const struct config *cfg)
{
    static const struct {
        const char *name;
        int facility;
    } map[] = {
        {"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
        {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
        {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
        {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
        {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i].name, cfg->log_facility) == 0)
            return map[i].facility;
    return LOG_MAIL;
}

void config_free(struct config *cfg)
{
    size_t i;

    if (cfg == NULL)
        return;
    for (i = 0; i < config_param_count; i++) {
        config_param_release(&config_params[i], cfg);
        if (cfg->texts)
            free(cfg->texts[i]);
    }
    free(cfg->texts);
    free(cfg->config_directory);
    free(cfg->config_file);
    free(cfg);
}
