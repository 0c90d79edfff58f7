/*
 * The event side of the C ABI: statuses and their numbers, the builder, parsing, issues,
 * NULL arguments, invalid UTF-8, outputs written only on success, and ownership round trips.
 */
#include "harness.h"

#include <math.h>
#include <stdint.h>

#define MESSAGE_ID "3f1a0c52-8d2e-4d8a-9f4e-7d1f2b6c9a10"
#define TIMESTAMP "2022-02-01T19:14:18.381Z"
#define LIBRARY                                                                                    \
    "{\"library\":{\"name\":\"rudder-group-c\",\"version\":\"" RUDDER_GROUP_VERSION "\"}}"

/* The stable numbers are part of the ABI. */
_Static_assert(RUDDER_OK == 0, "OK");
_Static_assert(RUDDER_MISSING_GROUP_ID == 1, "codes keep the core's numbers");
_Static_assert(RUDDER_INVALID_JSON == 10, "codes keep the core's numbers");
_Static_assert(RUDDER_CLIENT_CLOSED == 101, "codes keep the core's numbers");
_Static_assert(RUDDER_INVALID_CONFIG == 105, "codes keep the core's numbers");
_Static_assert(RUDDER_NULL_ARGUMENT == 200, "interface statuses start at 200");

/* A builder with the pinned id and timestamp and a user. */
static rudder_event_builder *pinned(const char *group_id) {
    rudder_event_builder *b = NULL;
    CHECK_OK(rudder_event_builder_new(group_id, &b));
    CHECK_OK(rudder_event_builder_set_user_id(b, "u1"));
    CHECK_OK(rudder_event_builder_set_message_id(b, MESSAGE_ID));
    CHECK_OK(rudder_event_builder_set_original_timestamp(b, TIMESTAMP));
    return b;
}

/* Builds and returns the canonical JSON (caller frees), or NULL when refused. */
static char *build_json(rudder_event_builder *b) {
    rudder_event *event = NULL;
    char *json = NULL;
    if (rudder_event_builder_build(b, &event, NULL) == RUDDER_OK) {
        CHECK_OK(rudder_event_to_json(event, &json));
    }
    rudder_event_free(event);
    return json;
}

static void test_version(void) {
    CHECK_STR(rudder_version(), RUDDER_GROUP_VERSION);
    char composed[64];
    snprintf(composed, sizeof composed, "%d.%d.%d", RUDDER_GROUP_VERSION_MAJOR,
             RUDDER_GROUP_VERSION_MINOR, RUDDER_GROUP_VERSION_PATCH);
    CHECK_STR(composed, RUDDER_GROUP_VERSION);
}

static void test_status_names(void) {
    CHECK_STR(rudder_status_name(RUDDER_OK), "OK");
    CHECK_STR(rudder_status_name(RUDDER_MISSING_GROUP_ID), "MISSING_GROUP_ID");
    CHECK_STR(rudder_status_name(RUDDER_MISSING_IDENTITY), "MISSING_IDENTITY");
    CHECK_STR(rudder_status_name(RUDDER_INVALID_FIELD_TYPE), "INVALID_FIELD_TYPE");
    CHECK_STR(rudder_status_name(RUDDER_INVALID_TRAIT), "INVALID_TRAIT");
    CHECK_STR(rudder_status_name(RUDDER_INVALID_TIMESTAMP), "INVALID_TIMESTAMP");
    CHECK_STR(rudder_status_name(RUDDER_NON_FINITE_NUMBER), "NON_FINITE_NUMBER");
    CHECK_STR(rudder_status_name(RUDDER_UNSUPPORTED_VALUE), "UNSUPPORTED_VALUE");
    CHECK_STR(rudder_status_name(RUDDER_TOO_DEEP), "TOO_DEEP");
    CHECK_STR(rudder_status_name(RUDDER_EVENT_TOO_LARGE), "EVENT_TOO_LARGE");
    CHECK_STR(rudder_status_name(RUDDER_INVALID_JSON), "INVALID_JSON");
    CHECK_STR(rudder_status_name(RUDDER_CLIENT_CLOSED), "CLIENT_CLOSED");
    CHECK_STR(rudder_status_name(RUDDER_QUEUE_FULL), "QUEUE_FULL");
    CHECK_STR(rudder_status_name(RUDDER_FLUSH_TIMEOUT), "FLUSH_TIMEOUT");
    CHECK_STR(rudder_status_name(RUDDER_DELIVERY_FAILED), "DELIVERY_FAILED");
    CHECK_STR(rudder_status_name(RUDDER_INVALID_CONFIG), "INVALID_CONFIG");
    CHECK_STR(rudder_status_name(RUDDER_NULL_ARGUMENT), "NULL_ARGUMENT");
    CHECK_STR(rudder_status_name(RUDDER_INVALID_UTF8), "INVALID_UTF8");
    CHECK_STR(rudder_status_name(RUDDER_INVALID_ARGUMENT), "INVALID_ARGUMENT");
    CHECK_STR(rudder_status_name(RUDDER_PANIC), "PANIC");
    CHECK_STR(rudder_status_name(11), "UNKNOWN");
    CHECK_STR(rudder_status_name(UINT32_MAX), "UNKNOWN");
    CHECK_STR(rudder_outcome_kind_name(RUDDER_OUTCOME_DELIVERED), "delivered");
    CHECK_STR(rudder_outcome_kind_name(RUDDER_OUTCOME_FAILED), "failed");
    CHECK_STR(rudder_outcome_kind_name(RUDDER_OUTCOME_DROPPED), "dropped");
    CHECK_STR(rudder_outcome_kind_name(3), "unknown");
}

