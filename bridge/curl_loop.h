/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_loop - libcurl's multi interface on the bridge's libevent loop.
 *
 * curl tells which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to
 * wake it (CURLMOPT_TIMERFUNCTION); libevent watches them and calls
 * curl_multi_socket_action(); finished transfers are taken from
 * curl_multi_info_read() and reported.  Any number of transfers run at once
 * on one thread, and connections are reused between them (up to 64 kept
 * open).  One loop serves the whole bridge's HTTP: the Twilio client
 * (SMTP submission runs on worker threads instead, smtp_submit.h: libcurl
 * 7.88 blocks on the reply to the end of data).
 *
 * curl_loop_add() starts an easy handle the caller has set up; done is
 * called once from the event loop when the transfer ends, with curl's
 * result, never from inside curl_loop_add() nor from inside curl; the
 * handle has then left the loop and belongs to the caller again (done may
 * clean it up, or add it again).  done may add and remove transfers and
 * free the loop.  The loop uses the handle's CURLOPT_PRIVATE: callers must
 * not.  curl_loop_add() returns 0, or -1 with why (no done callback, the
 * handle is in the loop already, curl refused it); done is then never
 * called.  curl_loop_remove() takes a handle out before it ends (done is
 * not called; a handle not in the loop is ignored); curl then ends the
 * exchange its own way, which for SMTP in libcurl 7.88 means sending the
 * end of data and waiting, blocked, for the answer (curl issue #4015).
 * curl_loop_abort() does the same but first shuts the transfer's
 * connection down, so nothing more reaches the server; use it for
 * transfers that own their connection (SMTP, HTTP/1), never for an HTTP/2
 * stream that shares one.  curl_loop_free() aborts every transfer in the
 * loop (done is not called) and closes the idle connections.  None of
 * these may be called from inside a curl callback (a read, write or debug
 * function).
 *
 * Errors: curl_loop_create() returns NULL with why when libcurl cannot be
 * set up.  A socket libevent cannot watch is fatal (msg_fatal).
 *
 * Ownership: easy handles always belong to the caller; the loop belongs
 * to whoever created it, and must outlive the modules that use it (free
 * the Twilio client first: it takes its handles out with
 * curl_loop_remove() and curl_loop_abort()).
 */
#ifndef POSTMASK_CURL_LOOP_H
#define POSTMASK_CURL_LOOP_H

#include <curl/curl.h>
#include <event2/event.h>

#include "buf.h"

struct curl_loop;

typedef void curl_loop_done(CURL *easy, CURLcode result, void *arg);

struct curl_loop *curl_loop_create(struct event_base *base, struct buf *why);
void curl_loop_free(struct curl_loop *loop);
int curl_loop_add(struct curl_loop *loop, CURL *easy, curl_loop_done *done,
                  void *arg, struct buf *why);
void curl_loop_remove(struct curl_loop *loop, CURL *easy);
void curl_loop_abort(struct curl_loop *loop, CURL *easy);

#endif
