/*
 * rudder-group for C++17: RAII handles and exceptions over the C ABI of rudder_group.h.
 *
 * Header-only; link with -lrudder_group as for C. Every failed call throws rudder::Error, which
 * carries the rudder_status (code()), its stable name (code_name()) and, for a refused event,
 * every issue with its code, JSON-pointer path and message (issues()).
 *
 * Thread-safety follows the C API: a Client may be shared between threads; an EventBuilder,
 * an Event and a ClientConfig are used by one thread at a time.
 */
#ifndef RUDDER_GROUP_HPP
#define RUDDER_GROUP_HPP

/* The wrapper uses std::optional and the C++17 type traits: an older standard stops here with one
 * clear message rather than with pages of errors from the code below, which is skipped. MSVC
 * reports __cplusplus as 199711L unless /Zc:__cplusplus is given, so its _MSVC_LANG is read. */
#if defined(_MSVC_LANG)
#define RUDDER_GROUP_HPP_STD _MSVC_LANG
#else
#define RUDDER_GROUP_HPP_STD __cplusplus
#endif
#if RUDDER_GROUP_HPP_STD < 201703L
#error "rudder_group.hpp needs C++17 or later (e.g. -std=c++17); from older C++ use rudder_group.h"
#else
#undef RUDDER_GROUP_HPP_STD

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "rudder_group.h"

namespace rudder {

/** One problem of an event: a stable code, a JSON-pointer path and a message. */
struct Issue {
    rudder_status code;
    std::string code_name;
    std::string path;
    std::string message;
    bool is_warning;
};

/** A failed call: the status, the library's message, and the issues of a refused event. */
class Error : public std::runtime_error {
public:
    Error(rudder_status code, const std::string &message, std::vector<Issue> issues = {})
        : std::runtime_error(message), code_(code), issues_(std::move(issues)) {}

    /** The status, e.g. RUDDER_MISSING_IDENTITY; numbers are the project's stable codes. */
    rudder_status code() const noexcept { return code_; }
    /** The stable name of the status, e.g. "MISSING_IDENTITY". */
    const char *code_name() const noexcept { return rudder_status_name(code_); }
    /** Every problem of a refused event (errors, then warnings); empty for other failures. */
    const std::vector<Issue> &issues() const noexcept { return issues_; }

private:
    rudder_status code_;
    std::vector<Issue> issues_;
};

namespace detail {

struct Free {
    void operator()(rudder_event_builder *p) const noexcept { rudder_event_builder_free(p); }
    void operator()(rudder_event *p) const noexcept { rudder_event_free(p); }
    void operator()(rudder_issues *p) const noexcept { rudder_issues_free(p); }
    void operator()(rudder_client_config *p) const noexcept { rudder_client_config_free(p); }
    void operator()(rudder_client *p) const noexcept { rudder_client_free(p); }
    void operator()(char *p) const noexcept { rudder_string_free(p); }
};

inline std::vector<Issue> read_issues(const rudder_issues *list) {
    std::vector<Issue> out;
    for (size_t i = 0; i < rudder_issues_count(list); i++) {
        rudder_issue issue;
        if (rudder_issues_get(list, i, &issue) == RUDDER_OK) {
            out.push_back(
                {issue.code, issue.code_name, issue.path, issue.message, issue.is_warning});
        }
    }
    return out;
}

/** Throws when `status` is not RUDDER_OK; takes ownership of `issues` either way. Call it with
 * the status already computed: the order in which arguments are evaluated is unspecified.
 *
 * The message is copied before the issues are read, in separate statements: every library call,
 * rudder_issues_get among them, resets the thread's last error, so reading the issues first (as
 * one argument list may well do) would leave the message empty. */
inline void check(rudder_status status, rudder_issues *issues = nullptr) {
    std::unique_ptr<rudder_issues, Free> owned(issues);
    if (status != RUDDER_OK) {
        std::string message = rudder_last_error_message();
        std::vector<Issue> list = read_issues(owned.get());
        throw Error(status, message, std::move(list));
    }
}

/** Takes a string returned by the library. */
inline std::string take(char *s) {
    std::unique_ptr<char, Free> owned(s);
    return owned ? std::string(owned.get()) : std::string();
}

inline uint64_t millis(std::chrono::milliseconds ms) {
    return ms.count() < 0 ? 0 : static_cast<uint64_t>(ms.count());
}

} // namespace detail

/** A validated group event. Movable; copying makes a copy with the same messageId. */
class Event {
public:
    /** Parses and validates a payload; throws Error (with issues) when it is refused. */
    static Event from_json(const std::string &json, bool lenient = false,
                           size_t max_event_bytes = 0) {
        rudder_event *event = nullptr;
        rudder_issues *issues = nullptr;
        rudder_status status =
            rudder_event_from_json_with(json.c_str(), lenient, max_event_bytes, &event, &issues);
        detail::check(status, issues);
        return Event(event);
    }

