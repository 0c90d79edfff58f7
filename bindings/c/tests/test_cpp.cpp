// The C++ wrapper without a data plane (the memory transport): the message of a refused event,
// temporaries given to Client::group, the log handler.
#include <rudder_group.hpp>

#include <cstdio>
#include <mutex>
#include <string>
#include <utility>

static int failures = 0;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);               \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

// A refused event carries the library's message next to its issues.
static void refused_event_has_a_message() {
    try {
        rudder::EventBuilder("").build();
        EXPECT(false);
    } catch (const rudder::Error &e) {
        EXPECT(e.code() == RUDDER_MISSING_IDENTITY || !e.issues().empty());
        EXPECT(!e.issues().empty());
        EXPECT(std::string(e.what()).size() > 0);
    }
    try {
        rudder::Event::from_json("{\"groupId\": \"g\"}");
        EXPECT(false);
    } catch (const rudder::Error &e) {
        EXPECT(!e.issues().empty());
        EXPECT(std::string(e.what()).size() > 0);
    }
}

// Every setting has its method; a value out of range throws at once, naming the setting.
static void config_has_every_setting() {
    using std::chrono::milliseconds;
    rudder::ClientConfig config("key", "http://127.0.0.1:9");
    config.flush_at(10)
        .flush_interval(milliseconds(50))
        .max_batch_bytes(100000)
        .max_queue_events(1000)
        .max_queue_bytes(1 << 20)
        .overflow("block")
        .block_timeout(milliseconds(20))
        .max_concurrent_requests(2)
        .gzip(false)
        .gzip_level(1)
        .connect_timeout(milliseconds(500))
        .request_timeout(milliseconds(500))
        .retry_max_attempts(3)
        .retry_max_elapsed(milliseconds(1000))
        .retry_initial_backoff(milliseconds(5))
        .retry_max_backoff(milliseconds(50))
        .proxy(std::nullopt)
        .lenient(true)
        .max_event_bytes(4096)
        .memory_transport(true)
        .shutdown_timeout(milliseconds(1000))
        .spool_dir(std::nullopt)
        .max_spool_bytes(1 << 30)
        .spool_sync("interval")
        .spool_sync_interval(milliseconds(50));
    rudder::Client client(config);
    EXPECT(!client.is_closed());
    try {
        config.spool_sync("sometimes");
        EXPECT(false);
    } catch (const rudder::Error &e) {
        EXPECT(e.code() == RUDDER_INVALID_CONFIG);
        EXPECT(std::string(e.what()).find("spool_sync") != std::string::npos);
    }
}

static void group_takes_temporaries() {
    rudder::ClientConfig config("key", "http://127.0.0.1:9");
    config.memory_transport(true);
    rudder::Client client(config);
    // A prvalue builder: refused (no identity), with its message.
    try {
        client.group(rudder::EventBuilder("g"));
        EXPECT(false);
    } catch (const rudder::Error &e) {
        EXPECT(e.code() == RUDDER_MISSING_IDENTITY);
        EXPECT(std::string(e.what()).size() > 0);
        EXPECT(!e.issues().empty());
    }
    rudder::EventBuilder builder("g");
    builder.user_id("u");
    std::string moved = client.group(std::move(builder));
    std::string chained = client.group(rudder::EventBuilder("g").user_id("u"));
    EXPECT(!moved.empty() && !chained.empty() && moved != chained);
    rudder_flush_result r = client.flush();
    EXPECT(r.delivered == 2);
    std::string sent = client.sent_events_json();
    EXPECT(sent.find(moved) != std::string::npos && sent.find(chained) != std::string::npos);
}

// A client with the exit flush that is closed and destroyed before exit: the exit hook then
// skips it (no use after free under ASan and valgrind).
static void exit_flush_client_destroyed_before_exit() {
    rudder::ClientConfig config("key", "http://127.0.0.1:9");
    config.memory_transport(true).flush_at_exit(true);
    rudder::Client client(config);
    client.group(rudder::EventBuilder("g").user_id("u"));
    EXPECT(client.close().delivered == 1);
}

// The log handler sees each request; the handler outlives the config that set it.
static void log_handler_sees_each_request() {
    std::mutex lock;
    std::vector<std::string> lines;
    std::unique_ptr<rudder::Client> client;
    {
        rudder::ClientConfig config("key", "http://127.0.0.1:9");
        config.memory_transport(true).on_log([&](rudder_log_level level, std::string_view line) {
            std::lock_guard<std::mutex> guard(lock);
            if (level == RUDDER_LOG_DEBUG) {
                lines.emplace_back(line);
            }
        });
        client = std::make_unique<rudder::Client>(config);
    }
    client->group(rudder::EventBuilder("g").user_id("u"));
    EXPECT(client->flush().delivered == 1);
    client->group(rudder::EventBuilder("g").user_id("u"));
    EXPECT(client->flush().delivered == 1);
    std::lock_guard<std::mutex> guard(lock);
    EXPECT(lines.size() == 2);
    for (const std::string &line : lines) {
        EXPECT(line.rfind("POST /v1/batch: 1 event, ", 0) == 0);
        EXPECT(line.find("attempt 1: status 200 in ") != std::string::npos);
    }
}

int main() {
    refused_event_has_a_message();
    config_has_every_setting();
    group_takes_temporaries();
    exit_flush_client_destroyed_before_exit();
    log_handler_sees_each_request();
    if (failures) {
        std::fprintf(stderr, "test_cpp: %d failure(s)\n", failures);
        return 1;
    }
    std::printf("test_cpp: ok\n");
    return 0;
}
