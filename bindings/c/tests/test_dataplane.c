/*
 * The client against the local data plane (`rudder-group serve`, its URL in RUDDER_DATA_PLANE_URL):
 * delivery in batches, outcomes through the callback with HTTP status and body, retries, terminal
 * failures, a wrong write key, flush timeouts, gzip on and off, delivery when the client is
 * freed, the durable spool, and the log callback. The data plane's admin API is read with curl.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "admin.h"
#include "collector.h"

static const char *url;
static collector outcomes;

static void admin_do(const char *method, const char *path, const char *body) {
    char *out = admin(url, method, path, body);
    CHECK(out != NULL);
    free(out);
}

/* A config for the data plane, with small backoffs and outcomes going to `outcomes`. */
static rudder_client_config *dataplane_config(const char *write_key) {
    admin_do("POST", "/_rudder_group/reset", NULL);
    collector_reset(&outcomes);
    rudder_client_config *config = NULL;
    CHECK_OK(rudder_client_config_new(write_key, url, &config));
    CHECK_OK(rudder_client_config_set_outcome_callback(config, collect, &outcomes));
    CHECK_OK(rudder_client_config_set_retry_initial_backoff_ms(config, 5));
    CHECK_OK(rudder_client_config_set_retry_max_backoff_ms(config, 20));
    return config;
}

static rudder_client *client_from(rudder_client_config *config) {
    rudder_client *client = NULL;
    CHECK_OK(rudder_client_new(config, &client));
    rudder_client_config_free(config);
    return client;
}

/* Enqueues one event for `group_id`; returns its messageId (caller frees). */
static char *send_one(rudder_client *client, const char *group_id) {
    rudder_event_builder *b = NULL;
    rudder_event *event = NULL;
    char *id = NULL;
    CHECK_OK(rudder_event_builder_new(group_id, &b));
    CHECK_OK(rudder_event_builder_set_user_id(b, "user-1"));
    CHECK_OK(rudder_event_builder_set_name(b, "Acme \xe2\x98\x83"));
    CHECK_OK(rudder_event_builder_set_employees(b, 450));
    CHECK_OK(rudder_event_builder_build(b, &event, NULL));
    CHECK_OK(rudder_client_enqueue(client, event, &id));
    return id;
}

static void test_delivery_in_batches(void) {
    rudder_client_config *config = dataplane_config("test-write-key");
    CHECK_OK(rudder_client_config_set_flush_at(config, 10));
    rudder_client *client = client_from(config);
    char *ids[25];
    for (int i = 0; i < 25; i++) {
        ids[i] = send_one(client, "g-batch");
    }
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.delivered == 25 && result.failed == 0 && result.dropped == 0);
    rudder_stats stats;
    CHECK_OK(rudder_client_stats(client, &stats));
    /* A batch is due at 10 events and takes the whole backlog when more wait; the flush sends
     * the rest. One request and one outcome per batch. */
    CHECK(stats.delivered == 25 && stats.batches >= 1 && stats.batches <= 3);
    CHECK(stats.bytes > 0 && stats.queued == 0);
    CHECK(atomic_load(&outcomes.ids) == 25);
    size_t n = atomic_load(&outcomes.outcomes);
    CHECK(n == stats.batches);
    for (size_t i = 0; i < n && i < MAX_OUTCOMES; i++) {
        CHECK(outcomes.records[i].kind == RUDDER_OUTCOME_DELIVERED);
        CHECK(outcomes.records[i].status == 200);
        CHECK(outcomes.records[i].has_body);
        CHECK(i + 1 == n || outcomes.records[i].id_count >= 10);
    }
    char *events = admin(url, "GET", "/_rudder_group/events", NULL);
    for (int i = 0; i < 25; i++) {
        CHECK(collector_saw(&outcomes, ids[i], RUDDER_OUTCOME_DELIVERED));
        CHECK(contains(events, ids[i]));
        rudder_string_free(ids[i]);
    }
    CHECK(contains(events, "\"name\":\"rudder-group-c\""));
    CHECK(contains(events, "\"receivedAt\""));
    CHECK(contains(events, "Acme \xe2\x98\x83"));
    free(events);
    char *requests = admin(url, "GET", "/_rudder_group/requests", NULL);
    CHECK(contains(requests, "\"content-encoding\":\"gzip\""));
    CHECK(contains(requests, "\"user-agent\":\"rudder-group-c/" RUDDER_GROUP_VERSION "\""));
    /* Basic auth: base64("test-write-key:"). */
    CHECK(contains(requests, "\"authorization\":\"Basic dGVzdC13cml0ZS1rZXk6\""));
    free(requests);
    rudder_client_free(client);
}

