/*
 * The local data plane's admin API for the C tests, read with curl: `admin(url, method, path,
 * body)` returns the answer (the caller frees it), or NULL after printing why on stderr.
 */
#ifndef RUDDER_GROUP_TEST_ADMIN_H
#define RUDDER_GROUP_TEST_ADMIN_H

#include <stdio.h>
#include <stdlib.h>

static inline char *admin(const char *url, const char *method, const char *path, const char *body) {
    char command[1024];
    snprintf(command, sizeof command,
             "curl -sS --max-time 30 -X %s -H 'Content-Type: application/json' %s%s%s '%s%s'",
             method, body ? "--data '" : "", body ? body : "", body ? "'" : "", url, path);
    FILE *p = popen(command, "r");
    if (p == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, len = 0, n;
    char *out = malloc(cap);
    while (out != NULL && (n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 == cap) {
            char *bigger = realloc(out, cap *= 2);
            if (bigger == NULL) {
                free(out);
                out = NULL;
            } else {
                out = bigger;
            }
        }
    }
    int status = pclose(p);
    if (out != NULL) {
        out[len] = '\0';
    }
    if (status != 0) {
        fprintf(stderr, "%s failed (%d): %s\n", command, status, out ? out : "");
        free(out);
        return NULL;
    }
    return out;
}

#endif
