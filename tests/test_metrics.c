/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_metrics - GET /metrics text: Prometheus exposition format 0.0.4,
 * HELP and TYPE lines, series sorted by name and labels, label values
 * escaped (backslash, double quote, newline), counters that add, gauges
 * that are set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "metrics.h"

static void assert_render(const struct metrics *m, const char *want)
{
    struct buf *out = buf_create(256);

    metrics_render(m, out);
    if (strcmp(out->data, want) != 0)
        fail_msg("rendered:\n%s\nwant:\n%s", out->data, want);
    buf_free(out);
}

static void test_render_sorted(void **state)
{
    struct metrics *m = metrics_create();

    metrics_describe(m, "postmask_http_requests_total", "counter",
                     "HTTP requests answered");
    metrics_describe(m, "postmask_spool_jobs", "gauge", "jobs by state");
    metrics_add(m, "postmask_http_requests_total",
                (const char *[]){"route", "health", "status", "200", NULL}, 1);
    /* Labels in any order name the same series. */
    metrics_add(m, "postmask_http_requests_total",
                (const char *[]){"status", "200", "route", "health", NULL}, 2);
    metrics_add(m, "postmask_http_requests_total",
                (const char *[]){"route", "chat_tokens", "status", "401", NULL},
                1);
    metrics_set(m, "postmask_spool_jobs",
                (const char *[]){"state", "dead", NULL}, 4);
    metrics_set(m, "postmask_spool_jobs",
                (const char *[]){"state", "active", NULL}, 7);
    metrics_set(m, "postmask_spool_jobs",
                (const char *[]){"state", "active", NULL}, 2);
    metrics_add(m, "postmask_a_total", NULL, 0.5);
    assert_render(m,
        "# TYPE postmask_a_total counter\n"
        "postmask_a_total 0.5\n"
        "# HELP postmask_http_requests_total HTTP requests answered\n"
        "# TYPE postmask_http_requests_total counter\n"
        "postmask_http_requests_total{route=\"chat_tokens\",status=\"401\"} 1\n"
        "postmask_http_requests_total{route=\"health\",status=\"200\"} 3\n"
        "# HELP postmask_spool_jobs jobs by state\n"
        "# TYPE postmask_spool_jobs gauge\n"
        "postmask_spool_jobs{state=\"active\"} 2\n"
        "postmask_spool_jobs{state=\"dead\"} 4\n");
    assert_true(metrics_get(m, "postmask_http_requests_total",
                            (const char *[]){"route", "health", "status",
                                             "200", NULL}) == 3);
    assert_true(metrics_get(m, "postmask_spool_jobs",
                            (const char *[]){"state", "hold", NULL}) == 0);
    assert_true(metrics_get(m, "postmask_nothing", NULL) == 0);
    metrics_free(m);
}

static void test_escaping(void **state)
{
    struct metrics *m = metrics_create();

    metrics_describe(m, "postmask_x", "counter", "back\\slash and\nnewline");
    metrics_add(m, "postmask_x",
                (const char *[]){"v", "a\\b\"c\nd", NULL}, 1);
    metrics_add(m, "postmask_x", (const char *[]){"v", "", NULL}, 1);
    metrics_add(m, "postmask_x", (const char *[]){"v", "\xc3\xa9t\xc3\xa9",
                                                  NULL}, 1);
    assert_render(m,
        "# HELP postmask_x back\\\\slash and\\nnewline\n"
        "# TYPE postmask_x counter\n"
        "postmask_x{v=\"\"} 1\n"
        "postmask_x{v=\"a\\\\b\\\"c\\nd\"} 1\n"
        "postmask_x{v=\"\xc3\xa9t\xc3\xa9\"} 1\n");
    metrics_free(m);
}

/* Described metrics show their HELP and TYPE before any series exists. */
static void test_empty_and_values(void **state)
{
    struct metrics *m = metrics_create();

    assert_render(m, "");
    metrics_describe(m, "postmask_twilio_retries_total", "counter",
                     "Twilio retries");
    metrics_describe(m, "postmask_twilio_retries_total", "counter",
                     "Twilio retries, by operation");
    assert_render(m,
        "# HELP postmask_twilio_retries_total Twilio retries, by operation\n"
        "# TYPE postmask_twilio_retries_total counter\n");
    metrics_set(m, "postmask_g", NULL, -3);
    metrics_set(m, "postmask_h", NULL, 1e20);
    metrics_set(m, "postmask_i", NULL, 123456789012.0);
    assert_render(m,
        "# TYPE postmask_g gauge\n"
        "postmask_g -3\n"
        "# TYPE postmask_h gauge\n"
        "postmask_h 1e+20\n"
        "# TYPE postmask_i gauge\n"
        "postmask_i 123456789012\n"
        "# HELP postmask_twilio_retries_total Twilio retries, by operation\n"
        "# TYPE postmask_twilio_retries_total counter\n");
    metrics_free(m);
    metrics_free(NULL);
}

/* Many series stay sorted and findable (the binary search). */
static void test_many(void **state)
{
    struct metrics *m = metrics_create();
    struct buf *out = buf_create(4096);
    char label[16], prev[64] = "";
    const char *line;
    int i;

    for (i = 0; i < 500; i++) {
        snprintf(label, sizeof(label), "%d", (i * 7919) % 500);
        metrics_add(m, "postmask_many_total",
                    (const char *[]){"n", label, NULL}, i);
    }
    for (i = 0; i < 500; i++) {
        snprintf(label, sizeof(label), "%d", (i * 7919) % 500);
        assert_true(metrics_get(m, "postmask_many_total",
                                (const char *[]){"n", label, NULL}) == i);
    }
    metrics_render(m, out);
    for (line = strstr(out->data, "\npostmask_many_total{"); line != NULL;
         line = strstr(line + 1, "\npostmask_many_total{")) {
        char cur[64];

        snprintf(cur, sizeof(cur), "%.*s", (int) strcspn(line + 1, " "),
                 line + 1);
        assert_true(strcmp(prev, cur) < 0);
        strcpy(prev, cur);
    }
    buf_free(out);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_sorted),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_empty_and_values),
        cmocka_unit_test(test_many),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
