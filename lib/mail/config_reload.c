/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_reload - keep start-up-only parameters across a reload; see
 * config_reload.h.
 */
#include <stdlib.h>
#include <string.h>

#include "config_params.h"
#include "config_reload.h"
#include "msg.h"
#include "xalloc.h"

size_t config_keep_running(struct config *next, const struct config *running,
                           const char *const *names, struct buf *kept)
{
    struct buf *why = buf_create(64);
    size_t count = 0;

    for (; *names != NULL; names++) {
        const struct config_param *p = config_param_find(*names);
        size_t i;

        if (p == NULL)
            msg_panic("config_keep_running: unknown parameter %s", *names);
        i = (size_t) (p - config_params);
        if (strcmp(next->texts[i], running->texts[i]) == 0)
            continue;
        /* It converted when the daemon started: it converts again. */
        if (config_param_convert(p, running->texts[i], next, why) < 0)
            msg_panic("running value of %s does not convert: %s", p->name,
                      why->data);
        free(next->texts[i]);
        next->texts[i] = xstrdup(running->texts[i]);
        buf_printf(kept, "%s%s", count ? ", " : "", p->name);
        count++;
    }
    buf_free(why);
    return count;
}

void config_why_line(struct buf *why)
{
    char *text = xstrdup(why->data);
    char *save = NULL;
    char *line;

    buf_reset(why);
    for (line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save))
        buf_printf(why, "%s%s", why->len ? "; " : "", line);
    free(text);
}

void config_warn_kept(const struct buf *kept)
{
    const char *name = kept->data, *end;

    while (*name != '\0') {
        end = strstr(name, ", ");
        msg_warn("reload: %.*s changed; it takes effect when %s restarts",
                 (int) (end ? (size_t) (end - name) : strlen(name)), name,
                 msg_progname());
        name = end ? end + 2 : name + strlen(name);
    }
}
