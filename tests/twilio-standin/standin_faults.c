/* SPDX-License-Identifier: Apache-2.0 */
/*
 * standin_faults - injected faults; see standin_faults.h.
 */
#include <stdlib.h>
#include <string.h>

#include "standin_faults.h"
#include "xalloc.h"

struct si_faults {
    struct si_fault *head;
    struct si_fault *taken;     /* the last one used up, freed next call */
};

static const char *const si_operations[] = {
    "any",
    "create_conversation", "list_conversations", "fetch_conversation",
    "update_conversation", "delete_conversation",
    "create_participant", "list_participants", "fetch_participant",
    "update_participant", "delete_participant",
    "create_message", "list_messages", "fetch_message", "update_message",
    "upload_media", "fetch_media", "download_media",
};

static const char *const si_kinds[] = {
    "404", "429", "500", "503", "hang", "hang_applied", "slow",
};

struct si_faults *si_faults_create(void)
{
    return xcalloc(1, sizeof(struct si_faults));
}

static void si_fault_free(struct si_fault *f)
{
    if (f) {
        free(f->op);
        free(f->kind);
        free(f);
    }
}

void si_faults_reset(struct si_faults *faults)
{
    struct si_fault *f, *next;

    for (f = faults->head; f; f = next) {
        next = f->next;
        si_fault_free(f);
    }
    faults->head = NULL;
    si_fault_free(faults->taken);
    faults->taken = NULL;
}

void si_faults_free(struct si_faults *faults)
{
    if (faults) {
        si_faults_reset(faults);
        free(faults);
    }
}

int si_faults_operation_ok(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(si_operations) / sizeof(si_operations[0]); i++)
        if (strcmp(si_operations[i], name) == 0)
            return 1;
    return 0;
}

int si_faults_add(struct si_faults *faults, const char *op, const char *kind,
                  long count, long retry_after, long delay,
                  struct buf *why)
{
    struct si_fault *f, **tail;
    size_t i;

    if (!si_faults_operation_ok(op)) {
        buf_printf(why, "unknown Operation %s", op);
        return -1;
    }
    for (i = 0; i < sizeof(si_kinds) / sizeof(si_kinds[0]); i++)
        if (strcmp(si_kinds[i], kind) == 0)
            break;
    if (i == sizeof(si_kinds) / sizeof(si_kinds[0])) {
        buf_printf(why, "unknown Fault %s (404, 429, 500, 503, hang, "
                   "hang_applied, slow)", kind);
        return -1;
    }
    if (strcmp(kind, "slow") == 0 ? delay < 1 || delay > 600 : delay != 0) {
        buf_printf(why, strcmp(kind, "slow") == 0
                   ? "Delay must be 1 to 600 seconds for Fault slow"
                   : "Delay is for Fault slow only");
        return -1;
    }
    if (count < 1) {
        buf_printf(why, "Count must be at least 1");
        return -1;
    }
    f = xcalloc(1, sizeof(*f));
    f->op = xstrdup(op);
    f->kind = xstrdup(kind);
    f->count = count;
    f->retry_after = retry_after;
    f->delay = delay;
    for (tail = &faults->head; *tail; tail = &(*tail)->next)
        ;
    *tail = f;
    return 0;
}

const struct si_fault *si_faults_take(struct si_faults *faults, const char *op)
{
    struct si_fault **pp, *f;

    si_fault_free(faults->taken);
    faults->taken = NULL;
    for (pp = &faults->head; (f = *pp) != NULL; pp = &f->next) {
        if (strcmp(f->op, "any") == 0 || strcmp(f->op, op) == 0) {
            if (--f->count == 0) {
                *pp = f->next;
                faults->taken = f;
            }
            return f;
        }
    }
    return NULL;
}
