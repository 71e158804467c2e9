/* SPDX-License-Identifier: Apache-2.0 */
/*
 * postfix_plan - plan the postconf changes of attach and detach; see
 * postfix_plan.h.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "postfix_list.h"
#include "postfix_plan.h"
#include "xalloc.h"

/* The masking listener's master.cf entry after its name, and settings. */
#define LISTENER_ENTRY  "inet n - n - - smtpd"
#define MAIN_LIST_SEP   ", "
#define MASTER_LIST_SEP ","     /* a master.cf -o value holds no space */

void postfix_plan_init(struct postfix_plan *plan)
{
    plan->changes = NULL;
    plan->count = 0;
    plan->notes = buf_create(128);
}

void postfix_plan_free(struct postfix_plan *plan)
{
    size_t i;

    for (i = 0; i < plan->count; i++) {
        free(plan->changes[i].option);
        free(plan->changes[i].arg);
    }
    free(plan->changes);
    buf_free(plan->notes);
    plan->changes = NULL;
    plan->count = 0;
    plan->notes = NULL;
}

static int is_master(const char *place)
{
    return strchr(place, '/') != NULL;
}

static void plan_add(struct postfix_plan *plan, const char *option,
                     const char *arg)
{
    plan->changes = xrealloc(plan->changes,
                             (plan->count + 1) * sizeof(*plan->changes));
    plan->changes[plan->count].option = xstrdup(option);
    plan->changes[plan->count].arg = xstrdup(arg);
    plan->count++;
}

static void plan_set(struct postfix_plan *plan, const char *place,
                     const char *value)
{
    struct buf *arg = buf_create(128);

    if (is_master(place))
        buf_printf(arg, "%s=%s", place, value);
    else
        buf_printf(arg, "%s = %s", place, value);
    plan_add(plan, is_master(place) ? "-P" : "-e", arg->data);
    buf_free(arg);
}

static void plan_unset(struct postfix_plan *plan, const char *place)
{
    plan_add(plan, is_master(place) ? "-PX" : "-X", place);
}

/* Records what place is before attach first changes it. */
static void remember(const struct postfix_snapshot *snap,
                     struct postfix_state *st, const char *place)
{
    const char *raw, *effective;

    if (postfix_state_find(st, POSTFIX_WAS, place, NULL) != NULL
        || postfix_state_find(st, POSTFIX_DEFAULT, place, NULL) != NULL)
        return;
    if ((raw = postfix_snapshot_raw(snap, place)) != NULL) {
        postfix_state_add(st, POSTFIX_WAS, place, raw);
    } else {
        effective = postfix_snapshot_effective(snap, place);
        postfix_state_add(st, POSTFIX_DEFAULT, place,
                          effective ? effective : "");
    }
}

/*
 * Adds the items that the effective list at place lacks: in front (in
 * their order) or at the end.  An unset place starts from its effective
 * (default) value.
 */
static void attach_list(const struct postfix_snapshot *snap,
                        struct postfix_state *st, struct postfix_plan *plan,
                        const char *place, char *const *items, size_t count,
                        int front)
{
    struct postfix_list effective = {0, NULL}, list = {0, NULL};
    const char *eff = postfix_snapshot_effective(snap, place);
    const char *raw = postfix_snapshot_raw(snap, place);
    size_t i, added = 0;
    char *text;

    postfix_list_split(&effective, eff ? eff : "");
    postfix_list_split(&list, raw ? raw : eff ? eff : "");
    for (i = 0; i < count; i++) {
        if (postfix_list_find(&effective, items[i]) >= 0
            || postfix_list_find(&list, items[i]) >= 0)
            continue;
        if (added == 0)
            remember(snap, st, place);
        postfix_list_insert(&list, front ? added : list.count, items[i]);
        postfix_state_add(st, POSTFIX_ADD, place, items[i]);
        added++;
    }
    if (added > 0) {
        text = postfix_list_join(&list, is_master(place) ? MASTER_LIST_SEP
                                 : MAIN_LIST_SEP);
        plan_set(plan, place, text);
        free(text);
    }
    postfix_list_free(&effective);
    postfix_list_free(&list);
}