    Event(const Event &other) : ptr_(nullptr) {
        rudder_event *copy = nullptr;
        detail::check(rudder_event_clone(other.get(), &copy));
        ptr_.reset(copy);
    }
    Event &operator=(const Event &other) {
        if (this != &other) {
            *this = Event(other);
        }
        return *this;
    }
    Event(Event &&) noexcept = default;
    Event &operator=(Event &&) noexcept = default;

    /** The canonical JSON. */
    std::string to_json() const {
        char *json = nullptr;
        detail::check(rudder_event_to_json(get(), &json));
        return detail::take(json);
    }
    /** The messageId (the id outcomes report). */
    std::string message_id() const {
        char *id = nullptr;
        detail::check(rudder_event_message_id(get(), &id));
        return detail::take(id);
    }
    /** Reserved-trait problems accepted under the lenient setting. */
    std::vector<Issue> warnings() const {
        rudder_issues *list = nullptr;
        detail::check(rudder_event_warnings(get(), &list));
        std::unique_ptr<rudder_issues, detail::Free> owned(list);
        return detail::read_issues(owned.get());
    }

    const rudder_event *get() const noexcept { return ptr_.get(); }
    /** Gives up ownership (e.g. to pass the event to the C API). */
    rudder_event *release() noexcept { return ptr_.release(); }

private:
    friend class EventBuilder;
    explicit Event(rudder_event *event) : ptr_(event) {}
    std::unique_ptr<rudder_event, detail::Free> ptr_;
};

/** Builds a group event; every setter returns *this, build() validates everything at once. */
class EventBuilder {
public:
    explicit EventBuilder(const std::string &group_id) {
        rudder_event_builder *b = nullptr;
        detail::check(rudder_event_builder_new(group_id.c_str(), &b));
        ptr_.reset(b);
    }

    EventBuilder &user_id(const std::string &v) { return set(rudder_event_builder_set_user_id, v); }
    EventBuilder &anonymous_id(const std::string &v) {
        return set(rudder_event_builder_set_anonymous_id, v);
    }
    EventBuilder &message_id(const std::string &v) {
        return set(rudder_event_builder_set_message_id, v);
    }
    /** RFC 3339 with an offset, e.g. "2022-02-01T19:14:18.381Z". */
    EventBuilder &original_timestamp(const std::string &v) {
        return set(rudder_event_builder_set_original_timestamp, v);
    }
    EventBuilder &context_json(const std::string &json) {
        return set(rudder_event_builder_set_context_json, json);
    }
    EventBuilder &integrations_json(const std::string &json) {
        return set(rudder_event_builder_set_integrations_json, json);
    }
    EventBuilder &lenient(bool on = true) {
        detail::check(rudder_event_builder_set_lenient(ptr_.get(), on));
        return *this;
    }
    EventBuilder &max_event_bytes(size_t bytes) {
        detail::check(rudder_event_builder_set_max_event_bytes(ptr_.get(), bytes));
        return *this;
    }

