/* cli.c: the plumbing every subcommand shares: error and usage messages
 * (escaped for the terminal), exit statuses for the library's codes, the
 * option parser, strict number parsing and the PATH words. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ----------------------------------------------------------- */

/* Formats, then escapes the whole message: whatever a message quotes (a
 * run's name, a path, the library's text about them) reaches the terminal
 * as visible text, never as a control sequence. */
static void print_message(const char *cmd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void print_message(const char *cmd, const char *fmt, va_list ap)
{
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	fflush(stdout);
	fprintf(stderr, "ckpt %s: %s", cli_text(cmd), cli_text(text ? text : "out of memory"));
	free(text);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	print_message(cmd, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
	case CKPT_EFORMAT:
	case CKPT_EAMBIGUOUS: return CLI_USAGE; /* the user names one of the two roots */
	case CKPT_ECANCELLED: return CLI_INTERRUPTED;
	/* ELOCKED, ECHECKSUM, EUNSAFE, EREFUSED: refused; EIO, ENOMEM,
	 * ECALLBACK: the operation failed. */
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
	print_message(cmd, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'ckpt %s --help'.\n", cli_text(cmd));
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
