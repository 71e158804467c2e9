/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_milter_settings - the milter's reloadable settings: a session's
 * reference keeps the settings it started with alive across a reload, the
 * last reference frees replaced ones (the ASan build's leak check fails
 * the test if a replaced object is never freed), and new sessions get the
 * settings installed last.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "milter.h"
#include "testutil.h"

struct milter_context *milter_ctx;

static struct milter_settings *make(const char *domain)
{
    struct buf *why = buf_create(64), *text = buf_create(128);
    struct config *cfg;

    buf_printf(text, "proxy_domains = %s\ntrusted_authserv_ids = mx.example\n",
               domain);
    cfg = config_load_text("/etc/postmask", text->data, text->len,
                           CONFIG_FOR_MILTER, why);
    if (cfg == NULL)
        fail_msg("%s", why->data);
    buf_free(why);
    buf_free(text);
    return milter_settings_create(cfg, test_keys("k1 0123456789abcdef0123456789abcdef\n"));
}

static void test_references(void **state)
{
    static struct milter_context context;
    const struct milter_settings *session, *later;

    (void) state;
    pthread_mutex_init(&context.lock, NULL);
    milter_ctx = &context;
    milter_settings_install(make("a.example"));
    session = milter_settings_acquire();
    assert_string_equal(session->cfg->proxy_domains.items[0], "a.example");
    assert_int_equal(session->refs, 2);         /* the context's, ours */

    /* A reload: the session keeps what it has, a new one gets the new. */
    milter_settings_install(make("b.example"));
    assert_string_equal(session->cfg->proxy_domains.items[0], "a.example");
    assert_int_equal(session->refs, 1);         /* ours alone */
    assert_ptr_equal(session->capture.trusted_authserv_ids,
                     session->cfg->trusted_authserv_ids.items);
    later = milter_settings_acquire();
    assert_string_equal(later->cfg->proxy_domains.items[0], "b.example");
    milter_settings_release(session);           /* frees a.example */
    milter_settings_release(later);
    milter_settings_release(NULL);              /* a session without any */
    assert_int_equal(context.settings->refs, 1);

    /* Replaced with no session holding it: freed at once. */
    milter_settings_install(make("c.example"));
    assert_string_equal(context.settings->cfg->proxy_domains.items[0],
                        "c.example");
    /* The process's end: the context drops the current one. */
    milter_settings_release(context.settings);
    pthread_mutex_destroy(&context.lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_references),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
