/* cli.h: what the `ckpt` subcommands share: exit codes, the option parser,
 * error reporting, text made safe for the terminal, JSON output, the
 * stderr progress line with Ctrl-C cancellation, and finding runs. Each
 * subcommand lives in its own cmd-<name>.c. */
#ifndef CKPT_TUI_CLI_H
#define CKPT_TUI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"

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

/* ---- errors (cli.c) ------------------------------------------------------ */

/* "ckpt <cmd>: <message>" on stderr. The whole message is escaped for the
 * terminal: pass raw names and paths, never cli_text() results. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The library's message for a failed call, as cli_error. */
void cli_lib_error(const char *cmd);
/* Exit status for a failed library call: refusals and damage found are
 * CLI_PROBLEMS; bad arguments and unreadable or ambiguous input CLI_USAGE. */
int cli_status_for(int rc);

/* ---- options (cli.c) ----------------------------------------------------- */

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

/* The PATH words of ls, verify and clean, gathered while parsing (room for
 * every word); cli_paths_or_here adds "." when none was given. */
typedef struct cli_paths {
	const char **items;
	int n;
} cli_paths;
bool cli_paths_init(cli_paths *paths, const char *cmd, int argc);
void cli_paths_or_here(cli_paths *paths);
void cli_paths_free(cli_paths *paths);

/* ---- the terminal (cli-term.c) ------------------------------------------- */

/* Reads the locale's character set (LC_CTYPE only: numbers stay in the C
 * locale): on a terminal that is not UTF-8, names are escaped to ASCII. */
void cli_term_init(void);
/* The terminal is not UTF-8: ASCII escapes and "..." for ellipses. */
bool cli_ascii(void);
/* text (bytes from a tree: names, metadata, paths) escaped for the
 * terminal with ckpt_escape; NULL is "". Owned by the program, freed by
 * cli_text_release at exit. */
const char *cli_text(const char *text);
void cli_text_release(void);

/* Whether stdin is a terminal that can answer a question. */
bool cli_stdin_is_tty(void);
/* Whether stdout is a terminal. */
bool cli_stdout_is_tty(void);
/* Columns of the terminal on stdout, or 0 when stdout is not a terminal
 * (tables are then printed whole). CKPT_FORCE_WIDTH=N sets N (tests). */
size_t cli_terminal_width(void);
/* Asks on stderr, reads a line from stdin: true for y/yes (any case). */
bool cli_confirm(const char *question);

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
	const char *label; /* prefix when the event names no run (borrowed) */
} cli_progress;

/* Sets up p: draws on stderr only when it is a terminal; always carries
 * the cancel flag. */
void cli_progress_init(cli_progress *p, const char *label);
/* Erases the line, so that the next output starts clean. */
void cli_progress_clear(cli_progress *p);

/* ---- JSON output (cli-json.c) -------------------------------------------- */

/* Pretty JSON in the library's style (two spaces a level), written to a
 * buffer. Numbers go through ckpt_format_number (non-finite as "inf",
 * "-inf", "nan"); strings are made valid UTF-8; the library's own objects
 * are embedded with cli_json_raw. */
#define CLI_JSON_MAX_DEPTH 16
typedef struct cli_json {
	char *data;
	size_t len, cap;
	bool oom;
	int depth;
	bool members[CLI_JSON_MAX_DEPTH]; /* the container at each depth has a member */
	char closers[CLI_JSON_MAX_DEPTH]; /* and is closed by '}' or ']' */
	bool after_key;
} cli_json;

void cli_json_init(cli_json *j);
void cli_json_free(cli_json *j);
void cli_json_object(cli_json *j); /* { */
void cli_json_array(cli_json *j);  /* [ */
void cli_json_end(cli_json *j);    /* } or ] */
void cli_json_key(cli_json *j, const char *key);
void cli_json_string(cli_json *j, const char *text); /* NULL: null */
void cli_json_number(cli_json *j, double value);
void cli_json_int(cli_json *j, int64_t value);
void cli_json_bool(cli_json *j, bool value);
void cli_json_null(cli_json *j);
/* A JSON value the library wrote with CKPT_JSON_PRETTY, re-indented to
 * this depth; takes ownership (ckpt_free). NULL: null. */
void cli_json_raw(cli_json *j, char *text);
/* A JSON value the library wrote already indented to this depth
 * (CKPT_JSON_PRETTY | CKPT_JSON_AT_DEPTH), so any thread may have made it;
 * takes ownership (ckpt_free). NULL: out of memory. */
