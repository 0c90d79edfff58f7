/* Sends COUNT group calls through the C library of the unpacked release tarball, compiled with
 * `cc send.c $(pkg-config --cflags --libs rudder_group)`. Run by check.sh against a local data
 * plane (RUDDER_DATA_PLANE_URL); exits non-zero unless every event was delivered. */
#include <rudder_group.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT 5

static int fail(const char *what) {
    fprintf(stderr, "c: %s: %s\n", what, rudder_last_error_message());
    return 1;
}

int main(void) {
    const char *url = getenv("RUDDER_DATA_PLANE_URL");
    if (url == NULL) {
        fprintf(stderr, "c: RUDDER_DATA_PLANE_URL is not set\n");
        return 2;
    }
    if (strcmp(rudder_version(), RUDDER_GROUP_VERSION) != 0) {
        fprintf(stderr, "c: header %s, library %s\n", RUDDER_GROUP_VERSION, rudder_version());
        return 1;
    }
    rudder_client_config *config = NULL;
    rudder_client *client = NULL;
    if (rudder_client_config_new("test-write-key", url, &config) != RUDDER_OK) return fail("config");
    rudder_client_config_set_flush_at(config, 2);
    rudder_status status = rudder_client_new(config, &client);
    rudder_client_config_free(config);
    if (status != RUDDER_OK) return fail("client");

    for (int i = 0; i < COUNT; i++) {
        char user[32];
        snprintf(user, sizeof user, "user-%d", i);
        rudder_event_builder *builder = NULL;
        if (rudder_event_builder_new("dist-c", &builder) != RUDDER_OK) return fail("builder");
        rudder_event_builder_set_user_id(builder, user);
        rudder_event_builder_set_name(builder, "Acme");
        rudder_event_builder_set_trait_int64(builder, "seat", i);
        if (rudder_client_group(client, builder, NULL, NULL) != RUDDER_OK) return fail("group");
    }
    rudder_flush_result result;
    if (rudder_client_flush(client, 30000, &result) != RUDDER_OK) return fail("flush");
    rudder_client_free(client);
    if (result.delivered != COUNT || result.failed != 0 || result.dropped != 0) {
        fprintf(stderr, "c: expected %d delivered, got %llu delivered, %llu failed, %llu dropped\n",
                COUNT, (unsigned long long)result.delivered, (unsigned long long)result.failed,
                (unsigned long long)result.dropped);
        return 1;
    }
    printf("c: %d delivered by librudder_group %s\n", COUNT, rudder_version());
    return 0;
}