static void test_last_error_message(void) {
    rudder_event_builder *b = NULL;
    CHECK_STATUS(rudder_event_builder_new(NULL, &b), RUDDER_NULL_ARGUMENT);
    CHECK_STR(rudder_last_error_message(), "group_id is NULL");
    CHECK_OK(rudder_event_builder_new("g", &b));
    CHECK_STR(rudder_last_error_message(), "");
    rudder_event_builder_free(b);
}

static void test_builder_every_setter(void) {
    rudder_event_builder *b = pinned("12345");
    CHECK_OK(rudder_event_builder_set_anonymous_id(b, "anon-1"));
    CHECK_OK(rudder_event_builder_set_id(b, "g-1"));
    CHECK_OK(rudder_event_builder_set_name(b, "Acme"));
    CHECK_OK(rudder_event_builder_set_email(b, "ops@acme.test"));
    CHECK_OK(rudder_event_builder_set_phone(b, "+1 555 0100"));
    CHECK_OK(rudder_event_builder_set_industry(b, "IT"));
    CHECK_OK(rudder_event_builder_set_description(b, "Widgets"));
    CHECK_OK(rudder_event_builder_set_plan(b, "enterprise"));
    CHECK_OK(rudder_event_builder_set_website(b, "https://acme.test"));
    CHECK_OK(rudder_event_builder_set_avatar(b, "https://acme.test/a.png"));
    CHECK_OK(rudder_event_builder_set_address_city(b, "Paris"));
    CHECK_OK(rudder_event_builder_set_address_country(b, "FR"));
    CHECK_OK(rudder_event_builder_set_address_postal_code(b, "75001"));
    CHECK_OK(rudder_event_builder_set_address_state(b, "IDF"));
    CHECK_OK(rudder_event_builder_set_address_street(b, "1 rue de Rivoli"));
    CHECK_OK(rudder_event_builder_set_address_field(b, "region", "EU"));
    CHECK_OK(rudder_event_builder_set_created_at(b, "2024-01-31"));
    CHECK_OK(rudder_event_builder_set_employees(b, 450));
    CHECK_OK(rudder_event_builder_set_trait_string(b, "tier", "gold"));
    CHECK_OK(rudder_event_builder_set_trait_int64(b, "seats", INT64_MIN));
    CHECK_OK(rudder_event_builder_set_trait_double(b, "score", 1.5));
    CHECK_OK(rudder_event_builder_set_trait_bool(b, "trial", true));
    CHECK_OK(rudder_event_builder_set_trait_null(b, "plan_end"));
    CHECK_OK(
        rudder_event_builder_set_trait_json(b, "tags", "[\"a\",{\"b\":12345678901234567890}]"));
    CHECK_OK(rudder_event_builder_set_context_json(b, "{\"ip\":\"10.0.0.1\"}"));
    CHECK_OK(rudder_event_builder_set_integrations_json(b, "{\"All\":false,\"Amplitude\":true}"));
    char *json = build_json(b);
    CHECK_STR(json, "{\"type\":\"group\",\"messageId\":\"" MESSAGE_ID "\",\"groupId\":\"12345\","
                    "\"userId\":\"u1\",\"anonymousId\":\"anon-1\",\"traits\":{\"id\":\"g-1\","
                    "\"name\":\"Acme\",\"email\":\"ops@acme.test\",\"phone\":\"+1 555 0100\","
                    "\"industry\":\"IT\",\"description\":\"Widgets\",\"plan\":\"enterprise\","
                    "\"website\":\"https://acme.test\",\"avatar\":\"https://acme.test/a.png\","
                    "\"address\":{\"city\":\"Paris\",\"country\":\"FR\",\"postalCode\":\"75001\","
                    "\"state\":\"IDF\",\"street\":\"1 rue de Rivoli\",\"region\":\"EU\"},"
                    "\"createdAt\":\"2024-01-31\",\"employees\":450,\"tier\":\"gold\","
                    "\"seats\":-9223372036854775808,\"score\":1.5,\"trial\":true,\"plan_end\":null,"
                    "\"tags\":[\"a\",{\"b\":12345678901234567890}]},"
                    "\"context\":{\"ip\":\"10.0.0.1\",\"library\":{\"name\":\"rudder-group-c\","
                    "\"version\":\"" RUDDER_GROUP_VERSION "\"}},"
                    "\"integrations\":{\"All\":false,\"Amplitude\":true},"
                    "\"originalTimestamp\":\"" TIMESTAMP "\",\"channel\":\"server\"}");
    rudder_string_free(json);
}

