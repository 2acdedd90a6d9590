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
	static const char spaces[] = "                                ";
	ckpt_buf_append(out, "\n", 1);
	for (size_t n = 2 * (size_t)(depth > 0 ? depth : 0); n > 0;) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		ckpt_buf_append(out, spaces, k);
		n -= k;
	}
}

/* The length of the text up to the next structural character or quote. */
static size_t plain_span(const char *p)
{
	return strcspn(p, "\"{}[],:");
}

/* The length of a string's body from after its opening quote, its closing
 * quote included (escapes skipped whole). */
static size_t string_span(const char *p)
{
	size_t i = 0;
	for (;;) {
		i += strcspn(p + i, "\"\\");
		if (!p[i])
			return i;
		if (p[i] == '"')
			return i + 1;
		i += p[i + 1] ? 2 : 1;
	}
}

/* Compact JSON (as the functions above write it) indented by two spaces a
 * level; strings are copied as they are, empty {} and [] stay on one line.
 * Copies whole spans between structural characters at once. */
static void indent(ckpt_buf *out, const char *json)
{
	int depth = 0;
	for (const char *p = json; *p;) {
		size_t n = plain_span(p);
		if (n) {
			ckpt_buf_append(out, p, n);
			p += n;
			continue;
		}
		char c = *p++;
		switch (c) {
		case '"':
			n = string_span(p);
			ckpt_buf_append(out, p - 1, n + 1);
			p += n;
			break;
		case '{':
		case '[':
			if (*p == (c == '{' ? '}' : ']')) {
				ckpt_buf_append(out, p - 1, 2);
				p++;
				break;
			}
			ckpt_buf_append(out, p - 1, 1);
			newline(out, ++depth);
			break;
		case '}':
		case ']':
			newline(out, --depth);
			ckpt_buf_append(out, p - 1, 1);
			break;
		case ',':
			ckpt_buf_puts(out, ",");
			newline(out, depth);
			break;
		default: ckpt_buf_puts(out, ": "); break; /* ':' */
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
