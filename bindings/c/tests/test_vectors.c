/*
 * Runs every shared vector case (the tests/vectors JSON files at the repository root, flattened by
 * vectors_to_lines.py) through rudder_event_from_json_with and compares the canonical JSON
 * byte for byte, or every error and warning code, path and message, in order.
 *
 * Usage: test_vectors LINES_FILE
 */
#include "harness.h"

#define MAX_ISSUES 64

typedef struct {
    char code[64];
    char *path;
    char *message;
} expected_issue;

typedef struct {
    char *name;
    int lenient;
    size_t max_event_bytes;
    char *input;
    char *expect; /* NULL for a refused case */
    expected_issue errors[MAX_ISSUES];
    size_t error_count;
    expected_issue warnings[MAX_ISSUES];
    size_t warning_count;
} vector_case;

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
    }
    return buf;
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decodes the `len` bytes "x<hex>" at `text` into a new NUL-terminated string; NULL when
 * malformed. */
static char *unhex_span(const char *text, size_t len) {
    if (text == NULL || len == 0 || text[0] != 'x') {
        return NULL;
    }
    text++;
    len--;
    if (len % 2 != 0) {
        return NULL;
    }
    char *out = malloc(len / 2 + 1);
    if (out == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        out[i] = (char)(hi * 16 + lo);
    }
    out[len / 2] = '\0';
    return out;
}

/* Decodes "x<hex>" into a new NUL-terminated string; NULL when malformed. */
static char *unhex(const char *text) {
    return text == NULL ? NULL : unhex_span(text, strlen(text));
}

/* Cuts the next line out of *cursor (in place) and returns it, or NULL at the end. */
static char *next_line(char **cursor) {
    char *line = *cursor;
    if (line == NULL || *line == '\0') {
        return NULL;
    }
    char *nl = strchr(line, '\n');
    if (nl != NULL) {
        *nl = '\0';
        *cursor = nl + 1;
    } else {
        *cursor = line + strlen(line);
    }
    return line;
}

static const char *after(const char *line, const char *key) {
    size_t n = strlen(key);
    if (strncmp(line, key, n) == 0 && line[n] == ' ') {
        return line + n + 1;
    }
    return NULL;
}

static int read_issues(char **cursor, const char *header, expected_issue *items, size_t *count) {
    const char *line = next_line(cursor);
    const char *rest = line ? after(line, header) : NULL;
    if (rest == NULL) {
        return 0;
    }
    *count = (size_t)strtoul(rest, NULL, 10);
    if (*count > MAX_ISSUES) {
        return 0;
    }
    for (size_t i = 0; i < *count; i++) {
        line = next_line(cursor);
        rest = line ? after(line, "issue") : NULL;
        const char *space = rest ? strchr(rest, ' ') : NULL;
        if (space == NULL || (size_t)(space - rest) >= sizeof items[i].code) {
            return 0;
        }
        memcpy(items[i].code, rest, (size_t)(space - rest));
        items[i].code[space - rest] = '\0';
        const char *message = strchr(space + 1, ' ');
        if (message == NULL) {
            return 0;
        }
        items[i].path = unhex_span(space + 1, (size_t)(message - (space + 1)));
        items[i].message = unhex(message + 1);
        if (items[i].path == NULL || items[i].message == NULL) {
            return 0;
        }
    }
    return 1;
}

/* Reads one case; 1 on success, 0 at the end, -1 when the file is malformed. */
static int read_case(char **cursor, vector_case *c) {
    memset(c, 0, sizeof *c);
    const char *line = next_line(cursor);
    if (line == NULL) {
        return 0;
    }
    const char *rest = after(line, "case");
    if (rest == NULL) {
        return -1;
    }
    c->name = (char *)rest;
    line = next_line(cursor);
    rest = line ? after(line, "options") : NULL;
    if (rest == NULL) {
        return -1;
    }
    char *end;
    c->lenient = (int)strtol(rest, &end, 10);
    c->max_event_bytes = (size_t)strtoull(end, NULL, 10);
    line = next_line(cursor);
    c->input = unhex(line ? after(line, "input") : NULL);
    if (c->input == NULL) {
        return -1;
    }
    if (strncmp(*cursor, "expect ", 7) == 0) {
        line = next_line(cursor);
        c->expect = unhex(after(line, "expect"));
        if (c->expect == NULL) {
            return -1;
        }
    } else if (!read_issues(cursor, "errors", c->errors, &c->error_count)) {
        return -1;
    }
    if (!read_issues(cursor, "warnings", c->warnings, &c->warning_count)) {
        return -1;
    }
    line = next_line(cursor);
    return (line != NULL && strcmp(line, "end") == 0) ? 1 : -1;
}

static void free_case(vector_case *c) {
    free(c->input);
    free(c->expect);
    for (size_t i = 0; i < c->error_count; i++) {
        free(c->errors[i].path);
        free(c->errors[i].message);
    }
    for (size_t i = 0; i < c->warning_count; i++) {
        free(c->warnings[i].path);
        free(c->warnings[i].message);
    }
}

