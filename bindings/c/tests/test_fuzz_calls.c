/*
 * Random sequences of rudder_* calls: NULL handles and strings, invalid UTF-8, arbitrary JSON
 * text, out-of-range indexes, builders built twice over, events enqueued into a closed client.
 * (Freed handles are outside the contract and never passed.) Checks: every status is a known
 * one, outputs are written only on success, every output string is freed, the counters add up
 * at the end; ASan, UBSan and valgrind (make test) watch the memory.
 *
 * Runs for FUZZ_SECONDS (default 2) or 2,000,000 calls, whichever ends first, from FUZZ_SEED
 * (default fixed): a failure prints the seed, and the same seed replays the same calls.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <time.h>

#include "harness.h"

static uint64_t rng_state;

static uint64_t rnd(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned pick(unsigned n) {
    return (unsigned)(rnd() % n);
}

static const char *const TEXTS[] = {
    "",
    " ",
    "g1",
    "u1",
    "2022-02-01T19:14:18.381Z",
    "not a date",
    "450",
    "-1",
    "{}",
    "[]",
    "null",
    "{\"a\":1}",
    "{\"groupId\":\"g\",\"userId\":\"u\"}",
    "{\"groupId\":\"g\",\"userId\":\"u\",\"traits\":{\"employees\":-3}}",
    "{\"x\":",
    "1e999",
    "\xff\xfe",
    "\xc3\x28",
    "\xe2\x82",
    "caf\xc3\xa9",
    "{\"groupId\":\"\xed\xa0\x80\"}",
};

/* A string from the list, random bytes (often invalid UTF-8), or NULL. */
static char text_buf[4][96];
static const char *text(int slot) {
    switch (pick(6)) {
    case 0:
        return NULL;
    case 1:
    case 2: {
        size_t len = pick(sizeof text_buf[0] - 1);
        for (size_t i = 0; i < len; i++)
            text_buf[slot][i] = (char)(1 + pick(255));
        text_buf[slot][len] = '\0';
        return text_buf[slot];
    }
    default:
        return TEXTS[pick(sizeof TEXTS / sizeof TEXTS[0])];
    }
}

#define SLOTS 4
static rudder_event_builder *builders[SLOTS];
static rudder_event *events[SLOTS];
static rudder_client *client;
static uint64_t enqueued_ok;

static int known(rudder_status s) {
    return strcmp(rudder_status_name((uint32_t)s), "UNKNOWN") != 0;
}

static void check_status(rudder_status s) {
    CHECK(known(s));
    CHECK(rudder_last_error_message() != NULL);
}

/* A string output: written only on success, then freed. */
#define string_out(s, out, sentinel) string_out_at(__LINE__, s, out, sentinel)
static void string_out_at(int line, rudder_status s, char *out, char *sentinel) {
    check_status(s);
    if ((s == RUDDER_OK) != (out != sentinel))
        fprintf(stderr, "line %d: status %s, output %s\n", line, rudder_status_name((uint32_t)s),
                out == sentinel ? "not written" : "written");
    if (s == RUDDER_OK) {
        CHECK(out != NULL && out != sentinel);
        if (out != sentinel)
            rudder_string_free(out);
    } else {
        CHECK(out == sentinel);
    }
}

static void issues_out(rudder_issues *issues) {
    if (issues == NULL)
        return;
    size_t n = rudder_issues_count(issues);
    CHECK(n > 0);
    rudder_issue issue;
    check_status(rudder_issues_get(issues, pick((unsigned)n + 2), &issue));
    rudder_issues_free(issues);
}

static void set_something(rudder_event_builder *b) {
    rudder_status s;
    switch (pick(12)) {
    case 0:
        s = rudder_event_builder_set_user_id(b, text(0));
        break;
    case 1:
        s = rudder_event_builder_set_anonymous_id(b, text(0));
        break;
    case 2:
        s = rudder_event_builder_set_name(b, text(0));
        break;
    case 3:
        s = rudder_event_builder_set_original_timestamp(b, text(0));
        break;
    case 4:
        s = rudder_event_builder_set_context_json(b, text(0));
        break;
    case 5:
        s = rudder_event_builder_set_trait_json(b, text(0), text(1));
        break;
    case 6:
        s = rudder_event_builder_set_trait_double(b, text(0), (double)(int64_t)rnd() / 7.0);
        break;
    case 7:
        s = rudder_event_builder_set_id_int64(b, (int64_t)rnd());
        break;
    case 8:
        s = rudder_event_builder_set_address_field(b, text(0), text(1));
        break;
    case 9:
        s = rudder_event_builder_remove_trait(b, text(0));
        break;
    case 10:
        s = rudder_event_builder_set_max_event_bytes(b, (size_t)pick(40000));
        break;
    default:
        s = rudder_event_builder_set_trait_string(b, text(0), text(1));
        break;
    }
    check_status(s);
}

