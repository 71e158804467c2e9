/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config_load - loading DIR/main.cf against the parameter table:
 * defaults, conversion, and every kind of error with file, line and name.
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
#include "config_params.h"
#include "testutil.h"

/* Loads text as DIR/main.cf for prog; returns the config or NULL + why. */
static struct config *load_text(const char *text, unsigned prog,
                                struct buf *why, char **dir_out)
{
    char *dir = test_tmpdir("config");
    char *path = test_write_file(dir, "main.cf", text, 0644);
    struct config *cfg = config_load(dir, prog, why);

    free(path);
    if (dir_out)
        *dir_out = dir;
    else
        free(dir);
    return cfg;
}

static void test_defaults(void **state)
{
    struct buf *why = buf_create(64);
    struct config *cfg = load_text("proxy_domains = reply.example.com\n",
                                   CONFIG_FOR_MILTER, why, NULL);
    size_t i;

    assert_non_null(cfg);
    assert_string_equal(cfg->spool_directory, "/var/spool/postmask");
    assert_int_equal(cfg->minimal_backoff, 60);
    assert_int_equal(cfg->maximal_backoff, 3600);
    assert_int_equal(cfg->maximal_job_lifetime, 5 * 86400);
    assert_string_equal(cfg->milter_listen,
                        "unix:/var/spool/postfix/postmask/milter.sock");
    assert_int_equal(cfg->proxy_domains.count, 1);
    /* Every parameter's default converts (the table is consistent). */
    for (i = 0; i < config_param_count; i++)
        assert_non_null(config_value_text(cfg, config_params[i].name));
    assert_null(config_value_text(cfg, "no_such_parameter"));
    config_free(cfg);
    buf_free(why);
}

static void test_conversions(void **state)
{
    struct buf *why = buf_create(64);
    struct config *cfg = load_text(
        "proxy_domains = reply.example.com,\n"
        "    Other.Example.NET   third.example.org\n"
        "spool_directory = /srv/pm/spool\n"
        "address_keys_file = ${spool_directory}/../keys\n"
        "job_minimal_backoff = 2m\n"
        "job_maximal_backoff = 2h\n"
        "job_maximal_lifetime = 1w\n"
        "dedupe_lifetime = 30d\n"
        "milter_listen = inet:10025@127.0.0.1\n"
        "bridge_listen = [::1]:8025\n"
        "log_facility = local3\n"
        "twilio_account_sid = AC0123456789abcdef0123456789abcdef\n",
        CONFIG_FOR_BRIDGE, why, NULL);

    if (cfg == NULL)
        fail_msg("load failed: %s", why->data);
    assert_int_equal(cfg->proxy_domains.count, 3);
    assert_string_equal(cfg->proxy_domains.items[0], "reply.example.com");
    assert_string_equal(cfg->proxy_domains.items[1], "Other.Example.NET");
    assert_string_equal(cfg->proxy_domains.items[2], "third.example.org");
    assert_string_equal(config_value_text(cfg, "proxy_domains"),
                        "reply.example.com, Other.Example.NET third.example.org");
    assert_string_equal(cfg->address_keys_file, "/srv/pm/spool/../keys");
    assert_int_equal(cfg->minimal_backoff, 120);
    assert_int_equal(cfg->maximal_backoff, 7200);
    assert_int_equal(cfg->maximal_job_lifetime, 7 * 86400);
    assert_int_equal(cfg->dedupe_lifetime, 30 * 86400);
    assert_string_equal(cfg->bridge_listen, "[::1]:8025");
    assert_string_equal(cfg->log_facility, "local3");
    config_free(cfg);
    buf_free(why);
}

struct error_case {
    const char *text;
    unsigned prog;
    const char *error;          /* expected substring, after "DIR/main.cf" */
};