static void attach_value(const struct postfix_snapshot *snap,
                         struct postfix_state *st, struct postfix_plan *plan,
                         const char *place, const char *value)
{
    const char *raw = postfix_snapshot_raw(snap, place);

    if (raw != NULL && strcmp(raw, value) == 0)
        return;
    remember(snap, st, place);
    postfix_state_add(st, POSTFIX_SET, place, value);
    plan_set(plan, place, value);
}

/* Every smtpd with its own non-empty -o smtpd_milters gets the milter. */
static void attach_overrides(const struct postfix_snapshot *snap,
                             const struct postfix_target *t,
                             const char *listener_key,
                             struct postfix_state *st,
                             struct postfix_plan *plan)
{
    struct postfix_list effective = {0, NULL};
    const struct postfix_service *svc;
    struct buf *place = buf_create(64);
    const char *raw;
    char *milter = (char *) t->milter;
    size_t i;

    for (i = 0; i < snap->service_count; i++) {
        svc = &snap->services[i];
        if (strcmp(svc->command, "smtpd") != 0
            || (listener_key && strcmp(svc->key, listener_key) == 0))
            continue;
        buf_reset(place);
        buf_printf(place, "%s/smtpd_milters", svc->key);
        raw = postfix_snapshot_raw(snap, place->data);
        if (raw == NULL || raw[strspn(raw, " \t,")] == '\0')
            continue;
        postfix_list_free(&effective);
        postfix_list_split(&effective,
                           postfix_snapshot_effective(snap, place->data));
        if (postfix_list_find(&effective, t->milter) >= 0)
            continue;
        if (strpbrk(raw, " \t") != NULL) {
            buf_printf(plan->notes, "%s/smtpd_milters = %s: cannot add %s "
                       "(a master.cf -o value holds no white space); add it "
                       "by hand\n", svc->key, raw, t->milter);
            continue;
        }
        attach_list(snap, st, plan, place->data, &milter, 1, 1);
    }
    postfix_list_free(&effective);
    buf_free(place);
}

/* postmask_masking_milters: the milter first, then the other milters. */
static void attach_masking_milters(const struct postfix_snapshot *snap,
                                   const struct postfix_target *t,
                                   struct postfix_state *st,
                                   struct postfix_plan *plan)
{
    struct postfix_list list = {0, NULL};
    const char *raw = postfix_snapshot_raw(snap, POSTFIX_MASKING_MILTERS);
    const char *others = postfix_snapshot_effective(snap, "smtpd_milters");
    char *text;
    int at;

    postfix_list_split(&list, raw ? raw : others ? others : "");
    if (raw != NULL && postfix_list_find(&list, t->milter) == 0) {
        postfix_list_free(&list);
        return;
    }
    while ((at = postfix_list_find(&list, t->milter)) >= 0)
        postfix_list_remove(&list, (size_t) at);
    postfix_list_insert(&list, 0, t->milter);
    text = postfix_list_join(&list, MAIN_LIST_SEP);
    attach_value(snap, st, plan, POSTFIX_MASKING_MILTERS, text);
    free(text);
    postfix_list_free(&list);
}

static int in_list(const struct config_list *l, const char *s)
{
    size_t i;

    for (i = 0; i < l->count; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}

static int attach_listener(const struct postfix_snapshot *snap,
                           const struct postfix_target *t,
                           const char *key, struct postfix_state *st,
                           struct postfix_plan *plan, struct buf *why)
{
    const struct postfix_service *svc = postfix_snapshot_service(snap, key);
    struct buf *place = buf_create(64);
    const char *raw, *name;
    const char *settings[4][2];
    size_t i;

    settings[0][0] = "syslog_name";
    settings[0][1] = "postfix/masking";
    settings[1][0] = "milter_macro_daemon_name";
    settings[1][1] = t->masking_daemon_names->items[0];
    settings[2][0] = "smtpd_milters";
    settings[2][1] = "$" POSTFIX_MASKING_MILTERS;
    settings[3][0] = "milter_default_action";
    settings[3][1] = "tempfail";

    if (svc != NULL && postfix_state_find(st, POSTFIX_SERVICE, key,
                                          NULL) == NULL) {
        buf_printf(place, "%s/milter_macro_daemon_name", key);
        name = postfix_snapshot_effective(snap, place->data);
        buf_free(place);
        if (strcmp(svc->command, "smtpd") == 0 && name != NULL
            && in_list(t->masking_daemon_names, name)) {
            buf_printf(plan->notes, "masking listener %s: made by hand, "
                       "left as it is\n", key);
            return 0;
        }
        buf_printf(why, "master.cf already has a service %s that is not a "
                   "masking listener: point smtp_submit_url at a free port",
                   key);
        return -1;
    }
    attach_masking_milters(snap, t, st, plan);
    if (svc == NULL) {
        buf_printf(place, "%s=%s " LISTENER_ENTRY, key, t->listener);
        postfix_state_add(st, POSTFIX_SERVICE, key, "");
        plan_add(plan, "-M", place->data);
    }
    for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
        buf_reset(place);
        buf_printf(place, "%s/%s", key, settings[i][0]);
        raw = svc ? postfix_snapshot_raw(snap, place->data) : NULL;
        if (raw == NULL || strcmp(raw, settings[i][1]) != 0)
            plan_set(plan, place->data, settings[i][1]);
    }
    buf_free(place);
    return 0;
}

