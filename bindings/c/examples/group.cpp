// rudder-group from C++17 with the header-only wrapper: build events, see every problem of a
// refused one, send to a data plane and watch the outcomes.
//
// Build: c++ -std=c++17 group.cpp $(pkg-config --cflags --libs rudder_group)
// Run:   RUDDER_DATA_PLANE_URL=http://127.0.0.1:8080 ./a.out   (a local data plane: rudder-group serve)
#include <rudder_group.hpp>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <limits>

int main() {
    const char *url = std::getenv("RUDDER_DATA_PLANE_URL");
    if (url == nullptr) {
        std::cerr << "set RUDDER_DATA_PLANE_URL to a data plane, e.g. the one `rudder-group serve` "
                     "runs\n";
        return 2;
    }

    // A refused event: every problem, with its code and path.
    try {
        rudder::EventBuilder("")
            .employees(-3)
            .trait("ratio", std::numeric_limits<double>::quiet_NaN())
            .build();
        std::cerr << "an invalid event was accepted\n";
        return 1;
    } catch (const rudder::Error &e) {
        std::cout << "refused (" << e.code_name() << "):\n";
        for (const auto &issue : e.issues()) {
            std::cout << "  " << issue.code_name << " at " << issue.path << ": " << issue.message
                      << "\n";
        }
        if (e.code() != RUDDER_NON_FINITE_NUMBER || e.issues().size() != 4) {
            return 1;
        }
    }

    std::atomic<int> delivered{0};
    rudder::ClientConfig config("test-write-key", url);
    config.flush_at(2).on_outcome([&delivered](const rudder::Outcome &outcome) {
        // Runs on the client's worker thread.
        if (outcome.kind() == RUDDER_OUTCOME_DELIVERED) {
            delivered += static_cast<int>(outcome.message_ids().size());
        }
    });
    rudder::Client client(config);

    rudder::Event event = rudder::EventBuilder("acme")
                              .user_id("user-42")
                              .name("Acme Inc.")
                              .industry("Manufacturing")
                              .employees(450)
                              .address_city("Springfield")
                              .trait("tier", "gold")
                              .trait("seats", 25)
                              .trait("trial", false)
                              .trait_json("tags", R"(["b2b","priority"])")
                              .build();
    std::cout << event.to_json() << "\n";
    std::string first = client.enqueue(event);
    std::string second = client.group(rudder::EventBuilder("acme").anonymous_id("visitor-7"));

    rudder_flush_result result = client.flush();
    std::cout << "delivered " << result.delivered << " (" << first << ", " << second << ")\n";
    client.close();
    try {
        client.group(rudder::EventBuilder("late").user_id("u"));
        return 1;
    } catch (const rudder::Error &e) {
        std::cout << "after close: " << e.code_name() << "\n";
        if (e.code() != RUDDER_CLIENT_CLOSED) {
            return 1;
        }
    }
    return result.delivered == 2 && delivered == 2 ? 0 : 1;
}