static void test_gzip_off(void) {
    rudder_client_config *config = dataplane_config("test-write-key");
    CHECK_OK(rudder_client_config_set_gzip(config, false));
    rudder_client *client = client_from(config);
    char *id = send_one(client, "g-plain");
    CHECK_OK(rudder_client_close(client, -1, NULL));
    char *requests = admin(url, "GET", "/_rudder_group/requests", NULL);
    CHECK(contains(requests, id));
    CHECK(requests != NULL && !contains(requests, "\"content-encoding\""));
    free(requests);
    rudder_string_free(id);
    rudder_client_free(client);
}

static void test_terminal_failure(void) {
    rudder_client *client = client_from(dataplane_config("test-write-key"));
    admin_do("POST", "/_rudder_group/faults", "{\"status\":400,\"next\":1}");
    char *id = send_one(client, "g-fail");
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.failed == 1 && result.delivered == 0);
    CHECK(atomic_load(&outcomes.outcomes) == 1);
    outcome_record *r = &outcomes.records[0];
    CHECK(r->kind == RUDDER_OUTCOME_FAILED && r->status == 400 && r->attempts == 1);
    CHECK(r->has_body && r->reason[0] != '\0');
    CHECK(collector_saw(&outcomes, id, RUDDER_OUTCOME_FAILED));
    rudder_string_free(id);
    rudder_client_free(client);
}

static void test_retries_then_delivery(void) {
    rudder_client *client = client_from(dataplane_config("test-write-key"));
    admin_do("POST", "/_rudder_group/faults", "{\"status\":503,\"next\":1}");
    admin_do("POST", "/_rudder_group/faults", "{\"status\":429,\"next\":1}");
    char *id = send_one(client, "g-retry");
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.delivered == 1);
    rudder_stats stats;
    CHECK_OK(rudder_client_stats(client, &stats));
    CHECK(stats.retried == 2 && stats.batches == 3 && stats.throttled == 1);
    CHECK(outcomes.records[0].kind == RUDDER_OUTCOME_DELIVERED);
    CHECK(outcomes.records[0].attempts == 3);
    char *events = admin(url, "GET", "/_rudder_group/events", NULL);
    CHECK(contains(events, id));
    free(events);
    rudder_string_free(id);
    rudder_client_free(client);
}

static void test_wrong_write_key(void) {
    rudder_client *client = client_from(dataplane_config("not-a-key"));
    char *id = send_one(client, "g-key");
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.failed == 1);
    CHECK(outcomes.records[0].status == 401);
    CHECK(contains(outcomes.records[0].body, "invalid write key"));
    rudder_string_free(id);
    rudder_client_free(client);
}

/* Log lines, kept by a callback that several lanes may call at once. */
#define MAX_LINES 16
static struct {
    pthread_mutex_t lock;
    size_t count;
    rudder_log_level level[MAX_LINES];
    char line[MAX_LINES][256];
} logs = {PTHREAD_MUTEX_INITIALIZER, 0, {0}, {{0}}};

static void keep_line(rudder_log_level level, const char *message, void *user_data) {
    CHECK(user_data == &logs);
    pthread_mutex_lock(&logs.lock);
    if (logs.count < MAX_LINES) {
        logs.level[logs.count] = level;
        snprintf(logs.line[logs.count], sizeof logs.line[0], "%s", message);
        logs.count++;
    }
    pthread_mutex_unlock(&logs.lock);
}