void cli_json_put_indented(cli_json *j, char *indented);
/* The same, written to stdout at once after what is buffered (streaming:
 * no copy through the buffer). */
void cli_json_stream_indented(cli_json *j, char *indented);
/* Writes what is buffered to stdout and empties the buffer (streaming). */
void cli_json_flush(cli_json *j);
/* The library's object with more members: writes its members, then leaves
 * it open for cli_json_key... and cli_json_end. Takes ownership. */
void cli_json_extend(cli_json *j, char *text);
/* "error": {"code": ckpt_error_name(rc) or code_name, "message": ...}. */
void cli_json_error(cli_json *j, int rc, const char *code_name, const char *message);
/* Prints the text and a newline to stdout. CLI_OK, or CLI_USAGE after
 * reporting out-of-memory. */
int cli_json_print(cli_json *j, const char *cmd);

/* ---- runs (run-text.c) ---------------------------------------------------- */

/* "30", "30 (relocated)", "31 (dangling)", "-": an epoch link for a table. */
const char *cli_link_text(char *out, size_t size, int64_t epoch, ckpt_link_state state);
/* The same for a table cell, where the STATUS column already says that
 * relocated links need relinking: just the epoch for those. */
const char *cli_link_cell(char *out, size_t size, int64_t epoch, ckpt_link_state state);
/* "min" for '-' (smaller is better), "max" for '+', "?" when unknown. */
const char *cli_direction_text(char direction);
/* "best", "last", "best,last" or "". */
const char *cli_marks_text(char *out, size_t size, const ckpt_run *run, int64_t epoch);
/* How ls and the dashboard order runs: by name; by the best value (best
 * first by each run's direction, runs without one last); by the last save
 * (newest first); by size (largest first). Ties go by name. */
typedef enum { CLI_SORT_NAME, CLI_SORT_METRIC, CLI_SORT_UPDATED, CLI_SORT_SIZE } cli_sort;
int cli_run_compare(const ckpt_run *a, const ckpt_run *b, cli_sort key);
/* What the orders look at, for a caller that keeps it and not the run. */
typedef struct cli_run_key {
	const char *name; /* borrowed */
	bool has_metric;
	double metric; /* the best value, smaller is better whatever the direction */
	int64_t updated;
	uint64_t bytes;
} cli_run_key;
void cli_run_key_of(cli_run_key *out, const ckpt_run *run);
/* cli_run_compare's order: by key, then by name. */
int cli_run_key_compare(const cli_run_key *a, const cli_run_key *b, cli_sort key);
/* "name", "metric", "updated", "size"; and back (false for anything else). */
const char *cli_sort_name(cli_sort key);
bool cli_sort_from_name(cli_sort *out, const char *name);
/* ckpt_run_open, reporting a failure; CLI_OK or CLI_USAGE (missing,
 * unreadable or ambiguous). *out_rc (may be NULL) gets the library's code. */
int cli_open_run(const char *cmd, const char *path, ckpt_run **out, int *out_rc);

/* The runs under many PATHs (ls, verify, clean): scanned one PATH after
 * another, each run referenced, problems reported on stderr as found. */
typedef struct cli_runs {
	ckpt_run **runs;
	size_t n, cap;
	char **problems; /* "path: cause", copied */
	size_t n_problems;
	bool path_failed; /* a PATH could not be scanned (missing...) */
	bool cancelled;
	bool oom;
	size_t n_found; /* runs found, kept or not */
} cli_runs;

/* Scans every PATH; "no checkpoint runs found under PATH" on stderr for a
 * PATH without any. */
void cli_runs_scan(cli_runs *runs, const char *cmd, const cli_paths *paths, int depth);
/* The same, but each run is handed to fn as the scan reads it (in order:
 * PATH by PATH, by name) and not kept; fn returns nonzero to stop. */
void cli_runs_scan_each(cli_runs *runs, const char *cmd, const cli_paths *paths, int depth,
			ckpt_scan_fn fn, void *payload);
/* The same with the scan's hooks (prepare on the reading threads). */
void cli_runs_scan_hooked(cli_runs *runs, const char *cmd, const cli_paths *paths, int depth,
			  const ckpt_scan_hooks *hooks);
void cli_runs_free(cli_runs *runs);
/* The problems as a JSON array. */
void cli_runs_problems_json(const cli_runs *runs, cli_json *j);

#endif
