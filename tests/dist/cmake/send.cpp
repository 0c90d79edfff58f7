// Sends COUNT group calls through the C++ wrapper of the unpacked release tarball, built by
// CMake with find_package(rudder_group CONFIG). argv[1] is the groupId, so the data plane can
// tell the shared build from the static one. Exits non-zero unless every event was delivered.
#include <rudder_group.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char **argv) {
    const char *url = std::getenv("RUDDER_DATA_PLANE_URL");
    if (argc != 2 || url == nullptr) {
        std::cerr << "usage: RUDDER_DATA_PLANE_URL=... send GROUP_ID\n";
        return 2;
    }
    constexpr int count = 5;
    try {
        rudder::ClientConfig config("test-write-key", url);
        config.flush_at(2);
        rudder::Client client(config);
        for (int i = 0; i < count; i++) {
            rudder::EventBuilder builder(argv[1]);
            builder.user_id("user-" + std::to_string(i)).name("Acme").trait("seat", i);
            client.group(builder);
        }
        rudder_flush_result result = client.close(std::chrono::seconds(30));
        if (result.delivered != count || result.failed != 0 || result.dropped != 0) {
            std::cerr << argv[1] << ": expected " << count << " delivered, got " << result.delivered
                      << " delivered, " << result.failed << " failed, " << result.dropped
                      << " dropped\n";
            return 1;
        }
    } catch (const rudder::Error &e) {
        std::cerr << argv[1] << ": " << e.what() << "\n";
        return 1;
    }
    std::cout << argv[1] << ": " << count << " delivered by librudder_group " << rudder_version()
              << "\n";
    return 0;
}
