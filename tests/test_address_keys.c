/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_address_keys - the proxy-address keys file: syntax, every error with
 * its exact text, duplicate ids, and the file-permission rule.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "address_keys.h"

#define SECRET16  "0123456789abcdef"
#define SECRET32  SECRET16 SECRET16

static void test_parse_ok(void **state)
{
    static const char text[] =
        "# postmask address keys\n"
        "\n"
        "   \t\n"
        "k2 " SECRET32 "\r\n"
        "\t# an indented comment\r\n"
        "  k1\t \tABCDEFGHIJKLMNOP  \r\n"
        "abcdefgh !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";  /* no final newline */
    struct buf *why = buf_create(0);
    struct address_keys *keys;
    const struct address_key *key;

    keys = address_keys_parse(text, sizeof(text) - 1, "keys", why);
    assert_non_null(keys);
    assert_string_equal(why->data, "");
    assert_int_equal(keys->count, 3);
    /* The first key signs: file order is kept. */
    assert_string_equal(keys->keys[0].id, "k2");
    assert_int_equal(keys->keys[0].secret_len, 32);
    assert_memory_equal(keys->keys[0].secret, SECRET32, 32);
    assert_string_equal(keys->keys[1].id, "k1");
    assert_int_equal(keys->keys[1].secret_len, 16);
    assert_memory_equal(keys->keys[1].secret, "ABCDEFGHIJKLMNOP", 16);
    assert_string_equal(keys->keys[2].id, "abcdefgh");
    assert_int_equal(keys->keys[2].secret_len, 32);

    key = address_keys_find(keys, "k1", 2);
    assert_ptr_equal(key, &keys->keys[1]);
    /* The id need not be NUL-terminated. */
    assert_ptr_equal(address_keys_find(keys, "k2-xyz", 2), &keys->keys[0]);
    assert_null(address_keys_find(keys, "k", 1));
    assert_null(address_keys_find(keys, "k12", 3));
    assert_null(address_keys_find(keys, "K1", 2));
    assert_null(address_keys_find(keys, "", 0));
    address_keys_free(keys);
    buf_free(why);
}

static void test_parse_bounds(void **state)
{
    struct buf *text = buf_create(0);
    struct buf *why = buf_create(0);
    struct address_keys *keys;
    int i;

    /* Longest key id, shortest and longest secrets. */
    buf_append_str(text, "abcdefgh " SECRET16 "\n0 ");
    for (i = 0; i < ADDRESS_SECRET_MAX; i++)
        buf_append_char(text, '!' + i % 94);
    buf_append_char(text, '\n');
    keys = address_keys_parse(text->data, text->len, "keys", why);
    assert_non_null(keys);
    assert_int_equal(keys->count, 2);
    assert_int_equal(keys->keys[0].secret_len, ADDRESS_SECRET_MIN);
    assert_string_equal(keys->keys[1].id, "0");
    assert_int_equal(keys->keys[1].secret_len, ADDRESS_SECRET_MAX);
    address_keys_free(keys);
    buf_free(text);
    buf_free(why);
}

/* Many keys: the array grows (and is wiped as it does). */
static void test_parse_many(void **state)
{
    struct buf *text = buf_create(0);
    struct buf *why = buf_create(0);
    struct address_keys *keys;
    char id[16];
    int i;

    for (i = 0; i < 300; i++)
        buf_printf(text, "k%d " SECRET16 "%d\n", i, i);
    keys = address_keys_parse(text->data, text->len, "keys", why);
    assert_non_null(keys);
    assert_int_equal(keys->count, 300);
    for (i = 0; i < 300; i++) {
        snprintf(id, sizeof(id), "k%d", i);
        assert_ptr_equal(address_keys_find(keys, id, strlen(id)),
                         &keys->keys[i]);
    }
    address_keys_free(keys);
    buf_free(text);
    buf_free(why);
}

