/*
 * Per-event cost of a group call from C: build (builder, setters, validation) and enqueue into a
 * client, in the caller's thread. The client runs in its in-memory test mode, so no network is
 * measured, and its worker thread is kept mostly idle while the caller is timed.
 * `cargo bench -p rudder-group-c --bench per_event` measures the same work from Rust.
 */
#include <rudder_group.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define EVENTS 50000
#define WARMUP 5000
#define ROUNDS 5

static double now(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void must(rudder_status status, const char *what) {
    if (status != RUDDER_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, rudder_status_name(status),
                rudder_last_error_message());
        exit(1);
    }
}

/* The event every round sends: the sample group call of the RudderStack docs, plus two custom
 * traits. */
static rudder_event *build(void) {
    rudder_event_builder *b = NULL;
    rudder_event *event = NULL;
    must(rudder_event_builder_new("acme", &b), "new");
    must(rudder_event_builder_set_user_id(b, "user-42"), "user_id");
    must(rudder_event_builder_set_name(b, "Acme Inc."), "name");
    must(rudder_event_builder_set_industry(b, "Manufacturing"), "industry");
    must(rudder_event_builder_set_employees(b, 450), "employees");
    must(rudder_event_builder_set_plan(b, "enterprise"), "plan");
    must(rudder_event_builder_set_trait_string(b, "tier", "gold"), "tier");
    must(rudder_event_builder_set_trait_int64(b, "seats", 25), "seats");
    must(rudder_event_builder_build(b, &event, NULL), "build");
    return event;
}

static rudder_client *memory_client(void) {
    rudder_client_config *config = NULL;
    rudder_client *client = NULL;
    must(rudder_client_config_new("bench-key", "https://dataplane.invalid", &config), "config");
    must(rudder_client_config_set_memory_transport(config, true), "memory");
    /* The worker stays out of the way while the caller is timed: batches close by size only
     * (at the gateway's 4,096,000 bytes), and the rest is delivered by the close after. */
    must(rudder_client_config_set_max_queue_events(config, 10 * EVENTS), "queue");
    must(rudder_client_config_set_flush_at(config, 10 * EVENTS), "flush_at");
    must(rudder_client_config_set_flush_interval_ms(config, 600000), "flush_interval");
    must(rudder_client_config_set_max_batch_bytes(config, 4096000), "max_batch_bytes");
    must(rudder_client_new(config, &client), "client");
    rudder_client_config_free(config);
    return client;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *what, double *ns) {
    qsort(ns, ROUNDS, sizeof ns[0], by_value);
    printf("c     %-16s %8.0f ns/event (best of %d rounds of %d; median %.0f)\n", what, ns[0],
           ROUNDS, EVENTS, ns[ROUNDS / 2]);
}

int main(void) {
    double build_ns[ROUNDS], enqueue_ns[ROUNDS];
    for (int i = 0; i < WARMUP; i++) {
        rudder_event_free(build());
    }
    for (int r = 0; r < ROUNDS; r++) {
        double start = now();
        for (int i = 0; i < EVENTS; i++) {
            rudder_event_free(build());
        }
        build_ns[r] = (now() - start) * 1e9 / EVENTS;

        rudder_client *client = memory_client();
        start = now();
        for (int i = 0; i < EVENTS; i++) {
            must(rudder_client_enqueue(client, build(), NULL), "enqueue");
        }
        enqueue_ns[r] = (now() - start) * 1e9 / EVENTS;
        rudder_flush_result result;
        must(rudder_client_close(client, -1, &result), "close");
        if (result.delivered != EVENTS) {
            fprintf(stderr, "delivered %llu of %d\n", (unsigned long long)result.delivered, EVENTS);
            return 1;
        }
        rudder_client_free(client);
    }
    report("build", build_ns);
    report("build + enqueue", enqueue_ns);
    return 0;
}
