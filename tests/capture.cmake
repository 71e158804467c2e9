# SPDX-License-Identifier: Apache-2.0
# Capturing replies (lib/mail/capture*.c): the reply corpus, the text
# extraction and HTML conversion tables, parser edge cases, and
# `postmaskctl parse`.
pm_unit_test(test_capture_corpus test_capture_corpus.c)
target_compile_definitions(test_capture_corpus PRIVATE
                           CORPUS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data/replies")
# The capture payload: capture_to_json() and capture_from_json().
pm_unit_test(test_capture_json test_capture_json.c)
target_link_libraries(test_capture_json PRIVATE postmask_testutil)
target_compile_definitions(test_capture_json PRIVATE
                           CORPUS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/data/replies")
pm_unit_test(test_capture_text test_capture_text.c)
# The reply marker (lib/mail/reply_marker.c) and the cut at it.
pm_unit_test(test_reply_marker test_reply_marker.c)
pm_unit_test(test_capture_clean test_capture_clean.c)
pm_unit_test(test_reply_patterns test_reply_patterns.c)
pm_unit_test(test_capture_signature test_capture_signature.c)
pm_unit_test(test_capture_parse test_capture_parse.c)
pm_unit_test(test_rfc2047_join test_rfc2047_join.c)
pm_unit_test(test_sender_auth test_sender_auth.c)
set_tests_properties(test_capture_parse PROPERTIES TIMEOUT 300)
pm_script_test(ctl_parse ctl_parse.sh)
