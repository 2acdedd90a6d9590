/* cli.c: the plumbing every subcommand shares: the option parser, error
 * and usage messages, JSON output in the ls --json conventions, and the
 * progress line with Ctrl-C cancellation on stderr. */
#include "cli.h"
#include "format.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* ---- errors ----------------------------------------------------------- */

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fprintf(stderr, "ckpt %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_lib_error(const char *cmd)
{
	const char *message = ckpt_error_last();
	cli_error(cmd, "%s", message && *message ? message : "unknown error");
}

int cli_status_for(int rc)
{
	switch (rc) {
	case CKPT_OK: return CLI_OK;
	case CKPT_EINVAL:
	case CKPT_ENOENT:
	case CKPT_EFORMAT: return CLI_USAGE;
	case CKPT_ECANCELLED: return CLI_INTERRUPTED;
	default: return CLI_PROBLEMS;
	}
}

/* ---- options ------------------------------------------------------------ */

void cli_parser_init(cli_parser *p, int argc, char **argv, const cli_option *options)
{
	memset(p, 0, sizeof *p);
	p->cmd = argc > 0 ? argv[0] : "?";
	p->argc = argc;
	p->argv = argv;
	p->next = 1;
	p->options = options;
}

static const cli_option *find_option(const cli_option *options, const char *name, size_t len)
{
	for (const cli_option *o = options; o && o->name; o++)
		if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
			return o;
	return NULL;
}

int cli_next(cli_parser *p, const char **value)
{
	*value = NULL;
	if (p->next >= p->argc)
		return CLI_ARG_END;
	const char *word = p->argv[p->next++];
	/* "-" and negative numbers are values, not options. */
	if (p->only_positional || word[0] != '-' || word[1] == '\0' ||
	    (word[1] >= '0' && word[1] <= '9')) {
		*value = word;
		return CLI_ARG_POSITIONAL;
	}
	if (strcmp(word, "--") == 0) {
		p->only_positional = true;
		return cli_next(p, value);
	}
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0)
		return CLI_ARG_HELP;
	if (word[1] != '-') {
		*value = word;
		return CLI_ARG_UNKNOWN;
	}
	const char *name = word + 2;
	const char *eq = strchr(name, '=');
	const cli_option *o =
	    find_option(p->options, name, eq ? (size_t)(eq - name) : strlen(name));
	if (!o) {
		*value = word;
		return CLI_ARG_UNKNOWN;
	}
	if (!o->has_value) {
		if (eq) {
			cli_usage_error(p->cmd, "option '--%s' takes no value", o->name);
			return CLI_ARG_ERROR;
		}
		return o->id;
	}
	if (eq) {
		*value = eq + 1;
	} else if (p->next < p->argc) {
		*value = p->argv[p->next++];
	} else {
		cli_usage_error(p->cmd, "option '--%s' needs a value", o->name);
		return CLI_ARG_ERROR;
	}
	return o->id;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fflush(stdout);
	fprintf(stderr, "ckpt %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry 'ckpt %s --help'.\n", cmd);
	va_end(ap);
	return CLI_USAGE;
}

bool cli_parse_long(const char *cmd, const char *what, const char *text, long min, long max,
		    long *out)
{
	char *end = NULL;
	errno = 0;
	long value = text && *text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || *end || errno || value < min || value > max) {
		if (max == LONG_MAX)
			cli_usage_error(cmd, "%s must be a whole number >= %ld, not '%s'", what,
					min, text ? text : "");
		else
			cli_usage_error(cmd, "%s must be a whole number from %ld to %ld, not '%s'",
					what, min, max, text ? text : "");
		return false;
	}
	*out = value;
	return true;
}

bool cli_parse_double(const char *cmd, const char *what, const char *text, double min, double *out)
{
	char *end = NULL;
	errno = 0;
	double value = text && *text ? strtod(text, &end) : NAN;
	if (!text || !*text || *end || errno || !isfinite(value) || value < min) {
		cli_usage_error(cmd, "%s must be a number >= %g, not '%s'", what, min,
				text ? text : "");
		return false;
	}
	*out = value;
	return true;
}

int cli_help(const char *text)
{
	fputs(text, stdout);
	return CLI_STOP;
}

/* ---- JSON output ---------------------------------------------------------- */

