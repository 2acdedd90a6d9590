/* cli-fixture.h: running the real `ckpt` program on temporary trees (with
 * its environment, or on a pseudo-terminal to answer its questions) and
 * reading its output, shared by the test-cli* programs. */
#ifndef CKPT_CLI_FIXTURE_H
#define CKPT_CLI_FIXTURE_H

#include <cjson/cJSON.h>
#include <glib.h>
#include <stdbool.h>

typedef struct run_result {
	int status; /* exit status; -1 when killed by a signal */
	char *out;
	char *err;
} run_result;

/* g_test_init, plus a private $XDG_CACHE_HOME (where verify records go)
 * for every ckpt this program runs; cli_test_run runs the tests and
 * removes it. */
void cli_test_init(int *argc, char ***argv);
int cli_test_run(void);

/* CKPT_BIN (set by meson), else tui/ckpt beside this program's tests/ dir.
 * Caller g_free()s. */
char *ckpt_binary(void);
void run_result_clear(run_result *r);
/* Runs `ckpt ARGS...` (NULL-terminated) with stdin from /dev/null; env
 * (NULL-terminated "NAME=VALUE" words, may be NULL) is added to ours. */
run_result run_ckpt_envv(const char *const *env, const char *const *args);
run_result run_ckptv(const char *const *args);
#define run_ckpt(...) run_ckptv((const char *const[]){__VA_ARGS__, NULL})
#define run_ckpt_env(env, ...) run_ckpt_envv(env, (const char *const[]){__VA_ARGS__, NULL})
/* Runs and asserts the exit status; returns stdout (caller g_free()s). */
char *ckpt_ok(int expected_status, const char *const *args);
#define ckpt_expect(status, ...) ckpt_ok(status, (const char *const[]){__VA_ARGS__, NULL})
/* Parses text, failing the test when it is not JSON. Caller cJSON_Delete()s. */
cJSON *parse_json(const char *text);
/* Runs, asserts the exit status and parses stdout. Caller cJSON_Delete()s. */
cJSON *ckpt_json(int expected_status, const char *const *args);
#define ckpt_expect_json(status, ...) ckpt_json(status, (const char *const[]){__VA_ARGS__, NULL})

/* Runs ckpt on a pseudo-terminal (stdin, stdout and stderr all on it, 80
 * columns): when `prompt` appears, calls between(payload) (may be NULL),
 * then types `answer` and a newline. *out gets everything the terminal
 * showed (caller g_free()s); returns the exit status. */
int run_ckpt_pty(char **out, const char *prompt, void (*between)(void *), void *payload,
		 const char *answer, const char *const *args);

cJSON *get(const cJSON *object, const char *key);
double get_number(const cJSON *object, const char *key);
const char *get_string(const cJSON *object, const char *key);
/* The run named `name` in a {"runs": [...]} object, or NULL. */
cJSON *find_run(const cJSON *json, const char *name);

/* Asserts that text is safe on a terminal: valid UTF-8 (or ASCII when
 * ascii), no control character but '\n' (C0, DEL, C1), no bidi override. */
void assert_terminal_safe(const char *text, bool ascii);
/* The widest line of text, in characters. */
size_t widest_line(const char *text);
/* How many times needle occurs in text. */
size_t count_of(const char *text, const char *needle);

/* A demo run of `epochs` small epochs in dir/name; returns the run folder.
 * extra: one more word for the demo (NULL: keep every epoch). */
char *make_demo(const char *dir, const char *name, const char *epochs, const char *extra);
/* run/ckpts/epochs/dir/file (file may be NULL). Caller g_free()s. */
char *epoch_path(const char *run, const char *dir, const char *file);
/* The target of run/ckpts/last, or NULL. Caller g_free()s. */
char *last_target(const char *run);
/* Flips a byte of a file (bit rot). */
void flip_byte(const char *path, size_t offset);
/* Starts `ckpt demo` in the background, an epoch every `every` seconds,
 * keeping all of them, and waits for its first epoch (it holds the run's
 * lock from its start); stop it with stop_live_demo. */
GPid start_live_demo(const char *run, const char *every);
void stop_live_demo(GPid pid);

#endif
