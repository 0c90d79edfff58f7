/*
 * The C binding's child of bench/memory.py: what a burst of queued group calls costs in memory.
 * bench/memory.py compiles it against rudder_group.h and the release librudder_group.so and runs
 * it as it runs its Python and Node children:
 *
 *     memory URL N KEY JSON [KEY JSON ...]
 *
 * One event sent and flushed (the process warmed up); "ready", then a line on stdin; RSS; N
 * group calls of the bench event (group id "12345", user id "u-1001", each trait KEY set to the
 * JSON value JSON, in order); RSS; a flush; "flushed", then a line on stdin; 3 s of rest; RSS
 * and the peak (VmHWM). Printed as one JSON line, with what glibc's allocator holds at the end
 * (mallinfo2: bytes in its arenas, free bytes among them, the number of arenas from
 * malloc_info) and the RSS once malloc_trim(0) has given its free pages back.
 */
#define _GNU_SOURCE
#include <rudder_group.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void must(rudder_status status, const char *what) {
    if (status != RUDDER_OK) {
        fprintf(stderr, "%s: %s: %s\n", what, rudder_status_name(status),
                rudder_last_error_message());
        exit(1);
    }
}

/* A field of /proc/self/status in bytes ("VmRSS", "VmHWM"). */
static long long status_bytes(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t len = strlen(key);
    long long kib = -1;
    if (f == NULL) {
        perror("/proc/self/status");
        exit(1);
    }
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, len) == 0 && line[len] == ':') {
            kib = atoll(line + len + 1);
            break;
        }
    }
    fclose(f);
    if (kib < 0) {
        fprintf(stderr, "no %s in /proc/self/status\n", key);
        exit(1);
    }
    return kib * 1024;
}

/* The arenas glibc's malloc has made: one <heap nr=...> element each in malloc_info's XML. */
static int arenas(void) {
    char *xml = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&xml, &size);
    int count = 0;
    if (f == NULL || malloc_info(0, f) != 0) {
        return -1;
    }
    fclose(f);
    for (const char *p = xml; (p = strstr(p, "<heap nr=")) != NULL; p++) {
        count++;
    }
    free(xml);
    return count;
}

static void wait_line(const char *say) {
    char line[64];
    printf("%s\n", say);
    fflush(stdout);
    if (fgets(line, sizeof line, stdin) == NULL) {
        fprintf(stderr, "stdin closed before the %s line's answer\n", say);
        exit(1);
    }
}

static void flush(rudder_client *client, const char *what) {
    rudder_flush_result result;
    must(rudder_client_flush(client, -1, &result), what);
    if (result.failed != 0 || result.dropped != 0) {
        fprintf(stderr, "%s: %llu failed, %llu dropped\n", what, (unsigned long long)result.failed,
                (unsigned long long)result.dropped);
        exit(1);
    }
}

/* One group call of the bench event: the traits as given on the command line, in order. */
static void group(rudder_client *client, int argc, char **argv) {
    rudder_event_builder *builder = NULL;
    must(rudder_event_builder_new("12345", &builder), "builder");
    must(rudder_event_builder_set_user_id(builder, "u-1001"), "user_id");
    for (int t = 3; t + 1 < argc; t += 2) {
        must(rudder_event_builder_set_trait_json(builder, argv[t], argv[t + 1]), argv[t]);
    }
    must(rudder_client_group(client, builder, NULL, NULL), "group");
}

int main(int argc, char **argv) {
    if (argc < 3 || argc % 2 != 1) {
        fprintf(stderr, "usage: %s URL N [KEY JSON]...\n", argv[0]);
        return 2;
    }
    const char *url = argv[1];
    long long n = atoll(argv[2]);
    rudder_client_config *config = NULL;
    rudder_client *client = NULL;
    must(rudder_client_config_new("test-write-key", url, &config), "config");
    must(rudder_client_config_set_max_queue_events(config, (size_t)n + 10), "max_queue_events");
    must(rudder_client_new(config, &client), "client");
    rudder_client_config_free(config);

    group(client, argc, argv);
    flush(client, "warm-up flush");
    wait_line("ready");
    long long before = status_bytes("VmRSS");
    for (long long i = 0; i < n; i++) {
        group(client, argc, argv);
    }
    long long queued = status_bytes("VmRSS");
    flush(client, "flush");
    wait_line("flushed");
    struct timespec rest = {3, 0};
    nanosleep(&rest, NULL);
    long long drained = status_bytes("VmRSS");
    long long peak = status_bytes("VmHWM");
    struct mallinfo2 info = mallinfo2();
    int heaps = arenas();
    malloc_trim(0);
    long long trimmed = status_bytes("VmRSS");
    printf("{\"before\": %lld, \"queued\": %lld, \"drained\": %lld, \"peak\": %lld, "
           "\"malloc_arena\": %zu, \"malloc_free\": %zu, \"malloc_arenas\": %d, "
           "\"trimmed\": %lld}\n",
           before, queued, drained, peak, info.arena, info.fordblks, heaps, trimmed);
    fflush(stdout);
    rudder_flush_result result;
    must(rudder_client_close(client, -1, &result), "close");
    rudder_client_free(client);
    return 0;
}