    EventBuilder &id(const std::string &v) { return set(rudder_event_builder_set_id, v); }
    EventBuilder &id(int64_t v) {
        detail::check(rudder_event_builder_set_id_int64(ptr_.get(), v));
        return *this;
    }
    EventBuilder &name(const std::string &v) { return set(rudder_event_builder_set_name, v); }
    EventBuilder &email(const std::string &v) { return set(rudder_event_builder_set_email, v); }
    EventBuilder &phone(const std::string &v) { return set(rudder_event_builder_set_phone, v); }
    EventBuilder &industry(const std::string &v) {
        return set(rudder_event_builder_set_industry, v);
    }
    EventBuilder &description(const std::string &v) {
        return set(rudder_event_builder_set_description, v);
    }
    EventBuilder &plan(const std::string &v) { return set(rudder_event_builder_set_plan, v); }
    EventBuilder &website(const std::string &v) { return set(rudder_event_builder_set_website, v); }
    EventBuilder &avatar(const std::string &v) { return set(rudder_event_builder_set_avatar, v); }
    /** An ISO-8601 date or date-time. */
    EventBuilder &created_at(const std::string &v) {
        return set(rudder_event_builder_set_created_at, v);
    }
    EventBuilder &employees(int64_t count) {
        detail::check(rudder_event_builder_set_employees(ptr_.get(), count));
        return *this;
    }
    EventBuilder &employees(const std::string &v) {
        return set(rudder_event_builder_set_employees_string, v);
    }
    EventBuilder &address_city(const std::string &v) {
        return set(rudder_event_builder_set_address_city, v);
    }
    EventBuilder &address_country(const std::string &v) {
        return set(rudder_event_builder_set_address_country, v);
    }
    EventBuilder &address_postal_code(const std::string &v) {
        return set(rudder_event_builder_set_address_postal_code, v);
    }
    EventBuilder &address_state(const std::string &v) {
        return set(rudder_event_builder_set_address_state, v);
    }
    EventBuilder &address_street(const std::string &v) {
        return set(rudder_event_builder_set_address_street, v);
    }
    EventBuilder &address_field(const std::string &key, const std::string &v) {
        detail::check(rudder_event_builder_set_address_field(ptr_.get(), key.c_str(), v.c_str()));
        return *this;
    }

    /** A custom trait: a string. */
    EventBuilder &trait(const std::string &key, const std::string &v) {
        detail::check(rudder_event_builder_set_trait_string(ptr_.get(), key.c_str(), v.c_str()));
        return *this;
    }
    EventBuilder &trait(const std::string &key, const char *v) {
        return trait(key, std::string(v));
    }
    /** A custom trait: a boolean. */
    EventBuilder &trait(const std::string &key, bool v) {
        detail::check(rudder_event_builder_set_trait_bool(ptr_.get(), key.c_str(), v));
        return *this;
    }
    /** A custom trait: an integer (any integral type but bool). */
    template <typename T,
              std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
    EventBuilder &trait(const std::string &key, T v) {
        detail::check(
            rudder_event_builder_set_trait_int64(ptr_.get(), key.c_str(), static_cast<int64_t>(v)));
        return *this;
    }
    /** A custom trait: a number; NaN and infinities are reported by build(). */
    template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
    EventBuilder &trait(const std::string &key, T v) {
        detail::check(
            rudder_event_builder_set_trait_double(ptr_.get(), key.c_str(), static_cast<double>(v)));
        return *this;
    }
    /** A custom trait set to null (clears the value downstream). */
    EventBuilder &trait_null(const std::string &key) {
        detail::check(rudder_event_builder_set_trait_null(ptr_.get(), key.c_str()));
        return *this;
    }
    /** A custom trait given as JSON text (objects, arrays, exact numbers). */
    EventBuilder &trait_json(const std::string &key, const std::string &json) {
        detail::check(rudder_event_builder_set_trait_json(ptr_.get(), key.c_str(), json.c_str()));
        return *this;
    }
    EventBuilder &remove_trait(const std::string &key) {
        detail::check(rudder_event_builder_remove_trait(ptr_.get(), key.c_str()));
        return *this;
    }

