/*
 * The exit flush against a local data plane (RUDDER_DATA_PLANE_URL, set by with_dataplane.sh): a
 * child process queues events and returns from main without rudder_client_free; the parent then
 * reads what the data plane stored. With rudder_client_config_set_flush_at_exit every event
 * arrives; without it none does (nothing would have sent them before exit: the batch size and
 * interval are far above what the child queues). With the data plane down, the hook reports
 * every event to the callbacks before the process ends and says the loss on stderr. A client
 * neither freed nor switched on is not closed, but its loss is said on stderr all the same.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "admin.h"

#define WITH_SWITCH 1000
#define WITHOUT_SWITCH 100

static const char *url;
/* The child's clients stay reachable from here: the program exits without freeing them. */
static rudder_client *left_open[4];

static char down_log[256];
static char off_log[256];

static const char *down_log_stderr(void) {
    static char path[300];
    snprintf(path, sizeof path, "%s.stderr", down_log);
    return path;
}

/* A whole small file, or NULL (the caller frees it). */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    char *out = calloc(1, 1 << 16);
    if (out != NULL) {
        size_t n = fread(out, 1, (1 << 16) - 1, f);
        out[n] = '\0';
    }
    fclose(f);
    return out;
}

static size_t occurrences(const char *haystack, const char *needle) {
    size_t n = 0;
    for (const char *at = haystack; (at = strstr(at, needle)) != NULL; at += strlen(needle)) {
        n++;
    }
    return n;
}

static rudder_client *client_for(int flush_at_exit) {
    rudder_client_config *config = NULL;
    rudder_client *client = NULL;
    if (rudder_client_config_new("test-write-key", url, &config) != RUDDER_OK ||
        rudder_client_config_set_flush_at(config, 100000) != RUDDER_OK ||
        rudder_client_config_set_flush_interval_ms(config, 3600000) != RUDDER_OK ||
        rudder_client_config_set_shutdown_timeout_ms(config, 120000) != RUDDER_OK ||
        rudder_client_config_set_flush_at_exit(config, flush_at_exit) != RUDDER_OK ||
        rudder_client_new(config, &client) != RUDDER_OK) {
        fprintf(stderr, "client: %s\n", rudder_last_error_message());
    }
    rudder_client_config_free(config);
    return client;
}

static int enqueue(rudder_client *client, const char *prefix, int count) {
    for (int i = 0; i < count; i++) {
        char group_id[64];
        snprintf(group_id, sizeof group_id, "%s-%d", prefix, i);
        rudder_event_builder *b = NULL;
        if (rudder_event_builder_new(group_id, &b) != RUDDER_OK ||
            rudder_event_builder_set_user_id(b, "u") != RUDDER_OK ||
            rudder_client_group(client, b, NULL, NULL) != RUDDER_OK) {
            fprintf(stderr, "group: %s\n", rudder_last_error_message());
            return 1;
        }
    }
    return 0;
}

#define DOWN_CLIENTS 4
#define DOWN_EACH 25
static atomic_size_t down_seen;

static void count_down(const rudder_outcome *outcome, void *user_data) {
    (void)user_data;
    atomic_fetch_add(&down_seen, rudder_outcome_message_id_count(outcome));
}

/* Runs after the library's exit hook (registered before it, atexit runs in reverse). */
static void write_down_seen(void) {
    FILE *f = fopen(down_log, "w");
    if (f != NULL) {
        fprintf(f, "seen %zu\n", atomic_load(&down_seen));
        fclose(f);
    }
}

/* A loopback URL where nothing listens. */
static void refusing_url(char *out, size_t cap) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        fprintf(stderr, "no loopback port\n");
    }
    snprintf(out, cap, "http://127.0.0.1:%d", ntohs(a.sin_port));
    close(s);
}

/* The child with the data plane down: four clients with the switch, 25 events each, a
 * shutdown timeout of 300 ms; the hook reports every event before the process ends. */
static int child_down(void) {
    atexit(write_down_seen);
    if (freopen(down_log_stderr(), "w", stderr) == NULL) {
        return 1;
    }
    char down[64];
    refusing_url(down, sizeof down);
    for (int n = 0; n < DOWN_CLIENTS; n++) {
        rudder_client_config *config = NULL;
        if (rudder_client_config_new("test-write-key", down, &config) != RUDDER_OK ||
            rudder_client_config_set_flush_at(config, 10) != RUDDER_OK ||
            rudder_client_config_set_shutdown_timeout_ms(config, 300) != RUDDER_OK ||
            rudder_client_config_set_retry_initial_backoff_ms(config, 50) != RUDDER_OK ||
            rudder_client_config_set_outcome_callback(config, count_down, NULL) != RUDDER_OK ||
            rudder_client_config_set_flush_at_exit(config, 1) != RUDDER_OK ||
            rudder_client_new(config, &left_open[n]) != RUDDER_OK ||
            enqueue(left_open[n], "exit-down", DOWN_EACH) != 0) {
            fprintf(stderr, "client: %s\n", rudder_last_error_message());
            return 1;
        }
        rudder_client_config_free(config);
    }
    return 0;
}