/* The lines of one level, in order, joined by newlines. */
static void lines_of(rudder_log_level level, char *out, size_t cap) {
    out[0] = '\0';
    pthread_mutex_lock(&logs.lock);
    for (size_t i = 0; i < logs.count; i++) {
        if (logs.level[i] == level) {
            strncat(out, logs.line[i], cap - strlen(out) - 2);
            strcat(out, "\n");
        }
    }
    pthread_mutex_unlock(&logs.lock);
}

static void test_log_callback(void) {
    rudder_client_config *config = dataplane_config("a-secret-write-key");
    CHECK_OK(rudder_client_config_set_log_callback(config, keep_line, &logs));
    rudder_client *client = client_from(config);
    admin_do("POST", "/_rudder_group/faults", "{\"status\":503,\"next\":1}");
    char *id = send_one(client, "g-log");
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.failed == 1); /* the 503 is retried, then the wrong key is refused */
    char debug[2048], warn[1024];
    lines_of(RUDDER_LOG_DEBUG, debug, sizeof debug);
    lines_of(RUDDER_LOG_WARN, warn, sizeof warn);
    CHECK(contains(debug, "POST /v1/batch: 1 event, "));
    CHECK(contains(debug, "attempt 1: status 503 in "));
    CHECK(contains(debug, "retrying 1 event in "));
    CHECK(contains(debug, "attempt 2: status 401 in "));
    CHECK(contains(warn, "1 event failed after 2 attempts (status 401: "));
    CHECK(!contains(debug, "a-secret-write-key") && !contains(warn, "a-secret-write-key"));
    CHECK_STATUS(rudder_client_config_set_log_callback(NULL, keep_line, &logs),
                 RUDDER_NULL_ARGUMENT);
    rudder_string_free(id);
    rudder_client_free(client);
}

/* Outcomes of several lanes: the callback is never entered twice at once. */
static atomic_int inside, overlaps, calls;

static void one_at_a_time(const rudder_outcome *outcome, void *user_data) {
    (void)outcome;
    (void)user_data;
    if (atomic_fetch_add(&inside, 1) != 0) {
        atomic_fetch_add(&overlaps, 1);
    }
    struct timespec pause = {0, 2000000};
    nanosleep(&pause, NULL);
    atomic_fetch_add(&calls, 1);
    atomic_fetch_sub(&inside, 1);
}

static void test_outcome_callback_runs_one_at_a_time(void) {
    admin_do("POST", "/_rudder_group/reset", NULL);
    rudder_client_config *config = NULL;
    CHECK_OK(rudder_client_config_new("test-write-key", url, &config));
    CHECK_OK(rudder_client_config_set_outcome_callback(config, one_at_a_time, NULL));
    CHECK_OK(rudder_client_config_set_flush_at(config, 1));
    CHECK_OK(rudder_client_config_set_max_concurrent_requests(config, 8));
    rudder_client *client = client_from(config);
    for (int i = 0; i < 64; i++) {
        char user[32];
        snprintf(user, sizeof user, "user-%d", i);
        rudder_event_builder *b = NULL;
        rudder_event *event = NULL;
        char *id = NULL;
        CHECK_OK(rudder_event_builder_new("g", &b));
        CHECK_OK(rudder_event_builder_set_user_id(b, user));
        CHECK_OK(rudder_event_builder_build(b, &event, NULL));
        CHECK_OK(rudder_client_enqueue(client, event, &id));
        rudder_string_free(id);
    }
    rudder_flush_result result = {0, 0, 0};
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.delivered == 64);
    CHECK(atomic_load(&overlaps) == 0);
    CHECK(atomic_load(&calls) >= 8);
    rudder_client_free(client);
}

