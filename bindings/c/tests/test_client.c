/*
 * The client without a network: config checks, enqueue and flush in the in-memory test mode,
 * the outcome callback, close, a full queue, and the one-call rudder_client_group.
 */
#include "harness.h"
#include "collector.h"

static collector outcomes;

/* A config in test mode whose outcomes go to `outcomes`. */
static rudder_client_config *memory_config(void) {
    rudder_client_config *config = NULL;
    CHECK_OK(rudder_client_config_new("key", "https://dataplane.invalid", &config));
    CHECK_OK(rudder_client_config_set_memory_transport(config, true));
    collector_reset(&outcomes);
    CHECK_OK(rudder_client_config_set_outcome_callback(config, collect, &outcomes));
    return config;
}

static rudder_client *client_from(rudder_client_config *config) {
    rudder_client *client = NULL;
    CHECK_OK(rudder_client_new(config, &client));
    rudder_client_config_free(config); /* the client keeps its own copy */
    return client;
}

static rudder_event *event_for(const char *group_id) {
    rudder_event_builder *b = NULL;
    rudder_event *event = NULL;
    CHECK_OK(rudder_event_builder_new(group_id, &b));
    CHECK_OK(rudder_event_builder_set_user_id(b, "u1"));
    CHECK_OK(rudder_event_builder_set_name(b, "Acme"));
    CHECK_OK(rudder_event_builder_build(b, &event, NULL));
    return event;
}

static void test_enqueue_flush_and_outcomes(void) {
    rudder_client *client = client_from(memory_config());
    char *ids[4] = {NULL};
    CHECK_OK(rudder_client_enqueue(client, event_for("g1"), &ids[0]));
    CHECK_OK(rudder_client_enqueue(client, event_for("g2"), &ids[1]));
    CHECK_OK(rudder_client_enqueue(client, event_for("g3"), NULL)); /* the id is optional */
    rudder_event_builder *b = NULL;
    CHECK_OK(rudder_event_builder_new("g4", &b));
    CHECK_OK(rudder_event_builder_set_anonymous_id(b, "a1"));
    CHECK_OK(rudder_event_builder_set_message_id(b, "pinned-id"));
    CHECK_OK(rudder_client_group(client, b, &ids[2], NULL));
    CHECK_STR(ids[2], "pinned-id");

    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.delivered == 4 && result.failed == 0 && result.dropped == 0);
    rudder_stats stats;
    CHECK_OK(rudder_client_stats(client, &stats));
    CHECK(stats.enqueued == 4 && stats.delivered == 4 && stats.queued == 0 && stats.batches >= 1);
    CHECK(stats.failed == 0 && stats.dropped == 0);

    CHECK(atomic_load(&outcomes.ids) == 4);
    for (int i = 0; i < 3; i++) {
        CHECK(ids[i] != NULL && collector_saw(&outcomes, ids[i], RUDDER_OUTCOME_DELIVERED));
    }
    size_t n = atomic_load(&outcomes.outcomes);
    CHECK(n >= 1);
    for (size_t i = 0; i < n && i < MAX_OUTCOMES; i++) {
        CHECK(outcomes.records[i].kind == RUDDER_OUTCOME_DELIVERED);
        CHECK(outcomes.records[i].status == 200);
        CHECK(outcomes.records[i].attempts == 1);
        CHECK(outcomes.records[i].reason[0] != '\0');
        CHECK(outcomes.records[i].id_count != (size_t)-1);
    }

    char *sent = NULL;
    CHECK_OK(rudder_client_sent_events_json(client, &sent));
    CHECK(sent != NULL && sent[0] == '[');
    for (int i = 0; i < 3; i++) {
        CHECK(contains(sent, ids[i]));
    }
    CHECK(contains(sent, "\"sentAt\":"));
    CHECK(contains(sent, "\"name\":\"rudder-group-c\""));
    rudder_string_free(sent);

    /* A second flush reports only what happened since the first. */
    CHECK_OK(rudder_client_flush(client, 1000, &result));
    CHECK(result.delivered == 0);
    for (int i = 0; i < 3; i++) {
        rudder_string_free(ids[i]);
    }
    rudder_client_free(client);
}