    /** Validates and builds; the builder is used up. Throws Error with every issue. */
    Event build() {
        rudder_event *event = nullptr;
        rudder_issues *issues = nullptr;
        rudder_status status = rudder_event_builder_build(ptr_.release(), &event, &issues);
        detail::check(status, issues);
        return Event(event);
    }

    /** Gives up ownership (e.g. to pass the builder to rudder_client_group). */
    rudder_event_builder *release() noexcept { return ptr_.release(); }

private:
    EventBuilder &set(rudder_status (*setter)(rudder_event_builder *, const char *),
                      const std::string &v) {
        detail::check(setter(ptr_.get(), v.c_str()));
        return *this;
    }
    std::unique_ptr<rudder_event_builder, detail::Free> ptr_;
};

/** An outcome, lent to the callback: valid only during the call. */
class Outcome {
public:
    explicit Outcome(const rudder_outcome *outcome) noexcept : o_(outcome) {}
    rudder_outcome_kind kind() const {
        rudder_outcome_kind k = RUDDER_OUTCOME_FAILED;
        detail::check(rudder_outcome_get_kind(o_, &k));
        return k;
    }
    const char *kind_name() const { return rudder_outcome_kind_name(kind()); }
    /** The last HTTP status, 0 when no answer came. */
    uint16_t http_status() const noexcept { return rudder_outcome_http_status(o_); }
    /** The last answer's body, if an answer came. */
    std::optional<std::string> body() const {
        const char *b = rudder_outcome_body(o_);
        return b ? std::optional<std::string>(b) : std::nullopt;
    }
    std::string reason() const {
        const char *r = rudder_outcome_reason(o_);
        return r ? r : "";
    }
    uint32_t attempts() const noexcept { return rudder_outcome_attempts(o_); }
    std::vector<std::string> message_ids() const {
        std::vector<std::string> ids;
        for (size_t i = 0; i < rudder_outcome_message_id_count(o_); i++) {
            ids.emplace_back(rudder_outcome_message_id(o_, i));
        }
        return ids;
    }

private:
    const rudder_outcome *o_;
};

/** The outcome handler: runs on the client's worker threads, one call at a time; exceptions it throws are dropped. */
using OutcomeHandler = std::function<void(const Outcome &)>;

/** The log handler: each log line with its level (see rudder_log_callback: it runs on the
 * client's worker threads, several at once); exceptions it throws are dropped. */
using LogHandler = std::function<void(rudder_log_level, std::string_view)>;

/** Every client setting; setters return *this. */
class ClientConfig {
public:
    ClientConfig(const std::string &write_key, const std::string &data_plane_url) {
        rudder_client_config *c = nullptr;
        detail::check(rudder_client_config_new(write_key.c_str(), data_plane_url.c_str(), &c));
        ptr_.reset(c);
    }

