/*
 * Bad arguments for every function: NULL handles, NULL strings and NULL outputs answer
 * RUDDER_NULL_ARGUMENT; strings that are not UTF-8 answer RUDDER_INVALID_UTF8; an index past the
 * end answers RUDDER_INVALID_ARGUMENT. Nothing aborts, every message names the argument, and an
 * output is never written by a failed call.
 */
#include "harness.h"

#include <stdint.h>

/* Bytes that are not UTF-8. */
static const char BAD[] = {'o', 'k', (char)0xc3, '(', '\0'};

#define NULL_ARG(call, name)                                                                       \
    do {                                                                                           \
        CHECK_STATUS(call, RUDDER_NULL_ARGUMENT);                                                  \
        CHECK(contains(rudder_last_error_message(), name));                                        \
    } while (0)

#define BAD_UTF8(call, name)                                                                       \
    do {                                                                                           \
        CHECK_STATUS(call, RUDDER_INVALID_UTF8);                                                   \
        CHECK(contains(rudder_last_error_message(), name));                                        \
        CHECK(contains(rudder_last_error_message(), "offset 2"));                                  \
    } while (0)

typedef rudder_status (*string_setter)(rudder_event_builder *, const char *);
typedef rudder_status (*keyed_string_setter)(rudder_event_builder *, const char *, const char *);

static void test_builder_new(void) {
    rudder_event_builder *b = (rudder_event_builder *)BAD; /* a sentinel */
    NULL_ARG(rudder_event_builder_new(NULL, &b), "group_id");
    NULL_ARG(rudder_event_builder_new("g", NULL), "out");
    BAD_UTF8(rudder_event_builder_new(BAD, &b), "group_id");
    CHECK(b == (rudder_event_builder *)BAD);
}

static void test_string_setters(void) {
    const string_setter setters[] = {
        rudder_event_builder_set_user_id,
        rudder_event_builder_set_anonymous_id,
        rudder_event_builder_set_message_id,
        rudder_event_builder_set_original_timestamp,
        rudder_event_builder_set_context_json,
        rudder_event_builder_set_integrations_json,
        rudder_event_builder_set_name,
        rudder_event_builder_set_email,
        rudder_event_builder_set_phone,
        rudder_event_builder_set_industry,
        rudder_event_builder_set_description,
        rudder_event_builder_set_plan,
        rudder_event_builder_set_website,
        rudder_event_builder_set_avatar,
        rudder_event_builder_set_id,
        rudder_event_builder_set_created_at,
        rudder_event_builder_set_employees_string,
        rudder_event_builder_set_address_city,
        rudder_event_builder_set_address_country,
        rudder_event_builder_set_address_postal_code,
        rudder_event_builder_set_address_state,
        rudder_event_builder_set_address_street,
        rudder_event_builder_set_trait_null,
        rudder_event_builder_remove_trait,
    };
    rudder_event_builder *b = NULL;
    CHECK_OK(rudder_event_builder_new("g", &b));
    for (size_t i = 0; i < sizeof setters / sizeof setters[0]; i++) {
        NULL_ARG(setters[i](NULL, "x"), "builder");
        CHECK_STATUS(setters[i](b, NULL), RUDDER_NULL_ARGUMENT);
        CHECK_STATUS(setters[i](b, BAD), RUDDER_INVALID_UTF8);
    }
    const keyed_string_setter keyed[] = {
        rudder_event_builder_set_trait_string,
        rudder_event_builder_set_trait_json,
        rudder_event_builder_set_address_field,
    };
    for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++) {
        NULL_ARG(keyed[i](NULL, "k", "1"), "builder");
        NULL_ARG(keyed[i](b, NULL, "1"), "key");
        NULL_ARG(keyed[i](b, "k", NULL),
                 keyed[i] == rudder_event_builder_set_trait_json ? "json" : "value");
        BAD_UTF8(keyed[i](b, BAD, "1"), "key");
    }
    NULL_ARG(rudder_event_builder_set_trait_int64(NULL, "k", 1), "builder");
    NULL_ARG(rudder_event_builder_set_trait_int64(b, NULL, 1), "key");
    BAD_UTF8(rudder_event_builder_set_trait_int64(b, BAD, 1), "key");
    NULL_ARG(rudder_event_builder_set_trait_double(b, NULL, 1.0), "key");
    BAD_UTF8(rudder_event_builder_set_trait_double(b, BAD, 1.0), "key");
    NULL_ARG(rudder_event_builder_set_trait_bool(b, NULL, true), "key");
    BAD_UTF8(rudder_event_builder_set_trait_bool(b, BAD, true), "key");
    NULL_ARG(rudder_event_builder_set_id_int64(NULL, 1), "builder");
    NULL_ARG(rudder_event_builder_set_employees(NULL, 1), "builder");
    NULL_ARG(rudder_event_builder_set_lenient(NULL, true), "builder");
    NULL_ARG(rudder_event_builder_set_max_event_bytes(NULL, 1), "builder");
    /* None of the refused calls changed the builder: it builds as a bare event would. */
    CHECK_OK(rudder_event_builder_set_user_id(b, "u"));
    rudder_event *event = NULL;
    CHECK_OK(rudder_event_builder_build(b, &event, NULL));
    char *json = NULL;
    CHECK_OK(rudder_event_to_json(event, &json));
    CHECK(contains(json, "\"traits\":{},"));
    rudder_string_free(json);
    rudder_event_free(event);
}

