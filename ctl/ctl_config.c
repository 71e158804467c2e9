/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_config - `postmaskctl config`: the effective value of every parameter
 * (what the daemons use, defaults included), or the defaults with -d.
 * postconf(1) cannot show postmask's defaults: it knows only Postfix's.
 *
 *   postmaskctl config [-d] [-h] [NAME...]
 *
 * -h prints values without "name = ".  An unknown NAME is an error (exit 1).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_params.h"
#include "ctl.h"

static void print_param(const struct config *cfg, const struct config_param *p,
                        int defaults, int values_only)
{
    const char *value = defaults ? p->defval : config_value_text(cfg, p->name);

    if (values_only)
        printf("%s\n", value);
    else
        printf("%s =%s%s\n", p->name, *value ? " " : "", value);
}

int ctl_config(const struct config *cfg, int argc, char **argv)
{
    int defaults = 0, values_only = 0, status = CTL_OK, ch;
    size_t i;

    optind = 1;
    while ((ch = getopt(argc, argv, "+dh")) != -1) {
        switch (ch) {
        case 'd':
            defaults = 1;
            break;
        case 'h':
            values_only = 1;
            break;
        default:
            fprintf(stderr, "usage: postmaskctl config [-d] [-h] [NAME...]\n");
            return CTL_USAGE;
        }
    }
    if (optind == argc) {
        for (i = 0; i < config_param_count; i++)
            print_param(cfg, &config_params[i], defaults, values_only);
        return CTL_OK;
    }
    for (; optind < argc; optind++) {
        const struct config_param *p = config_param_find(argv[optind]);

        if (p == NULL) {
            status = ctl_failed("config", argv[optind], "unknown parameter");
            continue;
        }
        print_param(cfg, p, defaults, values_only);
    }
    return status;
}