static void expect_invalid(rudder_client_config *config, const char *setting) {
    rudder_client *client = (rudder_client *)config;
    CHECK_STATUS(rudder_client_new(config, &client), RUDDER_INVALID_CONFIG);
    CHECK(client == (rudder_client *)config);
    if (!contains(rudder_last_error_message(), setting)) {
        fprintf(stderr, "message %s does not name %s\n", rudder_last_error_message(), setting);
        CHECK(0);
    }
    rudder_client_config_free(config);
}

/* A setter refuses a value the settings table does not accept, naming the setting. */
static void expect_refused(rudder_status status, const char *setting) {
    CHECK_STATUS(status, RUDDER_INVALID_CONFIG);
    if (!contains(rudder_last_error_message(), setting)) {
        fprintf(stderr, "message %s does not name %s\n", rudder_last_error_message(), setting);
        CHECK(0);
    }
}

static void test_invalid_config(void) {
    rudder_client_config *c = NULL;
    CHECK_OK(rudder_client_config_new("key", "ftp://dataplane.invalid", &c));
    expect_invalid(c, "data_plane_url");
    CHECK_OK(rudder_client_config_new("  ", "https://dataplane.invalid", &c));
    expect_invalid(c, "write_key");
    /* In range alone, but not together with the others: refused by rudder_client_new. */
    c = memory_config();
    CHECK_OK(rudder_client_config_set_max_queue_bytes(c, 10));
    expect_invalid(c, "max_queue_bytes");
    c = memory_config();
    CHECK_OK(rudder_client_config_set_retry_initial_backoff_ms(c, 20000));
    expect_invalid(c, "retry_initial_backoff_ms");

    /* Out of range: refused by the setter, which changes nothing. */
    c = memory_config();
    expect_refused(rudder_client_config_set_flush_at(c, 0), "flush_at");
    expect_refused(rudder_client_config_set_flush_interval_ms(c, 0), "flush_interval_ms");
    expect_refused(rudder_client_config_set_max_batch_bytes(c, 4096001), "max_batch_bytes");
    expect_refused(rudder_client_config_set_max_queue_events(c, 0), "max_queue_events");
    expect_refused(rudder_client_config_set_max_event_bytes(c, 10), "max_event_bytes");
    expect_refused(rudder_client_config_set_max_event_bytes(c, 0), "max_event_bytes");
    expect_refused(rudder_client_config_set_retry_max_attempts(c, 0), "retry_max_attempts");
    expect_refused(rudder_client_config_set_request_timeout_ms(c, 0), "request_timeout_ms");
    expect_refused(rudder_client_config_set_gzip_level(c, 10), "gzip_level");
    expect_refused(rudder_client_config_set_max_concurrent_requests(c, 0),
                   "max_concurrent_requests");
    expect_refused(rudder_client_config_set_block_timeout_ms(c, UINT64_MAX), "block_timeout_ms");
    expect_refused(rudder_client_config_set_overflow_block(c, UINT64_MAX), "block_timeout_ms");
    expect_refused(rudder_client_config_set_max_event_bytes(c, SIZE_MAX), "max_event_bytes");
    expect_refused(rudder_client_config_set_overflow(c, "sometimes"), "overflow");
    CHECK_STATUS(rudder_client_config_set_spool_sync(c, NULL), RUDDER_NULL_ARGUMENT);
    {
        /* Nothing was changed: the config still makes a client. */
        rudder_client *client = client_from(c);
        CHECK(client != NULL);
        rudder_client_free(client);
    }

    /* The same bad value gives the same message in every binding (the settings table's). */
    c = memory_config();
    CHECK_STATUS(rudder_client_config_set_flush_at(c, 0), RUDDER_INVALID_CONFIG);
    CHECK(strcmp(rudder_last_error_message(),
                 "invalid setting `flush_at`: must be a whole number from 1 to 1000000, got 0") ==
          0);
    rudder_client_config_free(c);

    /* Every other setter accepts sensible values. */
    c = memory_config();
    CHECK_OK(rudder_client_config_set_flush_at(c, 5));
    CHECK_OK(rudder_client_config_set_flush_interval_ms(c, 50));
    CHECK_OK(rudder_client_config_set_max_batch_bytes(c, 100000));
    CHECK_OK(rudder_client_config_set_max_queue_events(c, 10));
    CHECK_OK(rudder_client_config_set_max_queue_bytes(c, 1 << 20));
    CHECK_OK(rudder_client_config_set_gzip(c, false));
    CHECK_OK(rudder_client_config_set_gzip_level(c, 9));
    CHECK_OK(rudder_client_config_set_connect_timeout_ms(c, 500));
    CHECK_OK(rudder_client_config_set_request_timeout_ms(c, 500));
    CHECK_OK(rudder_client_config_set_retry_max_attempts(c, 3));
    CHECK_OK(rudder_client_config_set_retry_max_elapsed_ms(c, 1000));
    CHECK_OK(rudder_client_config_set_retry_initial_backoff_ms(c, 5));
    CHECK_OK(rudder_client_config_set_retry_max_backoff_ms(c, 50));
    CHECK_OK(rudder_client_config_set_shutdown_timeout_ms(c, 1000));
    CHECK_OK(rudder_client_config_set_overflow_block(c, 10));
    CHECK_OK(rudder_client_config_set_overflow_drop_newest(c));
    CHECK_OK(rudder_client_config_set_proxy(c, "http://127.0.0.1:3128"));
    CHECK_OK(rudder_client_config_set_lenient(c, true));
    CHECK_OK(rudder_client_config_set_max_event_bytes(c, 32768));
    CHECK_OK(rudder_client_config_set_overflow(c, "block"));
    CHECK_OK(rudder_client_config_set_spool_sync(c, "interval"));
    CHECK_OK(rudder_client_config_set_spool_sync_interval_ms(c, 50));
    CHECK_OK(rudder_client_config_set_max_spool_bytes(c, 1 << 30));
    CHECK_OK(rudder_client_config_set_spool_dir(c, NULL));
    CHECK_OK(rudder_client_config_set_proxy(c, NULL));
    CHECK_OK(rudder_client_config_set_outcome_callback(c, NULL, NULL));
    rudder_client *client = client_from(c);
    CHECK(client != NULL);
    rudder_client_free(client);
}