static void test_build(void) {
    rudder_event *event = (rudder_event *)BAD;
    rudder_issues *issues = (rudder_issues *)BAD;
    NULL_ARG(rudder_event_builder_build(NULL, &event, &issues), "builder");
    rudder_event_builder *b = NULL;
    CHECK_OK(rudder_event_builder_new("g", &b));
    /* The builder is consumed even when the output is NULL (a leak checker would see it). */
    NULL_ARG(rudder_event_builder_build(b, NULL, &issues), "out_event");
    CHECK(event == (rudder_event *)BAD && issues == (rudder_issues *)BAD);
}

static void test_event_functions(void) {
    rudder_event *event = (rudder_event *)BAD;
    rudder_issues *issues = (rudder_issues *)BAD;
    char *s = (char *)BAD;
    NULL_ARG(rudder_event_from_json(NULL, &event, &issues), "json");
    NULL_ARG(rudder_event_from_json("{}", NULL, &issues), "out_event");
    BAD_UTF8(rudder_event_from_json(BAD, &event, &issues), "json");
    NULL_ARG(rudder_event_from_json_with(NULL, false, 0, &event, &issues), "json");
    BAD_UTF8(rudder_event_from_json_with(BAD, true, 0, &event, &issues), "json");
    NULL_ARG(rudder_event_to_json(NULL, &s), "event");
    NULL_ARG(rudder_event_message_id(NULL, &s), "event");
    NULL_ARG(rudder_event_warnings(NULL, &issues), "event");
    NULL_ARG(rudder_event_clone(NULL, &event), "event");
    CHECK(event == (rudder_event *)BAD && issues == (rudder_issues *)BAD && s == (char *)BAD);

    rudder_event *real = NULL;
    CHECK_OK(rudder_event_from_json("{\"groupId\":\"g\",\"userId\":\"u\"}", &real, NULL));
    NULL_ARG(rudder_event_to_json(real, NULL), "out");
    NULL_ARG(rudder_event_message_id(real, NULL), "out");
    NULL_ARG(rudder_event_warnings(real, NULL), "out");
    NULL_ARG(rudder_event_clone(real, NULL), "out");
    rudder_event_free(real);
}

static void test_issue_functions(void) {
    rudder_issue issue;
    memset(&issue, 0, sizeof issue);
    CHECK(rudder_issues_count(NULL) == 0);
    NULL_ARG(rudder_issues_get(NULL, 0, &issue), "issues");
    rudder_issues *issues = NULL;
    CHECK_STATUS(rudder_event_from_json("1", &(rudder_event *){NULL}, &issues),
                 RUDDER_INVALID_JSON);
    NULL_ARG(rudder_issues_get(issues, 0, NULL), "out");
    CHECK_STATUS(rudder_issues_get(issues, 1, &issue), RUDDER_INVALID_ARGUMENT);
    CHECK_STATUS(rudder_issues_get(issues, SIZE_MAX, &issue), RUDDER_INVALID_ARGUMENT);
    CHECK(contains(rudder_last_error_message(), "out of range"));
    CHECK(issue.code_name == NULL);
    CHECK_OK(rudder_issues_get(issues, 0, &issue));
    CHECK_STR(issue.code_name, "INVALID_JSON");
    rudder_issues_free(issues);
}