static void test_builder_typed_alternatives(void) {
    rudder_event_builder *b = pinned("g");
    CHECK_OK(rudder_event_builder_set_id_int64(b, 42));
    CHECK_OK(rudder_event_builder_set_employees_string(b, "100-500"));
    CHECK_OK(rudder_event_builder_set_trait_string(b, "first", "1"));
    CHECK_OK(rudder_event_builder_set_trait_string(b, "second", "2"));
    CHECK_OK(rudder_event_builder_set_trait_int64(b, "first", 3)); /* replaced in place */
    CHECK_OK(rudder_event_builder_remove_trait(b, "second"));
    CHECK_OK(rudder_event_builder_remove_trait(b, "never-set"));
    CHECK_OK(rudder_event_builder_set_trait_json(b, "address", "\"not an object\""));
    CHECK_OK(rudder_event_builder_set_address_city(b, "Oslo")); /* becomes an object */
    char *json = build_json(b);
    CHECK_STR(json, "{\"type\":\"group\",\"messageId\":\"" MESSAGE_ID "\",\"groupId\":\"g\","
                    "\"userId\":\"u1\",\"traits\":{\"id\":42,\"employees\":\"100-500\","
                    "\"first\":3,\"address\":{\"city\":\"Oslo\"}},\"context\":" LIBRARY ","
                    "\"integrations\":{\"All\":true},\"originalTimestamp\":\"" TIMESTAMP "\","
                    "\"channel\":\"server\"}");
    rudder_string_free(json);
}

static void test_build_reports_every_problem(void) {
    rudder_event_builder *b = NULL;
    CHECK_OK(rudder_event_builder_new("  ", &b));
    CHECK_OK(rudder_event_builder_set_original_timestamp(b, "yesterday"));
    CHECK_OK(rudder_event_builder_set_employees(b, -3));
    CHECK_OK(rudder_event_builder_set_trait_double(b, "ratio", NAN));
    CHECK_OK(rudder_event_builder_set_trait_double(b, "fixed", INFINITY));
    CHECK_OK(rudder_event_builder_set_trait_double(b, "fixed", 2.0)); /* clears its problem */
    CHECK_OK(rudder_event_builder_set_context_json(b, "[1]"));
    rudder_event *event = (rudder_event *)&b; /* a sentinel: must stay untouched */
    rudder_issues *issues = NULL;
    /* The status is the first error's code; values the binding could not convert come first,
     * then the core's checks in field order. */
    CHECK_STATUS(rudder_event_builder_build(b, &event, &issues), RUDDER_NON_FINITE_NUMBER);
    CHECK(event == (rudder_event *)&b);
    CHECK(contains(rudder_last_error_message(), "6 problems"));
    struct {
        rudder_status code;
        const char *name;
        const char *path;
    } want[] = {
        {RUDDER_NON_FINITE_NUMBER, "NON_FINITE_NUMBER", "/traits/ratio"},
        {RUDDER_MISSING_GROUP_ID, "MISSING_GROUP_ID", "/groupId"},
        {RUDDER_MISSING_IDENTITY, "MISSING_IDENTITY", "/userId"},
        {RUDDER_INVALID_TRAIT, "INVALID_TRAIT", "/traits/employees"},
        {RUDDER_INVALID_FIELD_TYPE, "INVALID_FIELD_TYPE", "/context"},
        {RUDDER_INVALID_TIMESTAMP, "INVALID_TIMESTAMP", "/originalTimestamp"},
    };
    size_t n = sizeof want / sizeof want[0];
    CHECK(rudder_issues_count(issues) == n);
    for (size_t i = 0; i < n && i < rudder_issues_count(issues); i++) {
        rudder_issue issue;
        CHECK_OK(rudder_issues_get(issues, i, &issue));
        CHECK(issue.code == want[i].code);
        CHECK_STR(issue.code_name, want[i].name);
        CHECK_STR(issue.path, want[i].path);
        CHECK(issue.message[0] != '\0');
        CHECK(!issue.is_warning);
    }
    rudder_issue first;
    CHECK_OK(rudder_issues_get(issues, 0, &first));
    /* The core's wording, the same in every binding. */
    CHECK_STR(first.message, "NaN is not a finite number; JSON cannot carry NaN or Infinity");
    rudder_issue untouched = first;
    CHECK_STATUS(rudder_issues_get(issues, n, &untouched), RUDDER_INVALID_ARGUMENT);
    CHECK(untouched.code == first.code && untouched.path == first.path);
    rudder_issues_free(issues);
}