    // The generator writes this region, as clang-format would not:
    // clang-format off
    // BEGIN GENERATED: settings
    // @generated by `make generate` (tools/generate). DO NOT EDIT.
    /// A batch is due when this many events are queued. Default 100; accepts a whole number from 1
    /// to 1000000.
    ClientConfig &flush_at(std::size_t value) {
        return call(rudder_client_config_set_flush_at, value);
    }
    /// A batch is due when its oldest event has waited this long. Default 1000; accepts a number of
    /// milliseconds more than 0 and at most 86400000.
    ClientConfig &flush_interval(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_flush_interval_ms, detail::millis(value));
    }
    /// The largest request body before gzip; at least one event of max_event_bytes. Default
    /// 1024000; accepts a whole number from 1 to 4096000.
    ClientConfig &max_batch_bytes(std::size_t value) {
        return call(rudder_client_config_set_max_batch_bytes, value);
    }
    /// Events queued at most. Default 100000; accepts a whole number from 1 to 4294967296.
    ClientConfig &max_queue_events(std::size_t value) {
        return call(rudder_client_config_set_max_queue_events, value);
    }
    /// Bytes queued at most; at least one event of max_event_bytes. Default 67108864; accepts a
    /// whole number from 1 to 1099511627776.
    ClientConfig &max_queue_bytes(std::size_t value) {
        return call(rudder_client_config_set_max_queue_bytes, value);
    }
    /// A full queue drops the new event, or blocks the caller up to block_timeout_ms. Default
    /// "drop"; accepts "drop" or "block". The string is copied.
    ClientConfig &overflow(const std::string &value) {
        detail::check(rudder_client_config_set_overflow(ptr_.get(), value.c_str()));
        return *this;
    }
    /// With overflow "block": how long a call waits for room before dropping. Default 1000; accepts
    /// a number of milliseconds from 0 to 86400000.
    ClientConfig &block_timeout(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_block_timeout_ms, detail::millis(value));
    }
    /// Requests in flight at most, one per lane; an identity's events keep their order. Default 8;
    /// accepts a whole number from 1 to 64.
    ClientConfig &max_concurrent_requests(std::size_t value) {
        return call(rudder_client_config_set_max_concurrent_requests, value);
    }
    /// gzip request bodies (data planes older than 1.4 reject gzip). Default true; accepts true or
    /// false.
    ClientConfig &gzip(bool value) {
        return call(rudder_client_config_set_gzip, value);
    }
    /// gzip level, 0 (store) to 9 (smallest). Default 6; accepts a whole number from 0 to 9.
    ClientConfig &gzip_level(uint32_t value) {
        return call(rudder_client_config_set_gzip_level, value);
    }
    /// How long connecting to the data plane may take. Default 10000; accepts a number of
    /// milliseconds more than 0 and at most 86400000.
    ClientConfig &connect_timeout(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_connect_timeout_ms, detail::millis(value));
    }
    /// How long one request may take, answer included. Default 30000; accepts a number of
    /// milliseconds more than 0 and at most 86400000.
    ClientConfig &request_timeout(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_request_timeout_ms, detail::millis(value));
    }
    /// Requests per batch at most; unset, the time budget alone ends retries. Default null; accepts
    /// a whole number from 1 to 4294967295.
    ClientConfig &retry_max_attempts(uint32_t value) {
        return call(rudder_client_config_set_retry_max_attempts, value);
    }
    /// The retry budget: a batch is retried until this long after its first attempt. Default
    /// 120000; accepts a number of milliseconds from 0 to 86400000.
    ClientConfig &retry_max_elapsed(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_retry_max_elapsed_ms, detail::millis(value));
    }
    /// The first backoff's cap; each retry doubles it, up to retry_max_backoff_ms. Default 100;
    /// accepts a number of milliseconds more than 0 and at most 86400000.
    ClientConfig &retry_initial_backoff(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_retry_initial_backoff_ms, detail::millis(value));
    }
    /// The largest backoff between two attempts (a Retry-After may ask for more, up to 60 s).
    /// Default 10000; accepts a number of milliseconds more than 0 and at most 86400000.
    ClientConfig &retry_max_backoff(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_retry_max_backoff_ms, detail::millis(value));
    }
    /// An HTTP(S) proxy URL; unset, HTTPS_PROXY / https_proxy / ALL_PROXY are read. std::nullopt
    /// unsets it, the default; a string is copied.
    ClientConfig &proxy(const std::optional<std::string> &value) {
        detail::check(rudder_client_config_set_proxy(ptr_.get(), value ? value->c_str() : nullptr));
        return *this;
    }
    /// "lenient" turns reserved-trait errors into warnings; the event is sent as given. `true` is
    /// "lenient", `false` "strict"; the default is "strict".
    ClientConfig &lenient(bool value) {
        return call(rudder_client_config_set_lenient, value);
    }
    /// The largest serialized event, sentAt included. Default 32768; accepts a whole number from 64
    /// to 4095952.
    ClientConfig &max_event_bytes(std::size_t value) {
        return call(rudder_client_config_set_max_event_bytes, value);
    }
    /// "memory" is the test mode: nothing leaves the process, every batch is answered 200. `true`
    /// is "memory", `false` "http"; the default is "http".
    ClientConfig &memory_transport(bool value) {
        return call(rudder_client_config_set_memory_transport, value);
    }
    /// How long dropping (collecting, freeing) an open client waits to deliver what is queued.
    /// Default 5000; accepts a number of milliseconds from 0 to 86400000.
    ClientConfig &shutdown_timeout(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_shutdown_timeout_ms, detail::millis(value));
    }
    /// A directory for the durable spool: group() returns once the event is on disk, and a crash
    /// loses nothing. std::nullopt unsets it, the default; a string is copied.
    ClientConfig &spool_dir(const std::optional<std::string> &value) {
        detail::check(rudder_client_config_set_spool_dir(ptr_.get(), value ? value->c_str() : nullptr));
        return *this;
    }
    /// With a spool: its size on disk at most; past it the overflow policy applies. Default
    /// 1073741824; accepts a whole number from 1 to 17592186044416.
    ClientConfig &max_spool_bytes(std::size_t value) {
        return call(rudder_client_config_set_max_spool_bytes, value);
    }
    /// With a spool: flush to disk per event, in groups off the caller's thread, or every
    /// spool_sync_interval_ms. Default "group"; accepts "event" or "group" or "interval". The
    /// string is copied.
    ClientConfig &spool_sync(const std::string &value) {
        detail::check(rudder_client_config_set_spool_sync(ptr_.get(), value.c_str()));
        return *this;
    }
    /// With spool_sync "interval": how often the spool is flushed to disk. Default 1000; accepts a
    /// number of milliseconds more than 0 and at most 86400000.
    ClientConfig &spool_sync_interval(std::chrono::milliseconds value) {
        return call(rudder_client_config_set_spool_sync_interval_ms, detail::millis(value));
    }
    // END GENERATED: settings
    // clang-format on
    /** Close clients made from this config at process exit if they are still alive then (a
     * Client with static storage duration, one leaked): see rudder_client_config_set_flush_at_exit. */
    ClientConfig &flush_at_exit(bool on) {
        return call(rudder_client_config_set_flush_at_exit, on);
    }
    ClientConfig &overflow_drop_newest() {
        detail::check(rudder_client_config_set_overflow_drop_newest(ptr_.get()));
        return *this;
    }
    ClientConfig &overflow_block(std::chrono::milliseconds t) {
        return call(rudder_client_config_set_overflow_block, detail::millis(t));
    }
    /** Receives every outcome, on the client's worker threads, one call at a time. */
    ClientConfig &on_outcome(OutcomeHandler handler) {
        auto owned = handler ? std::make_shared<OutcomeHandler>(std::move(handler)) : nullptr;
        detail::check(rudder_client_config_set_outcome_callback(
            ptr_.get(), owned ? &ClientConfig::trampoline : nullptr, owned.get()));
        handler_ = std::move(owned);
        return *this;
    }

    /** Receives every log line (each request, retry and split at RUDDER_LOG_DEBUG, failed and
     * dropped events at RUDDER_LOG_WARN), on the client's worker threads. */
    ClientConfig &on_log(LogHandler handler) {
        auto owned = handler ? std::make_shared<LogHandler>(std::move(handler)) : nullptr;
        detail::check(rudder_client_config_set_log_callback(
            ptr_.get(), owned ? &ClientConfig::log_trampoline : nullptr, owned.get()));
        log_handler_ = std::move(owned);
        return *this;
    }

    const rudder_client_config *get() const noexcept { return ptr_.get(); }

