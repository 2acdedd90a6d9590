/* json-out.c: the JSON libckpt prints for scripts and bindings (the --json
 * forms of runs, epochs, histories and clean plans): text made valid UTF-8,
 * non-finite numbers as the strings "inf", "-inf", "nan", numbers in their
 * shortest exact form, written compact or indented as it goes (no second
 * pass over the text: `ckpt ls --json` prints megabytes of it). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Paths and names may hold any bytes, but JSON text must be UTF-8: a byte
 * that is not part of a valid sequence becomes U+FFFD. */
void ckpt_buf_json_text(ckpt_buf *buf, const char *text)
{
	if (!text) {
		ckpt_buf_append(buf, "null", 4);
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

void ckpt_out_init(ckpt_out *o, unsigned flags)
{
	ckpt_buf_init(&o->buf);
	o->pretty = flags & CKPT_JSON_PRETTY;
	o->depth = o->pretty ? (int)((flags >> CKPT_JSON_DEPTH_SHIFT) & 0xff) : 0;
	o->first = true;
}

/* A line break and the indentation of o's current depth. */
static void newline(ckpt_out *o)
{
	static const char spaces[] = "                                ";
	ckpt_buf_append(&o->buf, "\n", 1);
	for (size_t n = 2 * (size_t)(o->depth > 0 ? o->depth : 0); n > 0;) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		ckpt_buf_append(&o->buf, spaces, k);
		n -= k;
	}
}

void ckpt_out_open(ckpt_out *o, char bracket)
{
	ckpt_buf_append(&o->buf, &bracket, 1);
	o->depth++;
	o->first = true;
}

/* Empty objects and arrays stay on one line: "{}", "[]". */
void ckpt_out_close(ckpt_out *o, char bracket)
{
	o->depth--;
	if (o->pretty && !o->first)
		newline(o);
	ckpt_buf_append(&o->buf, &bracket, 1);
	o->first = false;
}

void ckpt_out_item(ckpt_out *o)
{
	if (!o->first)
		ckpt_buf_append(&o->buf, ",", 1);
	if (o->pretty)
		newline(o);
	o->first = false;
}

void ckpt_out_key(ckpt_out *o, const char *key)
{
	ckpt_out_item(o);
	/* Keys are libckpt's own names: nothing to escape. */
	ckpt_buf_append(&o->buf, "\"", 1);
	ckpt_buf_puts(&o->buf, key);
	ckpt_buf_append(&o->buf, "\": ", o->pretty ? 3 : 2);
}

void ckpt_out_name(ckpt_out *o, const char *name)
{
	ckpt_out_item(o);
	ckpt_buf_json_text(&o->buf, name);
	ckpt_buf_append(&o->buf, ": ", o->pretty ? 2 : 1);
}

void ckpt_out_string(ckpt_out *o, const char *text)
{
	ckpt_buf_json_text(&o->buf, text);
}

void ckpt_out_int(ckpt_out *o, long long value)
{
	ckpt_buf_int(&o->buf, value);
}

void ckpt_out_uint(ckpt_out *o, unsigned long long value)
{
	ckpt_buf_uint(&o->buf, value);
}

void ckpt_out_bool(ckpt_out *o, bool value)
{
	if (value)
		ckpt_buf_append(&o->buf, "true", 4);
	else
		ckpt_buf_append(&o->buf, "false", 5);
}

void ckpt_out_null(ckpt_out *o)
{
	ckpt_buf_append(&o->buf, "null", 4);
}

void ckpt_out_number(ckpt_out *o, bool has, double value)
{
	if (!has)
		ckpt_buf_puts(&o->buf, "null");
	else if (isnan(value))
		ckpt_buf_puts(&o->buf, "\"nan\"");
	else if (isinf(value))
		ckpt_buf_puts(&o->buf, value > 0 ? "\"inf\"" : "\"-inf\"");
	else
		ckpt_buf_json_number(&o->buf, value);
}

int ckpt_out_finish(char **out, ckpt_out *o, const char *what)
{
	*out = ckpt_buf_steal(&o->buf);
	return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", what ? what : "json");
}