static void test_config_functions(void) {
    rudder_client_config *config = (rudder_client_config *)BAD;
    NULL_ARG(rudder_client_config_new(NULL, "http://x", &config), "write_key");
    NULL_ARG(rudder_client_config_new("k", NULL, &config), "data_plane_url");
    NULL_ARG(rudder_client_config_new("k", "http://x", NULL), "out");
    BAD_UTF8(rudder_client_config_new(BAD, "http://x", &config), "write_key");
    BAD_UTF8(rudder_client_config_new("k", BAD, &config), "data_plane_url");
    CHECK(config == (rudder_client_config *)BAD);
    NULL_ARG(rudder_client_config_set_flush_at(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_flush_interval_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_max_batch_bytes(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_max_queue_events(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_max_queue_bytes(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_gzip(NULL, true), "config");
    NULL_ARG(rudder_client_config_set_gzip_level(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_connect_timeout_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_request_timeout_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_retry_max_attempts(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_retry_max_elapsed_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_retry_initial_backoff_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_retry_max_backoff_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_block_timeout_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_max_concurrent_requests(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_shutdown_timeout_ms(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_lenient(NULL, true), "config");
    NULL_ARG(rudder_client_config_set_max_event_bytes(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_memory_transport(NULL, true), "config");
    NULL_ARG(rudder_client_config_set_flush_at_exit(NULL, true), "config");
    NULL_ARG(rudder_client_config_set_overflow_drop_newest(NULL), "config");
    NULL_ARG(rudder_client_config_set_overflow_block(NULL, 1), "config");
    NULL_ARG(rudder_client_config_set_proxy(NULL, NULL), "config");
    NULL_ARG(rudder_client_config_set_outcome_callback(NULL, NULL, NULL), "config");
    CHECK_OK(rudder_client_config_new("k", "http://127.0.0.1:9", &config));
    BAD_UTF8(rudder_client_config_set_proxy(config, BAD), "proxy");
    CHECK_OK(rudder_client_config_set_proxy(config, NULL)); /* NULL: from the environment */
    rudder_client_config_free(config);
}

static void test_client_functions(void) {
    rudder_client *client = (rudder_client *)BAD;
    rudder_stats stats;
    memset(&stats, 0xab, sizeof stats);
    rudder_flush_result result = {7, 7, 7};
    char *s = (char *)BAD;
    NULL_ARG(rudder_client_new(NULL, &client), "config");
    CHECK(client == (rudder_client *)BAD);
    rudder_event *event = NULL;
    CHECK_OK(rudder_event_from_json("{\"groupId\":\"g\",\"userId\":\"u\"}", &event, NULL));
    /* The event is consumed even when the client is NULL. */
    NULL_ARG(rudder_client_enqueue(NULL, event, &s), "client");
    rudder_event_builder *b = NULL;
    CHECK_OK(rudder_event_builder_new("g", &b));
    NULL_ARG(rudder_client_group(NULL, b, &s, NULL), "client");
    NULL_ARG(rudder_client_flush(NULL, 0, &result), "client");
    NULL_ARG(rudder_client_close(NULL, 0, &result), "client");
    NULL_ARG(rudder_client_stats(NULL, &stats), "client");
    NULL_ARG(rudder_client_sent_events_json(NULL, &s), "client");
    CHECK(!rudder_client_is_closed(NULL));
    CHECK(s == (char *)BAD && result.delivered == 7 && stats.enqueued != 0);

    rudder_client_config *config = NULL;
    CHECK_OK(rudder_client_config_new("k", "http://127.0.0.1:9", &config));
    CHECK_OK(rudder_client_config_set_memory_transport(config, true));
    NULL_ARG(rudder_client_new(config, NULL), "out");
    CHECK_OK(rudder_client_new(config, &client));
    rudder_client_config_free(config);
    NULL_ARG(rudder_client_enqueue(client, NULL, &s), "event");
    NULL_ARG(rudder_client_group(client, NULL, &s, NULL), "builder");
    NULL_ARG(rudder_client_stats(client, NULL), "out");
    NULL_ARG(rudder_client_sent_events_json(client, NULL), "out");
    CHECK(s == (char *)BAD);
    CHECK_OK(rudder_client_flush(client, -1, NULL)); /* the result is optional */
    CHECK_OK(rudder_client_close(client, -1, NULL));
    rudder_client_free(client);
}

static void test_outcome_functions(void) {
    rudder_outcome_kind kind = RUDDER_OUTCOME_FAILED;
    NULL_ARG(rudder_outcome_get_kind(NULL, &kind), "outcome");
    CHECK(kind == RUDDER_OUTCOME_FAILED);
    CHECK(rudder_outcome_http_status(NULL) == 0);
    CHECK(rudder_outcome_body(NULL) == NULL);
    CHECK(rudder_outcome_reason(NULL) == NULL);
    CHECK(rudder_outcome_attempts(NULL) == 0);
    CHECK(rudder_outcome_message_id_count(NULL) == 0);
    CHECK(rudder_outcome_message_id(NULL, 0) == NULL);
}

int main(void) {
    RUN(test_builder_new);
    RUN(test_string_setters);
    RUN(test_build);
    RUN(test_event_functions);
    RUN(test_issue_functions);
    RUN(test_config_functions);
    RUN(test_client_functions);
    RUN(test_outcome_functions);
    return harness_finish("test_arguments");
}