static const struct {
    const char *name;
    const char *text;
    size_t len;                 /* 0: strlen(text) */
    const char *why;
} bad_cases[] = {
    { "empty text", "", 0,
      "keys.txt: no keys (expected lines of \"KEYID SECRET\")" },
    { "only comments and blanks", "# nothing\n\n  \r\n\t# here\n", 0,
      "keys.txt: no keys (expected lines of \"KEYID SECRET\")" },
    { "key id alone", "k1\n", 0,
      "keys.txt, line 1: missing secret (expected \"KEYID SECRET\")" },
    { "key id alone with blanks", "# c\n  k1 \t\r\n", 0,
      "keys.txt, line 2: missing secret (expected \"KEYID SECRET\")" },
    { "three fields", "# c\n\nk1 " SECRET16 " extra\n", 0,
      "keys.txt, line 3: unexpected text after the secret "
      "(expected \"KEYID SECRET\")" },
    { "upper-case key id", "K1 " SECRET16 "\n", 0,
      "keys.txt, line 1: bad key id: expected 1 to 8 characters of a-z "
      "and 0-9" },
    { "key id too long", "abcdefghi " SECRET16 "\n", 0,
      "keys.txt, line 1: bad key id: expected 1 to 8 characters of a-z "
      "and 0-9" },
    { "key id with '-'", "k-1 " SECRET16 "\n", 0,
      "keys.txt, line 1: bad key id: expected 1 to 8 characters of a-z "
      "and 0-9" },
    { "key id with '_'", "k_1 " SECRET16 "\n", 0,
      "keys.txt, line 1: bad key id: expected 1 to 8 characters of a-z "
      "and 0-9" },
    { "key id with a CR inside", "k1\r " SECRET16 "\n", 0,
      "keys.txt, line 1: bad key id: expected 1 to 8 characters of a-z "
      "and 0-9" },
    { "key id=secret", "k1=" SECRET16 "\n", 0,
      "keys.txt, line 1: missing secret (expected \"KEYID SECRET\")" },
    { "secret of 15", "k1 0123456789abcde\n", 0,
      "keys.txt, line 1: secret is shorter than 16 characters" },
    { "secret of 257",
      "k1 " SECRET32 SECRET32 SECRET32 SECRET32 SECRET32 SECRET32 SECRET32
      SECRET32 "x\n", 0,
      "keys.txt, line 1: secret is longer than 256 characters" },
    { "secret with DEL", "k1 " SECRET16 "\x7f\n", 0,
      "keys.txt, line 1: secret has a character that is not printable "
      "ASCII or is white space" },
    { "secret with UTF-8", "k1 " SECRET16 "\xc3\xa9\n", 0,
      "keys.txt, line 1: secret has a character that is not printable "
      "ASCII or is white space" },
    { "secret with VT", "k1 " SECRET16 "\vx\n", 0,
      "keys.txt, line 1: secret has a character that is not printable "
      "ASCII or is white space" },
    { "secret with NUL", "k1 " SECRET16 "\0x\n", 22,
      "keys.txt, line 1: secret has a character that is not printable "
      "ASCII or is white space" },
    { "secret with a CR inside", "k1 " SECRET16 "\rx\n", 0,
      "keys.txt, line 1: secret has a character that is not printable "
      "ASCII or is white space" },
    { "bad line after good ones",
      "k1 " SECRET16 "\r\n# c\r\nk2 " SECRET16 "\r\nk3 short\r\n", 0,
      "keys.txt, line 4: secret is shorter than 16 characters" },
    { "duplicate id",
      "k1 " SECRET16 "\n\nk2 " SECRET32 "\nk1 " SECRET32 "\n", 0,
      "keys.txt, line 4: duplicate key id \"k1\" (first on line 1)" },
};

static void test_parse_errors(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct buf *why = buf_create(0);
        size_t len = bad_cases[i].len ? bad_cases[i].len
            : strlen(bad_cases[i].text);
        struct address_keys *keys;

        keys = address_keys_parse(bad_cases[i].text, len, "keys.txt", why);
        if (keys != NULL)
            fail_msg("%s: parsed", bad_cases[i].name);
        if (strcmp(why->data, bad_cases[i].why) != 0)
            fail_msg("%s: got \"%s\", want \"%s\"", bad_cases[i].name,
                     why->data, bad_cases[i].why);
        buf_free(why);
    }
}