private:
    friend class Client;
    template <typename T>
    ClientConfig &call(rudder_status (*setter)(rudder_client_config *, T), T v) {
        detail::check(setter(ptr_.get(), v));
        return *this;
    }
    static void trampoline(const rudder_outcome *outcome, void *user_data) noexcept {
        try {
            (*static_cast<OutcomeHandler *>(user_data))(Outcome(outcome));
        } catch (...) {
            // An exception must not unwind into the library's worker thread.
        }
    }
    static void log_trampoline(rudder_log_level level, const char *message,
                               void *user_data) noexcept {
        try {
            (*static_cast<LogHandler *>(user_data))(level, std::string_view(message));
        } catch (...) {
            // An exception must not unwind into the library's worker thread.
        }
    }
    std::shared_ptr<OutcomeHandler> handler_;
    std::shared_ptr<LogHandler> log_handler_;
    std::unique_ptr<rudder_client_config, detail::Free> ptr_;
};

/** A client. Thread-safe; the destructor closes it within the config's shutdown timeout. */
class Client {
public:
    explicit Client(const ClientConfig &config)
        : handler_(config.handler_), log_handler_(config.log_handler_) {
        rudder_client *c = nullptr;
        detail::check(rudder_client_new(config.get(), &c));
        ptr_.reset(c);
    }