static void test_close(void) {
    rudder_client *client = client_from(memory_config());
    CHECK_OK(rudder_client_enqueue(client, event_for("g"), NULL));
    CHECK(!rudder_client_is_closed(client));
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_close(client, 5000, &result));
    CHECK(result.delivered == 1);
    CHECK(rudder_client_is_closed(client));
    char *id = (char *)&result;
    CHECK_STATUS(rudder_client_enqueue(client, event_for("late"), &id), RUDDER_CLIENT_CLOSED);
    CHECK(id == (char *)&result);
    CHECK_OK(rudder_client_close(client, 0, NULL)); /* idempotent */
    rudder_client_free(client);
}

static void test_queue_full(void) {
    rudder_client_config *config = memory_config();
    CHECK_OK(rudder_client_config_set_flush_at(config, 1000));
    CHECK_OK(rudder_client_config_set_flush_interval_ms(config, 600000));
    CHECK_OK(rudder_client_config_set_max_queue_events(config, 1));
    rudder_client *client = client_from(config);
    CHECK_OK(rudder_client_enqueue(client, event_for("first"), NULL));
    rudder_event *second = event_for("second");
    char *second_id = NULL;
    CHECK_OK(rudder_event_message_id(second, &second_id));
    CHECK_STATUS(rudder_client_enqueue(client, second, NULL), RUDDER_QUEUE_FULL);
    /* The drop was reported before the call returned. */
    CHECK(collector_saw(&outcomes, second_id, RUDDER_OUTCOME_DROPPED));
    CHECK(outcomes.records[0].status == 0 && !outcomes.records[0].has_body);
    CHECK(outcomes.records[0].attempts == 0);
    rudder_stats stats;
    CHECK_OK(rudder_client_stats(client, &stats));
    CHECK(stats.dropped == 1 && stats.enqueued == 1 && stats.queued == 1);
    rudder_string_free(second_id);
    rudder_client_free(client); /* delivers the first within the shutdown timeout */
    CHECK(atomic_load(&outcomes.ids) == 2);
}

