/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config_reload - what a reload keeps: start-up-only parameters keep
 * their running value (converted field and text), everything else takes
 * the new one, and errors become one log line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "config.h"
#include "config_reload.h"

#define DIR "/etc/postmask"

static struct config *load(const char *text)
{
    struct buf *why = buf_create(64);
    struct config *cfg = config_load_text(DIR, text, strlen(text),
                                          CONFIG_FOR_MILTER, why);

    if (cfg == NULL)
        fail_msg("%s", why->data);
    buf_free(why);
    return cfg;
}

static const char *const restart[] = {
    "milter_listen", "spool_directory", "capture_rate_limit", NULL
};

static void test_keeps_changed_restart_params(void **state)
{
    struct config *running = load(
        "proxy_domains = a.example\n"
        "milter_listen = inet:9901@127.0.0.1\n"
        "capture_rate_limit = 30\n"
        "trusted_authserv_ids = mx.example\n");
    struct config *next = load(
        "proxy_domains = a.example, b.example\n"
        "milter_listen = inet:9902@127.0.0.1\n"
        "spool_directory = /srv/other\n"
        "capture_rate_limit = 30\n"
        "trusted_authserv_ids = mx.example, mx2.example\n");
    struct buf *kept = buf_create(64);

    (void) state;
    assert_int_equal(config_keep_running(next, running, restart, kept), 2);
    assert_string_equal(kept->data, "milter_listen, spool_directory");
    /* The kept ones: field and text both say what runs. */
    assert_string_equal(next->milter_listen, "inet:9901@127.0.0.1");
    assert_string_equal(config_value_text(next, "milter_listen"),
                        "inet:9901@127.0.0.1");
    assert_string_equal(next->spool_directory, "/var/spool/postmask");
    assert_string_equal(config_value_text(next, "spool_directory"),
                        "/var/spool/postmask");
    assert_int_equal(next->capture_rate_limit, 30);
    /* The others take the new values. */
    assert_int_equal(next->proxy_domains.count, 2);
    assert_string_equal(next->proxy_domains.items[1], "b.example");
    assert_int_equal(next->trusted_authserv_ids.count, 2);
    config_free(next);
    config_free(running);
    buf_free(kept);
}

static void test_nothing_changed(void **state)
{
    struct config *running = load("proxy_domains = a.example\n");
    struct config *next = load("proxy_domains = a.example\n"
                               "mask_bodies = no\n");
    struct buf *kept = buf_create(64);

    (void) state;
    assert_int_equal(config_keep_running(next, running, restart, kept), 0);
    assert_int_equal(kept->len, 0);
    assert_int_equal(next->mask_bodies, 0);
    config_free(next);
    config_free(running);
    buf_free(kept);
}

static void test_why_line(void **state)
{
    struct buf *why = buf_create(16);

    (void) state;
    buf_printf(why, "main.cf, line 2: x: bad\nmain.cf, line 5: y: bad\n");
    config_why_line(why);
    assert_string_equal(why->data,
                        "main.cf, line 2: x: bad; main.cf, line 5: y: bad");
    buf_reset(why);
    buf_printf(why, "one error");
    config_why_line(why);
    assert_string_equal(why->data, "one error");
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keeps_changed_restart_params),
        cmocka_unit_test(test_nothing_changed),
        cmocka_unit_test(test_why_line),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
