/* cli-fixture.h: running the real `ckpt` program on temporary trees and
 * reading its JSON, shared by test-cli and test-cli-fixtures. */
#ifndef CKPT_CLI_FIXTURE_H
#define CKPT_CLI_FIXTURE_H

#include <cjson/cJSON.h>
#include <glib.h>

typedef struct run_result {
	int status; /* exit status; -1 when killed by a signal */
	char *out;
	char *err;
} run_result;

/* CKPT_BIN (set by meson), else tui/ckpt beside this program's tests/ dir.
 * Caller g_free()s. */
char *ckpt_binary(void);
void run_result_clear(run_result *r);
/* Runs `ckpt ARGS...` (NULL-terminated) with stdin from /dev/null. */
run_result run_ckptv(const char *const *args);
#define run_ckpt(...) run_ckptv((const char *const[]){__VA_ARGS__, NULL})
/* Runs and asserts the exit status; returns stdout (caller g_free()s). */
char *ckpt_ok(int expected_status, const char *const *args);
#define ckpt_expect(status, ...) ckpt_ok(status, (const char *const[]){__VA_ARGS__, NULL})
/* Parses text, failing the test when it is not JSON. Caller cJSON_Delete()s. */
cJSON *parse_json(const char *text);
/* Runs, asserts the exit status and parses stdout. Caller cJSON_Delete()s. */
cJSON *ckpt_json(int expected_status, const char *const *args);
#define ckpt_expect_json(status, ...) ckpt_json(status, (const char *const[]){__VA_ARGS__, NULL})

cJSON *get(const cJSON *object, const char *key);
double get_number(const cJSON *object, const char *key);
const char *get_string(const cJSON *object, const char *key);

/* A demo run of `epochs` small epochs in dir/name; returns the run folder. */
char *make_demo(const char *dir, const char *name, const char *epochs, const char *extra);
/* run/ckpts/epochs/dir/file (file may be NULL). Caller g_free()s. */
char *epoch_path(const char *run, const char *dir, const char *file);
/* The target of run/ckpts/last, or NULL. Caller g_free()s. */
char *last_target(const char *run);

#endif