static void test_overflow_block(void) {
    rudder_client_config *config = memory_config();
    CHECK_OK(rudder_client_config_set_flush_at(config, 1000));
    CHECK_OK(rudder_client_config_set_flush_interval_ms(config, 600000));
    CHECK_OK(rudder_client_config_set_max_queue_events(config, 1));
    CHECK_OK(rudder_client_config_set_overflow_block(config, 20));
    rudder_client *client = client_from(config);
    CHECK_OK(rudder_client_enqueue(client, event_for("first"), NULL));
    CHECK_STATUS(rudder_client_enqueue(client, event_for("second"), NULL), RUDDER_QUEUE_FULL);
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_close(client, -1, &result));
    CHECK(result.delivered == 1 && result.dropped == 1);
    rudder_client_free(client);
}

static void test_event_too_large_for_client(void) {
    rudder_client_config *config = memory_config();
    CHECK_OK(rudder_client_config_set_max_event_bytes(config, 64));
    rudder_client *client = client_from(config);
    CHECK_STATUS(rudder_client_enqueue(client, event_for("g"), NULL), RUDDER_EVENT_TOO_LARGE);
    rudder_stats stats;
    CHECK_OK(rudder_client_stats(client, &stats));
    CHECK(stats.enqueued == 0);
    rudder_client_free(client);
}

static void test_group_validates_with_client_settings(void) {
    rudder_client_config *config = memory_config();
    rudder_client *strict = NULL;
    CHECK_OK(rudder_client_new(config, &strict));
    CHECK_OK(rudder_client_config_set_lenient(config, true));
    rudder_client *lenient = client_from(config);

    rudder_event_builder *b = NULL;
    rudder_issues *issues = NULL;
    char *id = NULL;
    CHECK_OK(rudder_event_builder_new("g", &b));
    CHECK_OK(rudder_event_builder_set_employees(b, -1));
    CHECK_STATUS(rudder_client_group(strict, b, &id, &issues), RUDDER_MISSING_IDENTITY);
    CHECK(id == NULL);
    CHECK(rudder_issues_count(issues) == 2);
    rudder_issue issue;
    CHECK_OK(rudder_issues_get(issues, 1, &issue));
    CHECK_STR(issue.path, "/traits/employees");
    rudder_issues_free(issues);

    CHECK_OK(rudder_event_builder_new("g", &b));
    CHECK_OK(rudder_event_builder_set_user_id(b, "u"));
    CHECK_OK(rudder_event_builder_set_employees(b, -1));
    CHECK_OK(rudder_client_group(lenient, b, &id, NULL));
    CHECK(id != NULL);
    rudder_string_free(id);
    CHECK_OK(rudder_client_close(lenient, -1, NULL));
    char *sent = NULL;
    CHECK_OK(rudder_client_sent_events_json(lenient, &sent));
    CHECK(contains(sent, "\"employees\":-1"));
    rudder_string_free(sent);
    rudder_client_free(strict);
    rudder_client_free(lenient);
}

int main(void) {
    RUN(test_enqueue_flush_and_outcomes);
    RUN(test_invalid_config);
    RUN(test_close);
    RUN(test_queue_full);
    RUN(test_overflow_block);
    RUN(test_event_too_large_for_client);
    RUN(test_group_validates_with_client_settings);
    return harness_finish("test_client");
}
