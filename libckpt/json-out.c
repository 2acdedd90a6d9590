/* json-out.c: the JSON libckpt prints for scripts and bindings (the --json
 * forms of runs, epochs, histories and clean plans): text made valid UTF-8,
 * non-finite numbers as the strings "inf", "-inf", "nan", numbers in their
 * shortest exact form, written compact or indented as it goes (no second
 * pass over the text: `ckpt ls --json` prints megabytes of it). */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Whether text[0..n) is printable ASCII without '"' and '\\': JSON as it is. */
static bool plain_ascii(const char *text, size_t n)
{
	size_t i = 0;
	for (uint64_t w; n - i >= sizeof w; i += sizeof w) {
		memcpy(&w, text + i, sizeof w);
		if (ckpt_word_not_plain(w))
			return false;
	}
	for (; i < n; i++)
		if (ckpt_byte_not_plain((unsigned char)text[i]))
			return false;
	return true;
}

/* Paths and names may hold any bytes, but JSON text must be UTF-8: a byte
 * that is not part of a valid sequence becomes U+FFFD. */
void ckpt_buf_json_text(ckpt_buf *buf, const char *text)
{
	if (!text) {
		ckpt_buf_append(buf, "null", 4);
		return;
	}
	size_t n = strlen(text), bad;
	if (plain_ascii(text, n)) {
		/* Most text is (names, checksums, times): copied in one piece. */
		char *at = ckpt_buf_reserve(buf, n + 2);
		if (at) {
			at[0] = '"';
			memcpy(at + 1, text, n);
			at[n + 1] = '"';
			ckpt_buf_commit(buf, n + 2);
		}
		return;
	}
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
	o->recent_len[0] = o->recent_len[1] = 0;
	o->recent_next = 0;
}

/* Indentation up to this deep is stored in one fixed-size copy of spaces
 * (two vector stores, no call); room for it all is reserved. */
#define INDENT_STORE 32
static const char indent_spaces[INDENT_STORE] = "                                ";

static size_t indent_of(const ckpt_out *o)
{
	return o->pretty ? 2 * (size_t)(o->depth > 0 ? o->depth : 0) : 0;
}

/* The most put_separator writes at o's current depth, with its store. */
static size_t separator_room(const ckpt_out *o)
{
	size_t indent = indent_of(o);
	return 2 + (indent < INDENT_STORE ? INDENT_STORE : indent);
}

/* ",", a line break and the indentation of o's current depth, as asked,
 * written at `at`; returns the end. Every run's JSON has tens of thousands
 * of them: they go into room reserved once, alone or with a key. */
static inline char *put_separator(const ckpt_out *o, char *at, bool comma, bool line)
{
	if (comma)
		*at++ = ',';
	if (line) {
		size_t indent = indent_of(o);
		*at++ = '\n';
		if (indent <= INDENT_STORE)
			memcpy(at, indent_spaces, INDENT_STORE);
		else
			memset(at, ' ', indent);
		at += indent;
	}
	return at;
}

static void separate(ckpt_out *o, bool comma, bool line)
{
	char *start = ckpt_buf_reserve(&o->buf, separator_room(o));
	if (start)
		ckpt_buf_commit(&o->buf, (size_t)(put_separator(o, start, comma, line) - start));
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
		separate(o, false, true);
	ckpt_buf_append(&o->buf, &bracket, 1);
	o->first = false;
}

void ckpt_out_item(ckpt_out *o)
{
	if (!o->first || o->pretty)
		separate(o, !o->first, o->pretty);
	o->first = false;
}

/* Every epoch of a listing has fifteen keys: the separator, the indentation
 * and the key (libckpt's own name: nothing to escape) go in at once. */
void ckpt_out_key_n(ckpt_out *o, const char *padded_key, size_t len)
{
	size_t stored = len < CKPT_OUT_KEY_PAD ? CKPT_OUT_KEY_PAD : len;
	char *start = ckpt_buf_reserve(&o->buf, separator_room(o) + stored + 4);
	if (!start)
		return;
	char *at = put_separator(o, start, !o->first, o->pretty);
	*at++ = '"';
	if (len <= CKPT_OUT_KEY_PAD)
		memcpy(at, padded_key, CKPT_OUT_KEY_PAD); /* the pad is overwritten next */
	else
		memcpy(at, padded_key, len);
	at += len;
	*at++ = '"';
	*at++ = ':';
	if (o->pretty)
		*at++ = ' ';
	ckpt_buf_commit(&o->buf, (size_t)(at - start));
	o->first = false;
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

static void put_finite(ckpt_out *o, double value)
{
	uint64_t bits;
	memcpy(&bits, &value, sizeof bits); /* bits, not ==: -0.0 is not 0.0 */
	for (int i = 0; i < 2; i++)
		if (o->recent_len[i] && o->recent_bits[i] == bits) {
			ckpt_buf_append(&o->buf, o->recent_text[i], o->recent_len[i]);
			return;
		}
	size_t start = o->buf.len;
	ckpt_buf_json_number(&o->buf, value);
	size_t len = o->buf.len - start;
	if (o->buf.oom || len >= CKPT_OUT_NUMBER_MAX)
		return;
	int slot = o->recent_next;
	o->recent_next ^= 1;
	o->recent_bits[slot] = bits;
	memcpy(o->recent_text[slot], o->buf.data + start, len);
	o->recent_len[slot] = (unsigned char)len;
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
		put_finite(o, value);
}

int ckpt_out_finish(char **out, ckpt_out *o, const char *what)
{
	*out = ckpt_buf_steal(&o->buf);
	return *out ? 0 : ckpt_fail(CKPT_ENOMEM, "%s: out of memory", what ? what : "json");
}