static const struct error_case errors[] = {
    {"proxy_domains = a.example\nbogus_name = 1\n", CONFIG_FOR_MILTER,
     "main.cf, line 2: unknown parameter bogus_name"},
    {"proxy_domains = a.example\njob_minimal_backoff = soon\n",
     CONFIG_FOR_MILTER,
     "main.cf, line 2: job_minimal_backoff: \"soon\" is not a time"},
    {"proxy_domains = a.example\njob_minimal_backoff = 10x\n",
     CONFIG_FOR_MILTER, "line 2: job_minimal_backoff: \"10x\" is not a time"},
    {"proxy_domains = a.example\njob_minimal_backoff = 0\n",
     CONFIG_FOR_MILTER, "line 2: job_minimal_backoff: 0 is out of range: 1s"},
    {"proxy_domains = a.example\njob_maximal_lifetime = 99999999999999999999\n",
     CONFIG_FOR_MILTER, "line 2: job_maximal_lifetime: \"99999999999999999999\" is not a time"},
    {"proxy_domains = a.example\njob_minimal_backoff =\n", CONFIG_FOR_MILTER,
     "line 2: job_minimal_backoff: empty value"},
    {"proxy_domains = a.example\nspool_directory = var/spool\n",
     CONFIG_FOR_MILTER,
     "line 2: spool_directory: \"var/spool\" is not an absolute path name"},
    {"proxy_domains = a.example\nlog_facility = kern\n", CONFIG_FOR_MILTER,
     "line 2: log_facility: \"kern\" is not one of: mail|daemon"},
    {"proxy_domains = a.example\nmilter_listen = tcp:1234\n",
     CONFIG_FOR_MILTER, "line 2: milter_listen: \"tcp:1234\": expected"},
    {"proxy_domains = a.example\nmilter_listen = inet:0@localhost\n",
     CONFIG_FOR_MILTER, "port from 1 to 65535"},
    {"proxy_domains = a.example\nmilter_listen = unix:relative.sock\n",
     CONFIG_FOR_MILTER, "a unix socket needs an absolute path"},
    {"proxy_domains = a.example\nbridge_listen = 8025\n", CONFIG_FOR_MILTER,
     "line 2: bridge_listen: \"8025\": expected HOST:PORT"},
    {"proxy_domains = a.example\nbridge_listen = ::1:8025\n",
     CONFIG_FOR_MILTER, "bridge_listen: \"::1:8025\": expected HOST:PORT"},
    {"proxy_domains = a.example\ntwilio_api_url = ftp://x\n",
     CONFIG_FOR_MILTER, "twilio_api_url: \"ftp://x\" is not an http"},
    {"proxy_domains = a.example\ntwilio_account_sid = AC123\n",
     CONFIG_FOR_MILTER, "twilio_account_sid: \"AC123\" is not an account SID"},
    {"proxy_domains = a.example\ntwilio_media_url = mcs\n",
     CONFIG_FOR_MILTER, "twilio_media_url: \"mcs\" is not an http"},
    {"proxy_domains = a.example\nsms_proxy_numbers = +14155550100 4155550101\n",
     CONFIG_FOR_MILTER, "line 2: sms_proxy_numbers: \"4155550101\" is not a "
     "phone number in E.164 form"},
    {"proxy_domains = a.example\nwhatsapp_proxy_numbers = +141555\n",
     CONFIG_FOR_MILTER, "whatsapp_proxy_numbers: \"+141555\" is not a phone"},
    {"proxy_domains = a.example\ntwilio_chat_service_sid = CH0123456789abcdef0123456789abcdef\n",
     CONFIG_FOR_MILTER, "twilio_chat_service_sid: \"CH0123456789abcdef0123456789abcdef\" "
     "is not a Conversations service SID (IS and 32 hex digits)"},
    {"proxy_domains = a.example\nchat_token_ttl = 2d\n", CONFIG_FOR_MILTER,
     "chat_token_ttl"},
    {"proxy_domains = a.example\nsmtp_submit_url = http://x\n",
     CONFIG_FOR_MILTER, "smtp_submit_url: \"http://x\" is not an smtp://"},
    {"proxy_domains = a.example\nemail_subject_format = 100% %s\n",
     CONFIG_FOR_MILTER, "email_subject_format: \"100% %s\": at most one %s"},
    {"proxy_domains = a.example\nemail_reply_marker = Reply: %s %c\n",
     CONFIG_FOR_MILTER, "email_reply_marker: \"Reply: %s %c\": needs at "
     "least 12 bytes of its own text"},
    {"proxy_domains = a.example\nemail_reply_marker = Reply above this "
     "line to %s %s\n", CONFIG_FOR_MILTER, "%s and %c may each appear once"},
    {"proxy_domains = a.example\nemail_reply_marker = Reply above this "
     "line to %d\n", CONFIG_FOR_MILTER, "are the only conversions"},
    {"proxy_domains = a.example\nunauthenticated_sender_action = drop\n",
     CONFIG_FOR_MILTER, "unauthenticated_sender_action: \"drop\" is not one of: "
     "hold|post|reject"},
    {"proxy_domains = a..example\n", CONFIG_FOR_MILTER,
     "line 1: proxy_domains: \"a..example\" is not a domain name"},
    {"proxy_domains = a.example, -bad.example\n", CONFIG_FOR_MILTER,
     "\"-bad.example\" is not a domain name"},
    {"proxy_domains = user@a.example\n", CONFIG_FOR_MILTER,
     "\"user@a.example\" is not a domain name"},
    {"proxy_domains = $nothing\n", CONFIG_FOR_MILTER,
     "line 1: proxy_domains: undefined parameter $nothing"},
    {"spool_directory = /x\n", CONFIG_FOR_MILTER,
     "main.cf: proxy_domains is required but not set"},
    {"proxy_domains =\n", CONFIG_FOR_BRIDGE,
     "main.cf: proxy_domains is required but not set"},
    {"proxy_domains = a.example\n", CONFIG_FOR_BRIDGE,
     "main.cf: twilio_account_sid is required but not set"},
    {"proxy_domains = a.example\nmissing equals\n", CONFIG_FOR_MILTER,
     "main.cf, line 2: missing '='"},
    {"proxy_domains = a.example\nmasked_display_format = via Example\n",
     CONFIG_FOR_MILTER, "line 2: masked_display_format: \"via Example\" must contain %s exactly once"},
    {"proxy_domains = a.example\nmasked_display_format = %s and %s\n",
     CONFIG_FOR_MILTER, "must contain %s exactly once"},
    {"proxy_domains = a.example\nmasked_display_format = 100% %s\n",
     CONFIG_FOR_MILTER, "only one %s, and no other '%'"},
    {"proxy_domains = a.example\nmask_bodies = maybe\n", CONFIG_FOR_MILTER,
     "line 2: mask_bodies: \"maybe\" is not yes or no"},
    /* Several errors are all reported. */
    {"a1 = 1\na2 = 2\n", CONFIG_FOR_MILTER, "line 2: unknown parameter a2"},
};

static void test_errors(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        struct buf *why = buf_create(64);
        char *dir;
        struct config *cfg = load_text(errors[i].text, errors[i].prog, why,
                                       &dir);

        print_message("case: %s", errors[i].text);
        assert_null(cfg);
        if (strstr(why->data, errors[i].error) == NULL)
            fail_msg("error \"%s\" lacks \"%s\"", why->data, errors[i].error);
        /* Every error names the file. */
        assert_non_null(strstr(why->data, dir));
        free(dir);
        buf_free(why);
    }
}

static void test_missing_file(void **state)
{
    struct buf *why = buf_create(64);

    assert_null(config_load("/nonexistent/dir", CONFIG_FOR_CTL, why));
    assert_non_null(strstr(why->data, "open /nonexistent/dir/main.cf"));
    buf_free(why);
}

static void test_ctl_needs_nothing(void **state)
{
    struct buf *why = buf_create(64);
    struct config *cfg = load_text("# empty\n", CONFIG_FOR_CTL, why, NULL);

    assert_non_null(cfg);
    assert_int_equal(cfg->proxy_domains.count, 0);
    config_free(cfg);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_ctl_needs_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
