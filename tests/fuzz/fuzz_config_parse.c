/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_config_parse - main.cf text through the whole loading path: the
 * parser, $name expansion, the parameter table's conversions and checks.
 * Whatever the input, loading must either succeed or fail with a message;
 * it must never crash, hang, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "config_params.h"
#include "msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    struct buf *why = buf_create(64);
    struct config *cfg;
    size_t i;

    if (!initialized) {
        msg_init("fuzz_config_parse", 0);   /* silence warnings */
        initialized = 1;
    }
    cfg = config_load_text("/fuzz", (const char *) data, size,
                           CONFIG_FOR_MILTER | CONFIG_FOR_BRIDGE, why);
    if (cfg != NULL) {
        for (i = 0; i < config_param_count; i++)
            if (config_value_text(cfg, config_params[i].name) == NULL)
                __builtin_trap();
        config_free(cfg);
    } else if (why->len == 0) {
        __builtin_trap();       /* a failure must say why */
    }
    buf_free(why);
    return 0;
}
