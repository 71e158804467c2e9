/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ctl_health - checks of the running milter, bridge and spool; see
 * ctl_health.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <curl/curl.h>

#include "ctl_health.h"

static size_t discard(char *ptr, size_t size, size_t nmemb, void *arg)
{
    (void) ptr, (void) arg;
    return size * nmemb;
}

int health_bridge(const char *bridge_listen, struct buf *why)
{
    char url[512], err[CURL_ERROR_SIZE] = "";
    long code = 0;
    CURLcode rc;
    CURL *easy;

    snprintf(url, sizeof(url), "http://%s/healthz", bridge_listen);
    if ((easy = curl_easy_init()) == NULL) {
        buf_printf(why, "cannot start libcurl");
        return -1;
    }
    curl_easy_setopt(easy, CURLOPT_URL, url);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http");
    curl_easy_setopt(easy, CURLOPT_TIMEOUT, (long) HEALTH_TIMEOUT);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, err);
    rc = curl_easy_perform(easy);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_cleanup(easy);
    if (rc != CURLE_OK) {
        buf_printf(why, "%s: %s", url, *err ? err : curl_easy_strerror(rc));
        return -1;
    }
    if (code != 200) {
        buf_printf(why, "%s: HTTP %ld", url, code);
        return -1;
    }
    return 0;
}

int health_spool(const char *spool_directory, struct buf *why)
{
    static const char *const subdirs[] = {
        "", "/incoming", "/active", "/deferred", "/hold", "/dead", "/dedupe",
    };
    char path[4096];
    struct statvfs vfs;
    struct stat st;
    uid_t owner = 0;
    size_t i;

    for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", spool_directory, subdirs[i]);
        if (stat(path, &st) < 0) {
            buf_printf(why, "%s: %s", path, strerror(errno));
            return -1;
        }
        if (!S_ISDIR(st.st_mode)) {
            buf_printf(why, "%s: not a directory", path);
            return -1;
        }
        if (i == 0)
            owner = st.st_uid;
        if (st.st_uid != owner || (st.st_mode & 0700) != 0700) {
            buf_printf(why, "%s: owner %lu, mode %04o: the spool's owner "
                       "(%lu) cannot write it", path,
                       (unsigned long) st.st_uid,
                       (unsigned) (st.st_mode & 07777),
                       (unsigned long) owner);
            return -1;
        }
    }
    if (statvfs(spool_directory, &vfs) < 0) {
        buf_printf(why, "%s: statvfs: %s", spool_directory, strerror(errno));
        return -1;
    }
    if (vfs.f_flag & ST_RDONLY) {
        buf_printf(why, "%s: the file system is read-only", spool_directory);
        return -1;
    }
    if (vfs.f_bavail == 0 || vfs.f_favail == 0) {
        buf_printf(why, "%s: the file system is full (%s)", spool_directory,
                   vfs.f_bavail == 0 ? "no blocks" : "no inodes");
        return -1;
    }
    return 0;
}
