/*
 * api_conversations - POST /v1/conversations; see bridge.h.
 * (Being written; registers nothing yet.)
 */
#include "bridge.h"

int api_conversations_init(struct bridge *br, struct buf *why)
{
    (void) br;
    (void) why;
    return 0;
}