static void test_lenient_warnings(void) {
    rudder_event_builder *b = pinned("g");
    CHECK_OK(rudder_event_builder_set_lenient(b, true));
    CHECK_OK(rudder_event_builder_set_trait_int64(b, "website", 7));
    rudder_event *event = NULL;
    CHECK_OK(rudder_event_builder_build(b, &event, NULL));
    rudder_issues *warnings = NULL;
    CHECK_OK(rudder_event_warnings(event, &warnings));
    CHECK(rudder_issues_count(warnings) == 1);
    rudder_issue w;
    CHECK_OK(rudder_issues_get(warnings, 0, &w));
    CHECK(w.code == RUDDER_INVALID_TRAIT && w.is_warning);
    CHECK_STR(w.path, "/traits/website");
    rudder_issues_free(warnings);
    rudder_event_free(event);
}

static void test_max_event_bytes(void) {
    rudder_event_builder *b = pinned("g");
    CHECK_OK(rudder_event_builder_set_max_event_bytes(b, 100));
    CHECK_STATUS(rudder_event_builder_build(b, &(rudder_event *){NULL}, NULL),
                 RUDDER_EVENT_TOO_LARGE);
    b = pinned("g");
    CHECK_OK(rudder_event_builder_set_max_event_bytes(b, 100));
    CHECK_OK(rudder_event_builder_set_max_event_bytes(b, 0)); /* back to the default */
    char *json = build_json(b);
    CHECK(json != NULL);
    rudder_string_free(json);
}

static void test_json_fragments(void) {
    rudder_event_builder *b = pinned("g");
    CHECK_STATUS(rudder_event_builder_set_trait_json(b, "x", "{nope"), RUDDER_INVALID_JSON);
    CHECK(contains(rudder_last_error_message(), "/traits/x"));
    CHECK_STATUS(rudder_event_builder_set_context_json(b, ""), RUDDER_INVALID_JSON);
    CHECK_STATUS(rudder_event_builder_set_integrations_json(b, "{\"a\":}"), RUDDER_INVALID_JSON);
    char deep[400];
    memset(deep, '[', 300);
    deep[300] = '\0';
    CHECK_STATUS(rudder_event_builder_set_trait_json(b, "deep", deep), RUDDER_TOO_DEEP);
    /* The builder is unchanged by the refused calls. */
    char *json = build_json(b);
    CHECK_STR(json, "{\"type\":\"group\",\"messageId\":\"" MESSAGE_ID "\",\"groupId\":\"g\","
                    "\"userId\":\"u1\",\"traits\":{},\"context\":" LIBRARY ","
                    "\"integrations\":{\"All\":true},\"originalTimestamp\":\"" TIMESTAMP "\","
                    "\"channel\":\"server\"}");
    rudder_string_free(json);
}