    /** Enqueues a built event (consumed); returns its messageId. */
    std::string enqueue(Event event) {
        char *id = nullptr;
        detail::check(rudder_client_enqueue(ptr_.get(), event.release(), &id));
        return detail::take(id);
    }
    /** Builds with the client's validation settings and enqueues (the builder is used up);
     * returns the messageId. */
    std::string group(EventBuilder &builder) {
        char *id = nullptr;
        rudder_issues *issues = nullptr;
        rudder_status status = rudder_client_group(ptr_.get(), builder.release(), &id, &issues);
        detail::check(status, issues);
        return detail::take(id);
    }
    /** The same for a temporary: `client.group(rudder::EventBuilder("g").user_id("u"))` or
     * `client.group(std::move(builder))`. */
    std::string group(EventBuilder &&builder) { return group(builder); }
    /** Waits for every event enqueued so far; std::nullopt waits without a limit. */
    rudder_flush_result flush(std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
        rudder_flush_result r{};
        detail::check(rudder_client_flush(ptr_.get(), to_ms(timeout), &r));
        return r;
    }
    /** Flushes, then stops the worker. Idempotent. */
    rudder_flush_result close(std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
        rudder_flush_result r{};
        detail::check(rudder_client_close(ptr_.get(), to_ms(timeout), &r));
        return r;
    }
    rudder_stats stats() const {
        rudder_stats s{};
        detail::check(rudder_client_stats(ptr_.get(), &s));
        return s;
    }
    bool is_closed() const noexcept { return rudder_client_is_closed(ptr_.get()); }
    /** Test mode: every event sent so far, as a JSON array. */
    std::string sent_events_json() const {
        char *json = nullptr;
        detail::check(rudder_client_sent_events_json(ptr_.get(), &json));
        return detail::take(json);
    }

private:
    static int64_t to_ms(std::optional<std::chrono::milliseconds> t) {
        return t ? static_cast<int64_t>(t->count() < 0 ? 0 : t->count()) : -1;
    }
    // Declared first so that it outlives the client (members are destroyed in reverse order).
    std::shared_ptr<OutcomeHandler> handler_;
    std::shared_ptr<LogHandler> log_handler_;
    std::unique_ptr<rudder_client, detail::Free> ptr_;
};

} // namespace rudder

#endif /* C++17 */
#endif
