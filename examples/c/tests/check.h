/* A tiny test harness for the C tests: counts checks and prints "N passed, N failed". */
#ifndef BIOMATCH_TEST_CHECK_H
#define BIOMATCH_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "biomatch.h"

static int check_passed = 0;
static int check_failed = 0;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            check_passed++;                                                           \
        } else {                                                                      \
            check_failed++;                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
        }                                                                             \
    } while (0)

/* Checks that a call returns the expected status and, for a failure, leaves a non-empty
 * last-error message on this thread (for success: an empty one). */
#define CHECK_STATUS(call, expected)                                                        \
    do {                                                                                    \
        biomatch_status check_got_ = (call);                                                \
        const char *check_msg_ = biomatch_last_error_message();                            \
        int check_ok_ = check_got_ == (biomatch_status)(expected) && check_msg_ != NULL && \
                        ((expected) == BIOMATCH_STATUS_OK ? check_msg_[0] == '\0'         \
                                                          : check_msg_[0] != '\0');       \
        if (check_ok_) {                                                                    \
            check_passed++;                                                                 \
        } else {                                                                            \
            check_failed++;                                                                 \
            fprintf(stderr, "%s:%d: %s returned %u (%s), expected %u; message: \"%s\"\n",   \
                    __FILE__, __LINE__, #call, (unsigned)check_got_,                        \
                    biomatch_status_str((uint32_t)check_got_), (unsigned)(expected),        \
                    check_msg_ != NULL ? check_msg_ : "(null)");                            \
        }                                                                                   \
    } while (0)

/* Checks that the last error message contains a word. */
#define CHECK_MESSAGE_HAS(word) CHECK(strstr(biomatch_last_error_message(), (word)) != NULL)

static int check_report(const char *name) {
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    return check_failed == 0 ? 0 : 1;
}

#endif
