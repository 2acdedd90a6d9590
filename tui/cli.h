/* cli.h: what the `ckpt` subcommands share: exit codes, the option parser,
 * error reporting, JSON output helpers, and the stderr progress line with
 * Ctrl-C cancellation. Each subcommand lives in its own cmd-<name>.c. */
#ifndef CKPT_TUI_CLI_H
#define CKPT_TUI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"

struct cJSON;

/* Exit statuses of every subcommand. */
enum {
	CLI_OK = 0,            /* done as asked */
	CLI_PROBLEMS = 1,      /* problems found, or the operation was refused */
	CLI_USAGE = 2,         /* bad usage, or input that could not be read */
	CLI_INTERRUPTED = 130, /* Ctrl-C (128 + SIGINT) */
	/* Not an exit status: option parsing printed --help; exit with CLI_OK. */
	CLI_STOP = -1,
};

/* A subcommand: argv[0] is its name; returns an exit status. */
typedef int (*cli_command_fn)(int argc, char **argv);

int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_clean(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_relink(int argc, char **argv);
int cmd_demo(int argc, char **argv);

/* ---- errors ----------------------------------------------------------- */

/* "ckpt <cmd>: <message>" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The library's message for a failed call, as cli_error. */
void cli_lib_error(const char *cmd);
/* Exit status for a failed library call: refusals and damage found are
 * CLI_PROBLEMS; bad arguments and unreadable input CLI_USAGE. */
int cli_status_for(int rc);

/* ---- options ------------------------------------------------------------ */

enum {
	CLI_ARG_END = 0, /* no more words */
	CLI_ARG_POSITIONAL = -1,
	CLI_ARG_UNKNOWN = -2, /* an option not in the table: *value is the word */
	CLI_ARG_ERROR = -3,   /* already reported (missing value...) */
	CLI_ARG_HELP = -4,    /* --help or -h */
};

typedef struct cli_option {
	const char *name; /* without the leading "--" */
	bool has_value;   /* "--name VALUE" or "--name=VALUE" */
	int id;           /* > 0, returned by cli_next */
} cli_option;

typedef struct cli_parser {
	const char *cmd;
	int argc;
	char **argv;
	int next;
	const cli_option *options; /* ends with {NULL} */
	bool only_positional;      /* after "--" */
} cli_parser;

void cli_parser_init(cli_parser *p, int argc, char **argv, const cli_option *options);
/* The next word: an option id (*value its value or NULL), or one of the
 * CLI_ARG_* codes above (*value the word for POSITIONAL and UNKNOWN). */
int cli_next(cli_parser *p, const char **value);
/* Reports a usage error ("ckpt <cmd>: <message>" plus a hint to --help). */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Strict whole-word numbers; false (and a usage message naming `what`)
 * when text is not a number within [min, max]. */
bool cli_parse_long(const char *cmd, const char *what, const char *text, long min, long max,
		    long *out);
bool cli_parse_double(const char *cmd, const char *what, const char *text, double min, double *out);
/* Prints help text to stdout and returns CLI_STOP. */
int cli_help(const char *text);

/* The PATH words of ls and verify, gathered while parsing (room for every
 * word); cli_paths_or_here adds "." when none was given. */
typedef struct cli_paths {
	const char **items;
	int n;
} cli_paths;
bool cli_paths_init(cli_paths *paths, const char *cmd, int argc);
void cli_paths_or_here(cli_paths *paths);
void cli_paths_free(cli_paths *paths);

/* ---- JSON output ---------------------------------------------------------- */

/* A number, or the strings "inf", "-inf", "nan" for non-finite values (the
 * ls --json convention). NULL on out-of-memory. */
struct cJSON *cli_json_number(double value);
/* A string, or null for NULL. */
struct cJSON *cli_json_string(const char *text);
/* The run as ckpt_run_to_json gives it, parsed; NULL after reporting. */
struct cJSON *cli_json_run(const char *cmd, const ckpt_run *run);
/* Prints the value indented, with a final newline, to stdout; takes
 * ownership. Returns CLI_OK or, after reporting, CLI_USAGE. */
int cli_json_print(const char *cmd, struct cJSON *value);

/* ---- progress and cancellation ------------------------------------------ */

/* Installs a SIGINT handler that raises the flag returned; a second
 * Ctrl-C while cancelling kills the program the usual way. */
const volatile int *cli_cancel_flag(void);
bool cli_cancelled(void);

typedef struct cli_progress {
	ckpt_progress base; /* give &p.base to the library */
	bool shown;         /* a line is on the terminal */
	bool enabled;       /* stderr is a terminal */
	double start;       /* monotonic seconds */
	double last_draw;
	uint64_t carried; /* counted by earlier calls, for the rate */
	uint64_t last_done;
	bool bytes;        /* the call counts bytes: show MB/s */
	const char *label; /* prefix, e.g. the run's name (borrowed) */
} cli_progress;

/* Sets up p: draws on stderr only when it is a terminal; always carries
 * the cancel flag. `bytes`: the call reports bytes (verify), so a rate is
 * shown; scan and clean count folders and epochs. */
void cli_progress_init(cli_progress *p, const char *label, bool bytes);
/* Erases the line, so that the next output starts clean. */
void cli_progress_clear(cli_progress *p);

/* ---- describing runs (run-text.c) ---------------------------------------- */

/* "30", "30 (relocated)", "- (dangling)", "-": an epoch link for a table. */
const char *cli_link_text(char *out, size_t size, long epoch, ckpt_link_state state);
/* "live pid 123, work leftover, 3 stray, 1 incomplete" or "ok". Caller frees;
 * NULL on out-of-memory. */
char *cli_run_status(const ckpt_run *run);
/* The tracked metric of the run's best epoch (from the history, else its
 * best_metric_last); false when there is none. */
bool cli_run_best_metric(const ckpt_run *run, double *out);
/* ckpt_run_open, reporting a failure; CLI_OK or CLI_USAGE (unreadable). */
int cli_open_run(const char *cmd, const char *path, ckpt_run **out);
/* "min" for '-' (smaller is better), "max" for '+', "?" when unknown. */
const char *cli_direction_text(char direction);

/* Whether stdin is a terminal that can answer a question. */
bool cli_stdin_is_tty(void);
/* Columns of the terminal on stdout, or 0 when stdout is not a terminal
 * (tables are then printed whole, for scripts and pipes). */
size_t cli_terminal_width(void);
/* Asks on stderr, reads a line from stdin: true for y/yes (any case). */
bool cli_confirm(const char *question);

#endif
