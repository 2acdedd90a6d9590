/* cli-json.c: the envelopes of the --json forms ({"runs": [...],
 * "problems": [...]}, errors, the few objects only the CLI makes), written
 * in the library's pretty style so that its objects embed unchanged:
 * numbers exact through ckpt_format_number, strings valid UTF-8. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH CLI_JSON_MAX_DEPTH

void cli_json_init(cli_json *j)
{
	memset(j, 0, sizeof *j);
}

void cli_json_free(cli_json *j)
{
	free(j->data);
	memset(j, 0, sizeof *j);
}

static void put(cli_json *j, const char *text, size_t n)
{
	if (j->oom)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 1024;
		while (cap < j->len + n + 1)
			cap *= 2;
		char *data = realloc(j->data, cap);
		if (!data) {
			j->oom = true;
			return;
		}
		j->data = data, j->cap = cap;
	}
	memcpy(j->data + j->len, text, n);
	j->len += n;
	j->data[j->len] = '\0';
}

static void puts_json(cli_json *j, const char *text)
{
	put(j, text, strlen(text));
}

static void newline(cli_json *j, int depth)
{
	puts_json(j, "\n");
	for (int i = 0; i < depth; i++)
		puts_json(j, "  ");
}

/* Before a value: after a key nothing more; in an array, a comma and a line. */
static void before_value(cli_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (j->members[j->depth])
			puts_json(j, ",");
		newline(j, j->depth);
	}
	if (j->depth < MAX_DEPTH)
		j->members[j->depth] = true;
}

/* Enters a container whose opening text is written; false when too deep. */
static void push(cli_json *j, char closer, bool has_members)
{
	if (j->depth + 1 >= MAX_DEPTH) {
		j->oom = true; /* deeper than any envelope here */
		return;
	}
	j->depth++;
	j->members[j->depth] = has_members;
	j->closers[j->depth] = closer;
}

void cli_json_object(cli_json *j)
{
	before_value(j);
	puts_json(j, "{");
	push(j, '}', false);
}

void cli_json_array(cli_json *j)
{
	before_value(j);
	puts_json(j, "[");
	push(j, ']', false);
}

void cli_json_end(cli_json *j)
{
	if (j->depth <= 0)
		return;
	if (j->members[j->depth])
		newline(j, j->depth - 1);
	char closer[2] = {j->closers[j->depth], '\0'};
	puts_json(j, closer);
	j->depth--;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD, as in the library. */
static void put_string(cli_json *j, const char *text)
{
	puts_json(j, "\"");
	const unsigned char *s = (const unsigned char *)text;
	while (*s) {
		unsigned char c = *s;
		char esc[8];
		if (c == '"' || c == '\\') {
			snprintf(esc, sizeof esc, "\\%c", c);
			puts_json(j, esc);
			s++;
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			puts_json(j, esc);
			s++;
		} else if (c < 0x80) {
			put(j, (const char *)s++, 1);
		} else {
			size_t n = (c & 0xe0) == 0xc0   ? 2
				   : (c & 0xf0) == 0xe0 ? 3
				   : (c & 0xf8) == 0xf0 ? 4
							: 0;
			bool valid = n > 0;
			for (size_t k = 1; valid && k < n; k++)
				valid = (s[k] & 0xc0) == 0x80;
			/* Overlong forms and surrogates are not UTF-8 either. */
			if (valid && n == 2)
				valid = c >= 0xc2;
			if (valid && n == 3)
				valid = !(c == 0xe0 && s[1] < 0xa0) && !(c == 0xed && s[1] >= 0xa0);
			if (valid && n == 4)
				valid = c <= 0xf4 && !(c == 0xf0 && s[1] < 0x90) &&
					!(c == 0xf4 && s[1] >= 0x90);
			if (valid) {
				put(j, (const char *)s, n);
				s += n;
			} else {
				puts_json(j, "\xef\xbf\xbd");
				s++;
			}
		}
	}
	puts_json(j, "\"");
}

void cli_json_key(cli_json *j, const char *key)
{
	before_value(j);
	put_string(j, key);
	puts_json(j, ": ");
	j->after_key = true;
}

void cli_json_string(cli_json *j, const char *text)
{
	before_value(j);
	if (text)
		put_string(j, text);
	else
		puts_json(j, "null");
}

void cli_json_number(cli_json *j, double value)
{
	char text[CKPT_NUMBER_TEXT_MAX];
	ckpt_format_number(text, value);
	/* JSON has no infinities: the library's convention is a string. */
	if (strcmp(text, "inf") == 0 || strcmp(text, "-inf") == 0 || strcmp(text, "nan") == 0) {
		cli_json_string(j, text);
		return;
	}
	before_value(j);
	puts_json(j, text);
}

void cli_json_int(cli_json *j, int64_t value)
{
	char text[32];
	snprintf(text, sizeof text, "%lld", (long long)value);
	before_value(j);
	puts_json(j, text);
}

void cli_json_bool(cli_json *j, bool value)
{
	before_value(j);
	puts_json(j, value ? "true" : "false");
}

void cli_json_null(cli_json *j)
{
	before_value(j);
	puts_json(j, "null");
}

/* The library's pretty text, each line after the first indented to this
 * depth (its strings hold no raw newline, so lines are its own). */
static void put_indented(cli_json *j, const char *text, size_t n)
{
	for (size_t i = 0; i < n;) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t line = nl ? (size_t)(nl - (text + i)) : n - i;
		put(j, text + i, line);
		i += line;
		if (nl) {
			newline(j, j->depth);
			i++;
		}
	}
}

void cli_json_raw(cli_json *j, char *text)
{
	before_value(j);
	if (!text)
		puts_json(j, "null");
	else
		put_indented(j, text, strlen(text));
	ckpt_free(text);
}

void cli_json_put_indented(cli_json *j, char *indented)
{
	before_value(j);
	if (!indented)
		j->oom = true;
	else
		puts_json(j, indented);
	ckpt_free(indented);
}

void cli_json_stream_indented(cli_json *j, char *indented)
{
	before_value(j);
	if (!indented) {
		j->oom = true;
		return;
	}
	cli_json_flush(j);
	if (!j->oom)
		fputs(indented, stdout);
	ckpt_free(indented);
}

void cli_json_flush(cli_json *j)
{
	if (j->oom || !j->data || j->len == 0)
		return;
	fwrite(j->data, 1, j->len, stdout);
	j->len = 0;
	j->data[0] = '\0';
}

void cli_json_extend(cli_json *j, char *text)
{
	size_t n = text ? strlen(text) : 0;
	/* Without its closing brace (and the line break before it). */
	while (n > 0 && text[n - 1] != '}')
		n--;
	if (n > 0)
		n--;
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
		n--;
	bool empty = n > 0 && text[n - 1] == '{';
	before_value(j);
	if (n == 0)
		puts_json(j, "{");
	else
		put_indented(j, text, n);
	ckpt_free(text);
	push(j, '}', !empty);
}

void cli_json_error(cli_json *j, int rc, const char *code_name, const char *message)
{
	cli_json_key(j, "error");
	cli_json_object(j);
	cli_json_key(j, "code");
	cli_json_string(j, code_name ? code_name : ckpt_error_name(rc));
	cli_json_key(j, "message");
	cli_json_string(j, message && *message ? message : ckpt_error_name(rc));
	cli_json_end(j);
}

int cli_json_print(cli_json *j, const char *cmd)
{
	if (j->oom || !j->data) {
		cli_error(cmd, "out of memory");
		return CLI_USAGE;
	}
	fputs(j->data, stdout);
	fputc('\n', stdout);
	return CLI_OK;
}