/* The child: queue, then return from main with the clients still open. */
static int child(int flush_at_exit) {
    if (flush_at_exit) {
        /* A client with the switch that is freed before exit: the hook must skip it. */
        rudder_client *freed = client_for(1);
        if (freed == NULL || enqueue(freed, "exit-freed", 1) != 0) {
            return 1;
        }
        rudder_client_free(freed);
        /* Two open clients, both closed by the hook. */
        left_open[0] = client_for(1);
        left_open[1] = client_for(1);
        if (left_open[0] == NULL || left_open[1] == NULL ||
            enqueue(left_open[0], "exit-on-a", WITH_SWITCH / 2) != 0 ||
            enqueue(left_open[1], "exit-on-b", WITH_SWITCH / 2) != 0) {
            return 1;
        }
    } else {
        if (freopen(off_log, "w", stderr) == NULL) {
            return 1;
        }
        /* Freed before exit: delivered, and no warning. */
        rudder_client *freed = client_for(0);
        if (freed == NULL || enqueue(freed, "exit-off-freed", 1) != 0) {
            return 1;
        }
        rudder_client_free(freed);
        left_open[0] = client_for(0);
        if (left_open[0] == NULL || enqueue(left_open[0], "exit-off", WITHOUT_SWITCH) != 0) {
            return 1;
        }
    }
    return 0;
}

static int run_child(int flush_at_exit, int *is_child) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        *is_child = 1;
        return flush_at_exit == 2 ? child_down() : child(flush_at_exit);
    }
    int status = 0;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}

int main(void) {
    snprintf(down_log, sizeof down_log, "/tmp/rudder-group-exit-down-%d.txt", (int)getpid());
    snprintf(off_log, sizeof off_log, "/tmp/rudder-group-exit-off-%d.stderr", (int)getpid());
    url = getenv("RUDDER_DATA_PLANE_URL");
    if (url == NULL) {
        fprintf(stderr, "test_exit_flush: run it with tests/with_dataplane.sh\n");
        return 2;
    }
    int is_child = 0;
    /* Forked before any client exists, so the child starts its own worker threads. */
    int rc = run_child(0, &is_child);
    if (is_child) {
        return rc;
    }
    rc = run_child(1, &is_child);
    if (is_child) {
        return rc;
    }

    char *events = admin(url, "GET", "/_rudder_group/events", NULL);
    CHECK(events != NULL);
    if (events != NULL) {
        /* Without the switch: nothing but the freed client's event. */
        CHECK(occurrences(events, "\"exit-off-") == 1);
        CHECK(occurrences(events, "\"exit-off-freed-0\"") == 1);
        /* With it: every event, once. */
        CHECK(occurrences(events, "\"exit-on-") == WITH_SWITCH);
        for (int i = 0; i < WITH_SWITCH / 2; i++) {
            char needle[64];
            snprintf(needle, sizeof needle, "\"exit-on-a-%d\"", i);
            CHECK(occurrences(events, needle) == 1);
            snprintf(needle, sizeof needle, "\"exit-on-b-%d\"", i);
            CHECK(occurrences(events, needle) == 1);
        }
        CHECK(occurrences(events, "\"exit-freed-0\"") == 1);
    }
    free(events);
    /* ... and the loss of the client never freed said once on stderr. */
    char *off_said = read_file(off_log);
    CHECK(off_said != NULL &&
          occurrences(off_said,
                      "rudder-group: at exit, 100 events of a client never freed were lost: ") ==
              1 &&
          occurrences(off_said, "never freed") == 1);
    if (off_said == NULL || occurrences(off_said, "never freed") != 1) {
        fprintf(stderr, "child without the switch said: %s\n", off_said ? off_said : "(none)");
    }
    free(off_said);
    unlink(off_log);

    /* The data plane down: every event reported to the callbacks before the process ended,
     * and the loss said on stderr, once per client. */
    rc = run_child(2, &is_child);
    if (is_child) {
        return rc;
    }
    char *seen = read_file(down_log);
    char *said = read_file(down_log_stderr());
    CHECK(seen != NULL && strcmp(seen, "seen 100\n") == 0);
    CHECK(said != NULL &&
          occurrences(
              said, "rudder-group: at exit, 25 events were not delivered within 300 ms: dropped") ==
              DOWN_CLIENTS);
    if (seen == NULL || said == NULL || strcmp(seen, "seen 100\n") != 0) {
        fprintf(stderr, "child with the data plane down: %s / %s\n", seen ? seen : "(none)",
                said ? said : "(none)");
    }
    free(seen);
    free(said);
    unlink(down_log);
    unlink(down_log_stderr());
    printf("%s exit flush\n", harness_failures == 0 ? "ok  " : "FAIL");
    harness_tests++;
    return harness_finish("test_exit_flush");
}