cJSON *cli_json_number(double value)
{
	if (isnan(value))
		return cJSON_CreateString("nan");
	if (isinf(value))
		return cJSON_CreateString(value > 0 ? "inf" : "-inf");
	return cJSON_CreateNumber(value);
}

cJSON *cli_json_string(const char *text)
{
	return text ? cJSON_CreateString(text) : cJSON_CreateNull();
}

cJSON *cli_json_run(const char *cmd, const ckpt_run *run)
{
	char *text = NULL;
	if (ckpt_run_to_json(&text, run) != 0) {
		cli_lib_error(cmd);
		return NULL;
	}
	cJSON *object = cJSON_Parse(text);
	if (!object)
		cli_error(cmd, "%s: the library gave JSON that does not parse", ckpt_run_name(run));
	free(text);
	return object;
}

int cli_json_print(const char *cmd, cJSON *value)
{
	char *text = value ? cJSON_Print(value) : NULL;
	cJSON_Delete(value);
	if (!text) {
		cli_error(cmd, "out of memory");
		return CLI_USAGE;
	}
	fputs(text, stdout);
	fputc('\n', stdout);
	free(text);
	return CLI_OK;
}

/* ---- progress and cancellation ------------------------------------------ */

/* int, not sig_atomic_t by name, because ckpt_progress wants an int; glibc's
 * sig_atomic_t is int. */
static volatile int cancel_flag;
static bool cancel_installed;

static void on_sigint(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

const volatile int *cli_cancel_flag(void)
{
	if (!cancel_installed) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_sigint;
		/* Only the first Ctrl-C is caught: a stuck call can still be killed. */
		sa.sa_flags = SA_RESETHAND;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		cancel_installed = true;
	}
	return &cancel_flag;
}

bool cli_cancelled(void)
{
	return cancel_flag != 0;
}

static double monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int terminal_columns(void)
{
	struct winsize ws;
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

static void progress_draw(const char *stage, uint64_t done, uint64_t total, void *payload)
{
	cli_progress *p = payload;
	/* A count that goes down started over (a new call): the rate covers
	 * everything counted so far. */
	if (done < p->last_done)
		p->carried += p->last_done;
	p->last_done = done;
	double now = monotonic_seconds();
	if (now - p->last_draw < 0.1 && done < total)
		return;
	p->last_draw = now;
	double elapsed = now - p->start;
	double rate = p->bytes && elapsed > 0.2 ? (double)(p->carried + done) / elapsed : -1.0;
	char stage_text[256];
	snprintf(stage_text, sizeof stage_text, "%s%s%s", p->label ? p->label : "",
		 p->label ? ": " : "", stage ? stage : "");
	char line[512];
	fmt_progress(line, sizeof line, stage_text, done, total, rate, terminal_columns() - 1);
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->shown = true;
}

void cli_progress_init(cli_progress *p, const char *label, bool bytes)
{
	memset(p, 0, sizeof *p);
	p->bytes = bytes;
	p->enabled = isatty(STDERR_FILENO) == 1;
	p->start = monotonic_seconds();
	p->label = label;
	p->base.fn = p->enabled ? progress_draw : NULL;
	p->base.payload = p;
	p->base.cancel = cli_cancel_flag();
}

void cli_progress_clear(cli_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->shown = false;
	}
}

size_t cli_terminal_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) != 1 || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0)
		return 0;
	return ws.ws_col;
}

bool cli_stdin_is_tty(void)
{
	return isatty(STDIN_FILENO) == 1;
}

bool cli_confirm(const char *question)
{
	fflush(stdout);
	fputs(question, stderr);
	fflush(stderr);
	char line[64];
	if (!fgets(line, sizeof line, stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

bool cli_paths_init(cli_paths *paths, const char *cmd, int argc)
{
	paths->n = 0;
	paths->items = calloc((size_t)argc + 1, sizeof *paths->items);
	if (!paths->items)
		cli_error(cmd, "out of memory");
	return paths->items != NULL;
}

void cli_paths_or_here(cli_paths *paths)
{
	if (paths->n == 0)
		paths->items[paths->n++] = ".";
}

void cli_paths_free(cli_paths *paths)
{
	free((void *)paths->items);
	paths->items = NULL;
	paths->n = 0;
}