static void test_flush_timeout_keeps_events(void) {
    rudder_client *client = client_from(dataplane_config("test-write-key"));
    admin_do("POST", "/_rudder_group/faults", "{\"latency_ms\":1500,\"next\":1}");
    char *id = send_one(client, "g-slow");
    rudder_flush_result result = {9, 9, 9};
    CHECK_STATUS(rudder_client_flush(client, 50, &result), RUDDER_FLUSH_TIMEOUT);
    CHECK(result.delivered == 9); /* not written on failure */
    CHECK(contains(rudder_last_error_message(), "with 1 event not yet delivered"));
    CHECK_OK(rudder_client_flush(client, -1, &result));
    CHECK(result.delivered == 1);
    CHECK(collector_saw(&outcomes, id, RUDDER_OUTCOME_DELIVERED));
    rudder_string_free(id);
    rudder_client_free(client);
}

static void test_free_delivers_what_is_queued(void) {
    rudder_client_config *config = dataplane_config("test-write-key");
    CHECK_OK(rudder_client_config_set_flush_interval_ms(config, 600000));
    CHECK_OK(rudder_client_config_set_shutdown_timeout_ms(config, 10000));
    rudder_client *client = client_from(config);
    char *a = send_one(client, "g-free"), *b = send_one(client, "g-free");
    rudder_client_free(client);
    char *events = admin(url, "GET", "/_rudder_group/events", NULL);
    CHECK(contains(events, a) && contains(events, b));
    CHECK(collector_saw(&outcomes, a, RUDDER_OUTCOME_DELIVERED));
    free(events);
    rudder_string_free(a);
    rudder_string_free(b);
}

/* Counts the events of each outcome into a heap block the test frees right after the free. */
static void count_into(const rudder_outcome *outcome, void *user_data) {
    atomic_size_t *counts = user_data;
    rudder_outcome_kind kind = RUDDER_OUTCOME_DELIVERED;
    if (rudder_outcome_get_kind(outcome, &kind) == RUDDER_OK && (unsigned)kind <= 2) {
        atomic_fetch_add(&counts[kind], rudder_outcome_message_id_count(outcome));
    }
}