static void step(void) {
    unsigned i = pick(SLOTS);
    char *const sentinel = (char *)&rng_state;
    char *out = sentinel;
    rudder_issues *issues = NULL;
    rudder_status s;
    switch (pick(11)) {
    case 0:
        rudder_event_builder_free(builders[i]);
        builders[i] = NULL;
        check_status(rudder_event_builder_new(text(0), &builders[i]));
        break;
    case 1:
    case 2:
        set_something(builders[i]); /* NULL builder included */
        break;
    case 3:
        if (builders[i] == NULL)
            break;
        rudder_event_free(events[i]);
        events[i] = NULL;
        check_status(rudder_event_builder_build(builders[i], &events[i], pick(2) ? &issues : NULL));
        builders[i] = NULL; /* consumed, whatever the status */
        issues_out(issues);
        break;
    case 4: {
        rudder_event *e = (rudder_event *)sentinel;
        s = rudder_event_from_json(text(0), &e, &issues);
        check_status(s);
        CHECK(s == RUDDER_OK ? e != (rudder_event *)sentinel : e == (rudder_event *)sentinel);
        if (s == RUDDER_OK) {
            rudder_event_free(events[i]);
            events[i] = e;
        }
        issues_out(issues);
        break;
    }
    case 5:
        s = rudder_event_to_json(events[i], &out);
        string_out(s, out, sentinel);
        break;
    case 6: {
        rudder_event *copy = NULL;
        check_status(rudder_event_clone(events[i], &copy));
        rudder_event_free(copy);
        s = rudder_event_message_id(events[i], &out);
        string_out(s, out, sentinel);
        break;
    }
    case 7:
        s = rudder_client_enqueue(client, events[i], &out);
        events[i] = NULL; /* consumed */
        if (s == RUDDER_OK)
            enqueued_ok++;
        string_out(s, out, sentinel);
        break;
    case 8:
        s = rudder_client_group(pick(8) ? client : NULL, builders[i], &out, &issues);
        builders[i] = NULL;
        if (s == RUDDER_OK)
            enqueued_ok++;
        string_out(s, out, sentinel);
        issues_out(issues);
        break;
    case 9: {
        rudder_stats stats;
        check_status(rudder_client_stats(pick(8) ? client : NULL, &stats));
        rudder_flush_result r;
        check_status(rudder_client_flush(client, pick(2) ? -1 : 0, &r));
        break;
    }
    default:
        rudder_event_free(events[i]);
        events[i] = NULL;
        break;
    }
}

int main(void) {
    const char *secs = getenv("FUZZ_SECONDS");
    const char *seed = getenv("FUZZ_SEED");
    double budget = secs ? atof(secs) : 2.0;
    rng_state = (seed ? strtoull(seed, NULL, 0) : 0x5EEDCAFEF00D0001ULL) | 1;
    uint64_t first_seed = rng_state;

    rudder_client_config *config = NULL;
    CHECK_OK(rudder_client_config_new("test-write-key", "http://127.0.0.1:9", &config));
    CHECK_OK(rudder_client_config_set_memory_transport(config, true));
    CHECK_OK(rudder_client_config_set_max_queue_events(config, 1000));
    CHECK_OK(rudder_client_new(config, &client));
    rudder_client_config_free(config);

    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long calls = 0;
    for (; calls < 2000000; calls++) {
        if (calls % 1024 == 0) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            double elapsed =
                (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9;
            if (elapsed >= budget)
                break;
        }
        step();
        if (harness_failures)
            break;
    }
    for (int i = 0; i < SLOTS; i++) {
        rudder_event_builder_free(builders[i]);
        rudder_event_free(events[i]);
    }
    rudder_flush_result closed;
    CHECK_OK(rudder_client_close(client, -1, &closed));
    rudder_stats stats;
    CHECK_OK(rudder_client_stats(client, &stats));
    CHECK(stats.enqueued == enqueued_ok);
    CHECK(stats.delivered + stats.failed + stats.dropped == stats.enqueued);
    rudder_client_free(client);
    printf("test_fuzz_calls: %ld calls, %llu events enqueued, seed %#llx: %s\n", calls,
           (unsigned long long)enqueued_ok, (unsigned long long)first_seed,
           harness_failures ? "FAILED" : "ok");
    return harness_failures ? 1 : 0;
}