/* Compares the issues of one severity with the expected list; prints a mismatch. */
static int same_issues(const vector_case *c, const rudder_issues *issues, int warnings,
                       const expected_issue *want, size_t want_count) {
    size_t seen = 0;
    int same = 1;
    for (size_t i = 0; i < rudder_issues_count(issues); i++) {
        rudder_issue issue;
        if (rudder_issues_get(issues, i, &issue) != RUDDER_OK) {
            return 0;
        }
        if ((int)issue.is_warning != warnings) {
            continue;
        }
        if (seen >= want_count || strcmp(issue.code_name, want[seen].code) != 0 ||
            strcmp(issue.path, want[seen].path) != 0 ||
            strcmp(issue.message, want[seen].message) != 0) {
            fprintf(stderr, "%s: %s #%zu is %s at \"%s\" (%s)\n", c->name,
                    warnings ? "warning" : "error", seen, issue.code_name, issue.path,
                    issue.message);
            same = 0;
        }
        if (issue.message == NULL || issue.message[0] == '\0') {
            same = 0;
        }
        seen++;
    }
    if (seen != want_count) {
        fprintf(stderr, "%s: %zu %s, want %zu\n", c->name, seen, warnings ? "warnings" : "errors",
                want_count);
        same = 0;
    }
    return same;
}

static int run_valid(const vector_case *c) {
    rudder_event *event = NULL;
    rudder_issues *issues = NULL;
    rudder_status status =
        rudder_event_from_json_with(c->input, c->lenient, c->max_event_bytes, &event, &issues);
    if (status != RUDDER_OK) {
        fprintf(stderr, "%s: refused with %s: %s\n", c->name, rudder_status_name(status),
                rudder_last_error_message());
        rudder_issues_free(issues);
        return 0;
    }
    int ok = 1;
    char *json = NULL;
    if (rudder_event_to_json(event, &json) != RUDDER_OK || strcmp(json, c->expect) != 0) {
        fprintf(stderr, "%s: bytes differ\n     got: %s\n    want: %s\n", c->name,
                json ? json : "(none)", c->expect);
        ok = 0;
    }
    rudder_issues *warnings = NULL;
    if (rudder_event_warnings(event, &warnings) != RUDDER_OK ||
        !same_issues(c, warnings, 1, c->warnings, c->warning_count) ||
        !same_issues(c, warnings, 0, c->errors, 0)) {
        ok = 0;
    }
    rudder_issues_free(warnings);
    /* The canonical output parses back to the same bytes. */
    rudder_event *again = NULL;
    char *json_again = NULL;
    if (json == NULL ||
        rudder_event_from_json_with(json, c->lenient, c->max_event_bytes, &again, NULL) !=
            RUDDER_OK ||
        rudder_event_to_json(again, &json_again) != RUDDER_OK || strcmp(json, json_again) != 0) {
        fprintf(stderr, "%s: canonical output is not stable\n", c->name);
        ok = 0;
    }
    rudder_string_free(json_again);
    rudder_event_free(again);
    rudder_string_free(json);
    rudder_event_free(event);
    return ok;
}

static int run_refused(const vector_case *c) {
    rudder_event *event = (rudder_event *)c; /* a sentinel: must stay untouched */
    rudder_issues *issues = NULL;
    rudder_status status =
        rudder_event_from_json_with(c->input, c->lenient, c->max_event_bytes, &event, &issues);
    int ok = 1;
    if (status == RUDDER_OK) {
        char *json = NULL;
        rudder_event_to_json(event, &json);
        fprintf(stderr, "%s: accepted as %s\n", c->name, json ? json : "?");
        rudder_string_free(json);
        rudder_event_free(event);
        return 0;
    }
    if (event != (rudder_event *)c) {
        fprintf(stderr, "%s: the event output was written on failure\n", c->name);
        ok = 0;
    }
    if (strcmp(rudder_status_name((uint32_t)status), c->errors[0].code) != 0) {
        fprintf(stderr, "%s: status %s, want %s\n", c->name, rudder_status_name(status),
                c->errors[0].code);
        ok = 0;
    }
    if (rudder_last_error_message()[0] == '\0') {
        fprintf(stderr, "%s: no error message\n", c->name);
        ok = 0;
    }
    if (issues == NULL || !same_issues(c, issues, 0, c->errors, c->error_count) ||
        !same_issues(c, issues, 1, c->warnings, c->warning_count)) {
        ok = 0;
    }
    rudder_issues_free(issues);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s LINES_FILE\n", argv[0]);
        return 2;
    }
    char *text = read_file(argv[1]);
    if (text == NULL) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 2;
    }
    char *cursor = text;
    vector_case c;
    int r, cases = 0, valid = 0, refused = 0;
    while ((r = read_case(&cursor, &c)) == 1) {
        cases++;
        harness_tests++;
        int ok = c.expect != NULL ? run_valid(&c) : run_refused(&c);
        valid += c.expect != NULL;
        refused += c.expect == NULL;
        harness_checks++;
        if (!ok) {
            harness_failures++;
            printf("FAIL %s\n", c.name);
        }
        free_case(&c);
    }
    if (r < 0) {
        fprintf(stderr, "%s: malformed after %d cases\n", argv[1], cases);
        free_case(&c);
        harness_failures++;
    }
    /* An emptied vectors folder must not pass. */
    CHECK(cases >= 90);
    printf("vectors: %d cases (%d valid, %d refused)\n", cases, valid, refused);
    free(text);
    return harness_finish("test_vectors");
}