/* The MX fallback: the pipe service, transport_maps, the recipient limit. */
static int attach_fallback(const struct postfix_snapshot *snap,
                           const struct postfix_target *t,
                           struct postfix_state *st, struct postfix_plan *plan,
                           struct buf *why)
{
    const struct postfix_service *svc =
        postfix_snapshot_service(snap, POSTFIX_FALLBACK_SERVICE);
    struct postfix_list items = {0, NULL};
    struct buf *b = buf_create(128);
    size_t i;

    if (svc == NULL) {
        buf_printf(b, POSTFIX_FALLBACK_SERVICE "=%s", t->fallback);
        postfix_state_add(st, POSTFIX_SERVICE, POSTFIX_FALLBACK_SERVICE, "");
        plan_add(plan, "-M", b->data);
    } else if (postfix_state_find(st, POSTFIX_SERVICE,
                                  POSTFIX_FALLBACK_SERVICE, NULL) == NULL) {
        if (strcmp(svc->command, "pipe") != 0) {
            buf_printf(why, "master.cf already has a service "
                       POSTFIX_FALLBACK_SERVICE " that is not a pipe(8): "
                       "remove it, or attach without --mx-fallback");
            buf_free(b);
            return -1;
        }
        buf_printf(plan->notes, POSTFIX_FALLBACK_SERVICE ": made by hand, "
                   "left as it is\n");
    }
    for (i = 0; i < t->proxy_domains->count; i++) {
        buf_reset(b);
        buf_printf(b, "inline:{%s=" POSTFIX_FALLBACK_TRANSPORT ":}",
                   t->proxy_domains->items[i]);
        postfix_list_insert(&items, items.count, b->data);
    }
    attach_list(snap, st, plan, "transport_maps", items.items, items.count,
                1);
    attach_value(snap, st, plan, POSTFIX_FALLBACK_LIMIT, "1");
    postfix_list_free(&items);
    buf_free(b);
    return 0;
}

int postfix_plan_attach(const struct postfix_snapshot *snap,
                        const struct postfix_target *t,
                        struct postfix_state *st, struct postfix_plan *plan,
                        struct buf *why)
{
    char *milter = (char *) t->milter;
    char *key = NULL;
    int ret = 0;

    if (t->listener != NULL) {
        key = xmalloc(strlen(t->listener) + sizeof("/inet"));
        strcpy(key, t->listener);
        strcat(key, "/inet");
    }
    attach_list(snap, st, plan, "relay_domains", t->proxy_domains->items,
                t->proxy_domains->count, 0);
    attach_list(snap, st, plan, "smtpd_milters", &milter, 1, 1);
    attach_value(snap, st, plan, "milter_default_action",
                 t->fallback ? "accept" : "tempfail");
    attach_value(snap, st, plan, "milter_protocol", "6");
    attach_overrides(snap, t, key, st, plan);
    if (t->fallback != NULL)
        ret = attach_fallback(snap, t, st, plan, why);
    if (ret == 0 && key != NULL)
        ret = attach_listener(snap, t, key, st, plan, why);
    free(key);
    return ret;
}

/* Puts place back as it was before attach. */
static void restore(const struct postfix_state *st, struct postfix_plan *plan,
                    const char *place)
{
    const struct postfix_record *was;

    if ((was = postfix_state_find(st, POSTFIX_WAS, place, NULL)) != NULL)
        plan_set(plan, place, was->value);
    else
        plan_unset(plan, place);
}