/* Waits until the data plane has answered `requests` requests (it counts one once answered). */
static void until_answered(uint64_t requests) {
    for (int i = 0; i < 3000; i++) {
        char *stats = admin(url, "GET", "/_rudder_group/stats", NULL);
        unsigned long long seen = 0;
        const char *at = stats ? strstr(stats, "\"requests\":") : NULL;
        int done = at != NULL && sscanf(at + strlen("\"requests\":"), "%llu", &seen) == 1 &&
                   seen >= requests;
        free(stats);
        if (done) {
            return;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
}

/* Sends `n` events through a client made from `config` (batches of 10) to a data plane that
 * answers every request after 3 s, and returns once a request is under way (counted, not
 * timed). */
static rudder_client *with_requests_under_way(rudder_client_config *config, int n) {
    admin_do("POST", "/_rudder_group/faults", "{\"latency_ms\":3000,\"fraction\":1.0}");
    CHECK_OK(rudder_client_config_set_flush_at(config, 10));
    rudder_client *client = client_from(config);
    for (int i = 0; i < n; i++) {
        rudder_string_free(send_one(client, "g-late"));
    }
    rudder_stats stats = {0};
    for (int i = 0; i < 3000 && stats.batches == 0; i++) {
        CHECK_OK(rudder_client_stats(client, &stats));
        nanosleep(&(struct timespec){0, 5 * 1000 * 1000}, NULL);
    }
    CHECK(stats.batches > 0);
    return client;
}

/* The data plane answers every request after 3 s; the client is freed (shutdown timeout 200
 * ms) once a request is under way. When rudder_client_free returns every event has been
 * reported dropped, and the callback never runs again: its user_data is freed at once, so a late
 * call is a use-after-free that ASan and valgrind report. */
static void test_free_out_of_time_reports_everything_before_it_returns(void) {
    rudder_client_config *config = dataplane_config("test-write-key");
    atomic_size_t *counts = calloc(3, sizeof *counts);
    CHECK(counts != NULL);
    CHECK_OK(rudder_client_config_set_outcome_callback(config, count_into, counts));
    CHECK_OK(rudder_client_config_set_max_concurrent_requests(config, 2));
    CHECK_OK(rudder_client_config_set_shutdown_timeout_ms(config, 200));
    rudder_client *client = with_requests_under_way(config, 40);
    rudder_stats stats = {0};
    CHECK_OK(rudder_client_stats(client, &stats));
    rudder_client_free(client);
    CHECK(atomic_load(&counts[RUDDER_OUTCOME_DROPPED]) == 40);
    CHECK(atomic_load(&counts[RUDDER_OUTCOME_DELIVERED]) == 0);
    free(counts);
    /* The late answers reach lanes that must report nothing. */
    until_answered(stats.batches);
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    admin_do("DELETE", "/_rudder_group/faults", NULL);
}

/* The same through rudder_client_close: FLUSH_TIMEOUT, with every outcome reported before it
 * returns, those of the requests under way as abandoned in flight. */
static void test_close_out_of_time_reports_everything_before_it_returns(void) {
    rudder_client *client = with_requests_under_way(dataplane_config("test-write-key"), 30);
    rudder_stats stats = {0};
    CHECK_STATUS(rudder_client_close(client, 200, NULL), RUDDER_FLUSH_TIMEOUT);
    CHECK(contains(rudder_last_error_message(), "30 reported dropped"));
    size_t at_return = atomic_load(&outcomes.ids);
    CHECK(at_return == 30);
    int abandoned = 0;
    for (size_t i = 0; i < atomic_load(&outcomes.outcomes) && i < MAX_OUTCOMES; i++) {
        abandoned +=
            strcmp(outcomes.records[i].reason, "abandoned in flight; may have been delivered") == 0;
    }
    CHECK(abandoned > 0);
    CHECK_OK(rudder_client_stats(client, &stats));
    until_answered(stats.batches);
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    CHECK(atomic_load(&outcomes.ids) == at_return);
    rudder_client_free(client);
    admin_do("DELETE", "/_rudder_group/faults", NULL);
}

/* Flush, close and free from inside the outcome and log callbacks: refused at once with
 * RUDDER_CALLED_FROM_CALLBACK (each would wait for the callback itself), the client untouched. */
static rudder_client *reentered;
static atomic_int refused_in_outcome, refused_in_log;

static void flush_from_outcome(const rudder_outcome *outcome, void *user_data) {
    (void)outcome;
    (void)user_data;
    if (rudder_client_flush(reentered, -1, NULL) == RUDDER_CALLED_FROM_CALLBACK &&
        rudder_client_close(reentered, -1, NULL) == RUDDER_CALLED_FROM_CALLBACK) {
        rudder_client_free(reentered);
        if (strstr(rudder_last_error_message(), "rudder_client_free was called from inside") !=
            NULL) {
            atomic_fetch_add(&refused_in_outcome, 1);
        }
    }
}

static void close_from_log(rudder_log_level level, const char *message, void *user_data) {
    (void)level;
    (void)message;
    (void)user_data;
    if (rudder_client_close(reentered, -1, NULL) == RUDDER_CALLED_FROM_CALLBACK) {
        atomic_fetch_add(&refused_in_log, 1);
    }
}

static void test_flush_close_free_from_callbacks_are_refused(void) {
    rudder_client_config *config = dataplane_config("test-write-key");
    CHECK_OK(rudder_client_config_set_outcome_callback(config, flush_from_outcome, NULL));
    CHECK_OK(rudder_client_config_set_log_callback(config, close_from_log, NULL));
    reentered = client_from(config);
    char *id = send_one(reentered, "g-reentry");
    rudder_flush_result result = {0};
    CHECK_OK(rudder_client_flush(reentered, -1, &result));
    CHECK(result.delivered == 1);
    CHECK(atomic_load(&refused_in_outcome) == 1);
    CHECK(atomic_load(&refused_in_log) >= 1);
    CHECK_STR(rudder_status_name(RUDDER_CALLED_FROM_CALLBACK), "CALLED_FROM_CALLBACK");
    rudder_string_free(id);
    CHECK_OK(rudder_client_close(reentered, -1, NULL));
    rudder_client_free(reentered);
}

/* How many files of `dir` are not `LOCK`. */
static int files_other_than_lock(const char *dir) {
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int others = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            strcmp(e->d_name, "LOCK") != 0) {
            others++;
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    return others;
}

static void test_spool_keeps_events_for_the_next_client(void) {
    char dir[] = "/tmp/rudder-group-spool-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    /* Nothing listens on port 1: every connection is refused, nothing leaves. */
    rudder_client_config *config = NULL;
    CHECK_OK(rudder_client_config_new("test-write-key", "http://127.0.0.1:1", &config));
    CHECK_OK(rudder_client_config_set_spool_dir(config, dir));
    CHECK_OK(rudder_client_config_set_flush_interval_ms(config, 600000));
    CHECK_STATUS(rudder_client_config_set_spool_sync(config, "sometimes"), RUDDER_INVALID_CONFIG);
    CHECK(contains(rudder_last_error_message(), "spool_sync"));
    rudder_client *down = client_from(config);
    char *ids[20];
    for (int i = 0; i < 20; i++) {
        ids[i] = send_one(down, "g-spool");
    }
    /* One live client per directory: the second is refused, naming this process. */
    rudder_client_config *second = dataplane_config("test-write-key");
    CHECK_OK(rudder_client_config_set_spool_dir(second, dir));
    rudder_client *refused = NULL;
    CHECK_STATUS(rudder_client_new(second, &refused), RUDDER_INVALID_CONFIG);
    char pid[64];
    snprintf(pid, sizeof pid, "process %ld", (long)getpid());
    CHECK(contains(rudder_last_error_message(), pid));
    CHECK(refused == NULL);
    /* A close that times out leaves the events in the spool, not dropped. */
    CHECK_STATUS(rudder_client_close(down, 0, NULL), RUDDER_FLUSH_TIMEOUT);
    rudder_flush_result result = {9, 9, 9};
    CHECK_OK(rudder_client_close(down, -1, &result));
    CHECK(result.dropped == 0 && result.delivered == 0);
    rudder_client_free(down);

    CHECK_OK(rudder_client_config_set_spool_sync(second, "event"));
    rudder_client *up = client_from(second);
    CHECK_OK(rudder_client_flush(up, -1, &result));
    CHECK(result.delivered == 20 && result.failed == 0 && result.dropped == 0);
    rudder_stats stats;
    CHECK_OK(rudder_client_stats(up, &stats));
    CHECK(stats.recovered == 20 && stats.enqueued == 0 && stats.spool_skipped == 0);
    char *events = admin(url, "GET", "/_rudder_group/events", NULL);
    for (int i = 0; i < 20; i++) {
        CHECK(contains(events, ids[i]));
        CHECK(collector_saw(&outcomes, ids[i], RUDDER_OUTCOME_DELIVERED));
        rudder_string_free(ids[i]);
    }
    free(events);
    rudder_client_free(up);
    /* Every event finished: no segment is left. */
    CHECK(files_other_than_lock(dir) == 0);
    char lock[64];
    snprintf(lock, sizeof lock, "%s/LOCK", dir);
    CHECK(unlink(lock) == 0 && rmdir(dir) == 0);
}

int main(void) {
    url = getenv("RUDDER_DATA_PLANE_URL");
    if (url == NULL || url[0] == '\0') {
        fprintf(stderr,
                "RUDDER_DATA_PLANE_URL is not set: run this test through with_dataplane.sh\n");
        return 1;
    }
    RUN(test_delivery_in_batches);
    RUN(test_gzip_off);
    RUN(test_terminal_failure);
    RUN(test_retries_then_delivery);
    RUN(test_wrong_write_key);
    RUN(test_log_callback);
    RUN(test_outcome_callback_runs_one_at_a_time);
    RUN(test_flush_timeout_keeps_events);
    RUN(test_free_delivers_what_is_queued);
    RUN(test_free_out_of_time_reports_everything_before_it_returns);
    RUN(test_flush_close_free_from_callbacks_are_refused);
    RUN(test_close_out_of_time_reports_everything_before_it_returns);
    RUN(test_spool_keeps_events_for_the_next_client);
    return harness_finish("test_dataplane");
}
