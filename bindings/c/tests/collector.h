/*
 * An outcome callback for the tests: records every outcome it receives (on the worker thread)
 * into a collector passed as user_data. Read a collector after rudder_client_flush or
 * rudder_client_close returned: every outcome of the flushed events has been recorded by then.
 */
#ifndef RUDDER_GROUP_TEST_COLLECTOR_H
#define RUDDER_GROUP_TEST_COLLECTOR_H

#include <stdatomic.h>
#include <string.h>

#include <rudder_group.h>

#define MAX_OUTCOMES 64
#define MAX_IDS 512
#define ID_LEN 64

typedef struct {
    rudder_outcome_kind kind;
    uint16_t status;
    uint32_t attempts;
    int has_body;
    char body[128];
    char reason[256];
    size_t id_count;
} outcome_record;

typedef struct {
    atomic_size_t outcomes;
    atomic_size_t ids;
    outcome_record records[MAX_OUTCOMES];
    char id[MAX_IDS][ID_LEN];
    rudder_outcome_kind id_kind[MAX_IDS];
} collector;

static inline void copy_text(char *dst, size_t cap, const char *src) {
    if (src == NULL) {
        dst[0] = '\0';
        return;
    }
    strncpy(dst, src, cap - 1);
    dst[cap - 1] = '\0';
}

static inline void collect(const rudder_outcome *outcome, void *user_data) {
    collector *c = user_data;
    size_t slot = atomic_fetch_add(&c->outcomes, 1);
    outcome_record *r = slot < MAX_OUTCOMES ? &c->records[slot] : NULL;
    rudder_outcome_kind kind = RUDDER_OUTCOME_DELIVERED;
    if (rudder_outcome_get_kind(outcome, &kind) != RUDDER_OK) {
        kind = (rudder_outcome_kind)-1;
    }
    size_t count = rudder_outcome_message_id_count(outcome);
    if (r != NULL) {
        r->kind = kind;
        r->status = rudder_outcome_http_status(outcome);
        r->attempts = rudder_outcome_attempts(outcome);
        r->has_body = rudder_outcome_body(outcome) != NULL;
        copy_text(r->body, sizeof r->body, rudder_outcome_body(outcome));
        copy_text(r->reason, sizeof r->reason, rudder_outcome_reason(outcome));
        r->id_count = count;
    }
    for (size_t i = 0; i < count; i++) {
        size_t at = atomic_fetch_add(&c->ids, 1);
        if (at < MAX_IDS) {
            copy_text(c->id[at], ID_LEN, rudder_outcome_message_id(outcome, i));
            c->id_kind[at] = kind;
        }
    }
    /* Past the end there is nothing. */
    if (rudder_outcome_message_id(outcome, count) != NULL && r != NULL) {
        r->id_count = (size_t)-1;
    }
}

static inline void collector_reset(collector *c) {
    memset(c, 0, sizeof *c);
    atomic_init(&c->outcomes, 0);
    atomic_init(&c->ids, 0);
}

/* Whether the collector saw `id` with outcome `kind`. */
static inline int collector_saw(collector *c, const char *id, rudder_outcome_kind kind) {
    size_t n = atomic_load(&c->ids);
    for (size_t i = 0; i < n && i < MAX_IDS; i++) {
        if (strcmp(c->id[i], id) == 0 && c->id_kind[i] == kind) {
            return 1;
        }
    }
    return 0;
}

#endif