/* Removes the items attach added to the list at place. */
static void detach_list(const struct postfix_snapshot *snap,
                        const struct postfix_state *st,
                        struct postfix_plan *plan, const char *place,
                        const char *raw)
{
    struct postfix_list list = {0, NULL}, before = {0, NULL};
    const struct postfix_record *was, *def;
    size_t i, removed = 0;
    char *text;
    int at;

    postfix_list_split(&list, raw);
    for (i = 0; i < st->count; i++) {
        if (st->records[i].kind != POSTFIX_ADD
            || strcmp(st->records[i].place, place) != 0)
            continue;
        while ((at = postfix_list_find(&list, st->records[i].value)) >= 0) {
            postfix_list_remove(&list, (size_t) at);
            removed++;
        }
    }
    if (removed > 0) {
        was = postfix_state_find(st, POSTFIX_WAS, place, NULL);
        def = postfix_state_find(st, POSTFIX_DEFAULT, place, NULL);
        if (was != NULL)
            postfix_list_split(&before, was->value);
        else if (def != NULL)
            postfix_list_split(&before, def->value);
        if ((was || def) && postfix_list_equal(&list, &before)) {
            restore(st, plan, place);
        } else {
            text = postfix_list_join(&list, is_master(place) ? MASTER_LIST_SEP
                                     : MAIN_LIST_SEP);
            plan_set(plan, place, text);
            free(text);
        }
    }
    postfix_list_free(&list);
    postfix_list_free(&before);
}

/* The service/type part of a master.cf place. */
static char *place_service(const char *place)
{
    return xstrndup(place, (size_t) (strrchr(place, '/') - place));
}

/* The last value attach set at place (a later attach may set another). */
static const struct postfix_record *last_set(const struct postfix_state *st,
                                             const char *place)
{
    const struct postfix_record *set = NULL;
    size_t i;

    for (i = 0; i < st->count; i++)
        if (st->records[i].kind == POSTFIX_SET
            && strcmp(st->records[i].place, place) == 0)
            set = &st->records[i];
    return set;
}

static void detach_place(const struct postfix_snapshot *snap,
                         const struct postfix_state *st,
                         struct postfix_plan *plan, const char *place)
{
    const struct postfix_record *set;
    const char *raw;
    char *svc;

    if (is_master(place)) {
        svc = place_service(place);
        if (postfix_state_find(st, POSTFIX_SERVICE, svc, NULL) != NULL) {
            free(svc);          /* goes with the service */
            return;
        }
        if (postfix_snapshot_service(snap, svc) == NULL) {
            buf_printf(plan->notes, "%s: the service is gone; nothing to "
                       "undo there\n", svc);
            free(svc);
            return;
        }
        free(svc);
    }
    raw = postfix_snapshot_raw(snap, place);
    if ((set = last_set(st, place)) != NULL) {
        if (raw == NULL)
            return;
        if (strncmp(place, "postmask_", 9) == 0 || strcmp(raw, set->value) == 0)
            restore(st, plan, place);
        else
            buf_printf(plan->notes, "%s = %s: changed since attach set %s; "
                       "left as it is\n", place, raw, set->value);
        return;
    }
    if (raw == NULL) {
        buf_printf(plan->notes, "%s: no longer set; nothing to remove\n",
                   place);
        return;
    }
    detach_list(snap, st, plan, place, raw);
}

void postfix_plan_detach(const struct postfix_snapshot *snap,
                         const struct postfix_state *st,
                         struct postfix_plan *plan)
{
    const struct postfix_record *r;
    size_t i, j;

    for (i = 0; i < st->count; i++) {
        r = &st->records[i];
        if (r->kind == POSTFIX_SERVICE
            && postfix_snapshot_service(snap, r->place) != NULL)
            plan_add(plan, "-MX", r->place);
    }
    /* Each place once, the last changed first. */
    for (i = st->count; i-- > 0;) {
        r = &st->records[i];
        if (r->kind != POSTFIX_SET && r->kind != POSTFIX_ADD)
            continue;
        for (j = i + 1; j < st->count; j++)
            if ((st->records[j].kind == POSTFIX_SET
                 || st->records[j].kind == POSTFIX_ADD)
                && strcmp(st->records[j].place, r->place) == 0)
                break;
        if (j == st->count)
            detach_place(snap, st, plan, r->place);
    }
}
