/*
 * A tiny test harness for the C tests: checks that count, report where they failed, and a
 * summary. Each test file includes it once.
 */
#ifndef RUDDER_GROUP_TEST_HARNESS_H
#define RUDDER_GROUP_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rudder_group.h>

static int harness_tests;
static int harness_checks;
static int harness_failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        harness_checks++;                                                                          \
        if (!(cond)) {                                                                             \
            harness_failures++;                                                                    \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_STATUS(call, want)                                                                   \
    do {                                                                                           \
        rudder_status got_ = (call);                                                               \
        rudder_status want_ = (want);                                                              \
        harness_checks++;                                                                          \
        if (got_ != want_) {                                                                       \
            harness_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s gave %s (%s), want %s\n", __FILE__, __LINE__, #call,        \
                    rudder_status_name((uint32_t)got_), rudder_last_error_message(),               \
                    rudder_status_name((uint32_t)want_));                                          \
        }                                                                                          \
    } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, RUDDER_OK)

#define CHECK_STR(got, want)                                                                       \
    do {                                                                                           \
        const char *got_s_ = (got);                                                                \
        const char *want_s_ = (want);                                                              \
        harness_checks++;                                                                          \
        if (got_s_ == NULL || strcmp(got_s_, want_s_) != 0) {                                      \
            harness_failures++;                                                                    \
            fprintf(stderr, "%s:%d: %s\n     got: %s\n    want: %s\n", __FILE__, __LINE__, #got,   \
                    got_s_ ? got_s_ : "(NULL)", want_s_);                                          \
        }                                                                                          \
    } while (0)

/* Whether `haystack` contains `needle`. */
static inline int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

static inline void run_test(const char *name, void (*test)(void)) {
    int before = harness_failures;
    harness_tests++;
    test();
    printf("%s %s\n", harness_failures == before ? "ok  " : "FAIL", name);
    fflush(stdout);
}

#define RUN(test) run_test(#test, test)

static inline int harness_finish(const char *suite) {
    printf("%s: %d tests, %d checks, %d failed\n", suite, harness_tests, harness_checks,
           harness_failures);
    return harness_failures == 0 ? 0 : 1;
}

#endif