static void test_parse(void) {
    const char *text = "{\"groupId\":\"g\",\"anonymousId\":\"a\",\"messageId\":\"m-1\","
                       "\"originalTimestamp\":\"2022-02-01T20:14:18.381+01:00\",\"extra\":[1]}";
    rudder_event *event = NULL;
    CHECK_OK(rudder_event_from_json(text, &event, NULL));
    char *json = NULL, *id = NULL;
    CHECK_OK(rudder_event_to_json(event, &json));
    CHECK_STR(json, "{\"type\":\"group\",\"messageId\":\"m-1\",\"groupId\":\"g\","
                    "\"anonymousId\":\"a\",\"traits\":{},\"context\":" LIBRARY ","
                    "\"integrations\":{\"All\":true},\"originalTimestamp\":\"" TIMESTAMP "\","
                    "\"channel\":\"server\",\"extra\":[1]}");
    CHECK_OK(rudder_event_message_id(event, &id));
    CHECK_STR(id, "m-1");
    rudder_string_free(id);
    rudder_string_free(json);
    rudder_event_free(event);

    rudder_issues *issues = NULL;
    event = NULL;
    CHECK_STATUS(rudder_event_from_json("[]", &event, &issues), RUDDER_INVALID_JSON);
    CHECK(event == NULL);
    CHECK(rudder_issues_count(issues) == 1);
    rudder_issues_free(issues);
    CHECK_STATUS(rudder_event_from_json("{", &event, NULL), RUDDER_INVALID_JSON);
    CHECK_STATUS(rudder_event_from_json_with("{\"groupId\":\"g\",\"userId\":\"u\","
                                             "\"traits\":{\"employees\":\"x\",\"website\":1}}",
                                             true, 0, &event, NULL),
                 RUDDER_OK);
    rudder_issues *warnings = NULL;
    CHECK_OK(rudder_event_warnings(event, &warnings));
    CHECK(rudder_issues_count(warnings) == 1);
    rudder_issues_free(warnings);
    rudder_event_free(event);
    CHECK_STATUS(rudder_event_from_json_with("{\"groupId\":\"g\",\"userId\":\"u\"}", false, 64,
                                             &event, NULL),
                 RUDDER_EVENT_TOO_LARGE);
}

static void test_ownership_round_trip(void) {
    rudder_event_builder *b = pinned("round-trip");
    CHECK_OK(rudder_event_builder_set_trait_json(b, "n", "{\"exact\":0.10000000000000000001}"));
    rudder_event *event = NULL, *copy = NULL, *parsed = NULL;
    CHECK_OK(rudder_event_builder_build(b, &event, NULL));
    CHECK_OK(rudder_event_clone(event, &copy));
    char *first = NULL, *second = NULL, *third = NULL;
    CHECK_OK(rudder_event_to_json(event, &first));
    rudder_event_free(event); /* the copy lives on its own */
    CHECK_OK(rudder_event_to_json(copy, &second));
    CHECK_STR(second, first);
    CHECK_OK(rudder_event_from_json(second, &parsed, NULL));
    CHECK_OK(rudder_event_to_json(parsed, &third));
    CHECK_STR(third, first);
    CHECK(contains(third, "0.10000000000000000001"));
    rudder_string_free(first);
    rudder_string_free(second);
    rudder_string_free(third);
    rudder_event_free(copy);
    rudder_event_free(parsed);
    /* A builder may be freed unbuilt; every _free accepts NULL. */
    rudder_event_builder_free(pinned("unbuilt"));
    rudder_event_builder_free(NULL);
    rudder_event_free(NULL);
    rudder_issues_free(NULL);
    rudder_string_free(NULL);
    rudder_client_config_free(NULL);
    rudder_client_free(NULL);
}

static void test_unicode_and_nul_in_keys(void) {
    rudder_event_builder *b = pinned("g\xc3\xa9");
    CHECK_OK(rudder_event_builder_set_trait_string(b, "caf\xc3\xa9", "\xf0\x9f\x9a\x80"));
    CHECK_OK(rudder_event_builder_set_trait_json(b, "k", "{\"a\\u0000b\":1e999}"));
    rudder_issues *issues = NULL;
    CHECK_STATUS(rudder_event_builder_build(b, &(rudder_event *){NULL}, &issues),
                 RUDDER_NON_FINITE_NUMBER);
    rudder_issue issue;
    CHECK_OK(rudder_issues_get(issues, 0, &issue));
    /* A NUL inside a path is spelled out, so the C string is not cut short. */
    CHECK_STR(issue.path, "/traits/k/a\\u0000b");
    rudder_issues_free(issues);
}

int main(void) {
    RUN(test_version);
    RUN(test_status_names);
    RUN(test_last_error_message);
    RUN(test_builder_every_setter);
    RUN(test_builder_typed_alternatives);
    RUN(test_build_reports_every_problem);
    RUN(test_lenient_warnings);
    RUN(test_max_event_bytes);
    RUN(test_json_fragments);
    RUN(test_parse);
    RUN(test_ownership_round_trip);
    RUN(test_unicode_and_nul_in_keys);
    return harness_finish("test_events");
}
