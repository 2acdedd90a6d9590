/* json-out.c: the JSON libckpt prints for scripts and bindings (the --json
 * forms of runs, epochs, histories and clean plans): text made valid UTF-8,
 * non-finite numbers as the strings "inf", "-inf", "nan", numbers in their
 * shortest exact form, and an indenting pass for CKPT_JSON_PRETTY. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Paths and names may hold any bytes, but JSON text must be UTF-8: a byte
 * that is not part of a valid sequence becomes U+FFFD. */
void ckpt_out_string(ckpt_buf *buf, const char *text)
{
	if (!text) {
		ckpt_buf_puts(buf, "null");
		return;
	}
	size_t n = strlen(text), bad;
	if (ckpt_utf8_valid(text, n, NULL)) {
		ckpt_buf_json_string(buf, text);
		return;
	}
	ckpt_buf clean;
	ckpt_buf_init(&clean);
	for (size_t i = 0; i < n;) {
		if (ckpt_utf8_valid(text + i, n - i, &bad)) {
			ckpt_buf_append(&clean, text + i, n - i);
			break;
		}
		ckpt_buf_append(&clean, text + i, bad);
		ckpt_buf_puts(&clean, "\xEF\xBF\xBD");
		i += bad + 1;
	}
	ckpt_buf_json_string(buf, clean.data ? clean.data : "");
	buf->oom = buf->oom || clean.oom;
	ckpt_buf_free(&clean);
}

void ckpt_out_number(ckpt_buf *buf, bool has, double value)
{
	if (!has)
		ckpt_buf_puts(buf, "null");
	else if (isnan(value))
		ckpt_buf_puts(buf, "\"nan\"");
	else if (isinf(value))
		ckpt_buf_puts(buf, value > 0 ? "\"inf\"" : "\"-inf\"");
	else
		ckpt_buf_json_number(buf, value);
}

void ckpt_out_key(ckpt_buf *buf, bool *first, const char *key)
{
	ckpt_buf_puts(buf, *first ? "\"" : ",\"");
	ckpt_buf_puts(buf, key);
	ckpt_buf_puts(buf, "\":");
	*first = false;
}

static void newline(ckpt_buf *out, int depth)
{
	ckpt_buf_puts(out, "\n");
	for (int i = 0; i < depth; i++)
		ckpt_buf_puts(out, "  ");
}

/* Compact JSON (as the functions above write it) indented by two spaces a
 * level; strings are copied as they are, empty {} and [] stay on one line. */
static void indent(ckpt_buf *out, const char *json)
{
	int depth = 0;
	bool in_string = false;
	for (const char *p = json; *p; p++) {
		char c = *p;
		if (in_string) {
			ckpt_buf_append(out, p, 1);
			if (c == '\\' && p[1])
				ckpt_buf_append(out, ++p, 1);
			else if (c == '"')
				in_string = false;
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			ckpt_buf_append(out, p, 1);
			break;
		case '{':
		case '[':
			ckpt_buf_append(out, p, 1);
			if (p[1] == (c == '{' ? '}' : ']')) {
				ckpt_buf_append(out, ++p, 1);
				break;
			}
			newline(out, ++depth);
			break;
		case '}':
		case ']':
			newline(out, --depth);
			ckpt_buf_append(out, p, 1);
			break;
		case ',':
			ckpt_buf_puts(out, ",");
			newline(out, depth);
			break;
		case ':': ckpt_buf_puts(out, ": "); break;
		default: ckpt_buf_append(out, p, 1);
		}
	}
}

int ckpt_out_finish(char **out, ckpt_buf *buf, unsigned flags, const char *what)
{
	*out = NULL;
	if (!buf->oom && (flags & CKPT_JSON_PRETTY)) {
		ckpt_buf pretty;
		ckpt_buf_init(&pretty);
		indent(&pretty, buf->data ? buf->data : "");
		ckpt_buf_free(buf);
		*buf = pretty;
	}
	*out = ckpt_buf_steal(buf);
	return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", what ? what : "json");
}