/* Errors are appended to why; the secret never appears in them. */
static void test_error_appends_and_hides_secret(void **state)
{
    static const char text[] = "k1 s3cr3t-s3cr3t-s3cr3t tail\n";
    struct buf *why = buf_create(0);

    buf_append_str(why, "postmaskctl: ");
    assert_null(address_keys_parse(text, sizeof(text) - 1, "f", why));
    assert_string_equal(why->data, "postmaskctl: f, line 1: unexpected text "
                        "after the secret (expected \"KEYID SECRET\")");
    assert_null(strstr(why->data, "s3cr3t"));
    buf_free(why);
}

/* Files: a scratch directory under $POSTMASK_TEST_TMP (or /tmp). */
static char *scratch_file(const char *name, const char *text, mode_t mode)
{
    const char *tmp = getenv("POSTMASK_TEST_TMP");
    struct buf *path = buf_create(0);
    int fd;

    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
        fail_msg("mkdir %s: %s", tmp, strerror(errno));
    buf_printf(path, "%s/test_address_keys.%ld.%s", tmp, (long) getpid(),
               name);
    if (text == NULL)
        return buf_detach(path, NULL);
    unlink(path->data);
    fd = open(path->data, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
    return buf_detach(path, NULL);
}

static void test_load_modes(void **state)
{
    static const struct {
        mode_t mode;
        int ok;
    } modes[] = {
        { 0600, 1 }, { 0640, 1 }, { 0400, 1 }, { 0660, 1 },
        { 0644, 0 }, { 0604, 0 }, { 0602, 0 }, { 0601, 0 }, { 0666, 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        char *path = scratch_file("modes", "k1 " SECRET32 "\n", modes[i].mode);
        struct buf *why = buf_create(0);
        struct buf *want = buf_create(0);
        struct address_keys *keys = address_keys_load(path, why);

        if (modes[i].ok) {
            if (keys == NULL)
                fail_msg("mode %04o refused: %s", (unsigned) modes[i].mode,
                         why->data);
            assert_int_equal(keys->count, 1);
            assert_string_equal(keys->keys[0].id, "k1");
            assert_int_equal(keys->keys[0].secret_len, 32);
        } else {
            assert_null(keys);
            buf_printf(want, "secret file %s has mode %04o: it must not be "
                       "accessible by other users (chmod o= %s)", path,
                       (unsigned) modes[i].mode, path);
            assert_string_equal(why->data, want->data);
        }
        address_keys_free(keys);
        unlink(path);
        free(path);
        buf_free(why);
        buf_free(want);
    }
}

static void test_load_missing(void **state)
{
    char *path = scratch_file("missing", NULL, 0);
    struct buf *why = buf_create(0);
    struct buf *want = buf_create(0);

    unlink(path);
    assert_null(address_keys_load(path, why));
    buf_printf(want, "open secret file %s: %s", path, strerror(ENOENT));
    assert_string_equal(why->data, want->data);
    free(path);
    buf_free(why);
    buf_free(want);
}

/* A syntax error in a file names the file as origin. */
static void test_load_names_file(void **state)
{
    char *path = scratch_file("bad", "# keys\r\nk1 " SECRET16 "\r\nK2 "
                              SECRET16 "\r\n", 0600);
    struct buf *why = buf_create(0);
    struct buf *want = buf_create(0);

    assert_null(address_keys_load(path, why));
    buf_printf(want, "%s, line 3: bad key id: expected 1 to 8 characters of "
               "a-z and 0-9", path);
    assert_string_equal(why->data, want->data);
    unlink(path);
    free(path);
    buf_free(why);
    buf_free(want);
}

static void test_free_null(void **state)
{
    address_keys_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ok),
        cmocka_unit_test(test_parse_bounds),
        cmocka_unit_test(test_parse_many),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_error_appends_and_hides_secret),
        cmocka_unit_test(test_load_modes),
        cmocka_unit_test(test_load_missing),
        cmocka_unit_test(test_load_names_file),
        cmocka_unit_test(test_free_null),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
