/* text.c: text for people, shared by every front end: names and metadata
 * from a tree made safe for a terminal (no control sequence of a hostile
 * name ever reaches it), and numbers in their shortest exact form. */
#include "internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends to out (size bytes, NUL kept) and counts what the whole needs.
 * A piece (a character or an escape) that does not fit whole is left out,
 * and so is everything after it: a cut never splits one. */
typedef struct sink {
	char *out;
	size_t size;
	size_t len;     /* what the whole text needs */
	size_t written; /* what fits, in whole pieces */
	bool full;
} sink;

static void sink_put(sink *s, const char *text, size_t n)
{
	if (!s->full && s->written + n + 1 <= s->size) {
		memcpy(s->out + s->written, text, n);
		s->written += n;
	} else {
		s->full = true;
	}
	s->len += n;
}

/* Characters that change how the rest of a line is shown: the C1 controls,
 * bidirectional embeddings, overrides and isolates, and line separators. */
static bool codepoint_is_control(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f;
}

static unsigned long decode(const unsigned char *p, size_t len)
{
	unsigned long cp = len == 2 ? (p[0] & 0x1fu) : len == 3 ? (p[0] & 0x0fu) : (p[0] & 0x07u);
	for (size_t i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3fu);
	return cp;
}

static void put_ascii(sink *s, unsigned char c)
{
	char escaped[8];
	switch (c) {
	case '\\': sink_put(s, "\\\\", 2); return;
	case '\n': sink_put(s, "\\n", 2); return;
	case '\t': sink_put(s, "\\t", 2); return;
	case '\r': sink_put(s, "\\r", 2); return;
	default: break;
	}
	if (c < 0x20 || c == 0x7f) {
		snprintf(escaped, sizeof escaped, "\\x%02x", c);
		sink_put(s, escaped, 4);
	} else {
		sink_put(s, (const char *)&c, 1);
	}
}

size_t ckpt_escape(char *out, size_t size, const char *text, unsigned flags)
{
	sink s = {out, out ? size : 0, 0, 0, false};
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	size_t avail = strlen((const char *)p);
	char escaped[16];
	while (avail > 0) {
		if (*p < 0x80) {
			put_ascii(&s, *p);
			p++, avail--;
			continue;
		}
		size_t n = ckpt_utf8_sequence(p, avail);
		if (n == 0) {
			snprintf(escaped, sizeof escaped, "\\x%02x", *p);
			sink_put(&s, escaped, 4);
			p++, avail--;
			continue;
		}
		unsigned long cp = decode(p, n);
		if (codepoint_is_control(cp) || (flags & CKPT_ESCAPE_ASCII)) {
			int len = snprintf(escaped, sizeof escaped, cp > 0xffff ? "\\U%08lx" : "\\u%04lx",
					   cp);
			sink_put(&s, escaped, (size_t)len);
		} else {
			sink_put(&s, (const char *)p, n);
		}
		p += n, avail -= n;
	}
	if (s.size > 0)
		s.out[s.written] = '\0';
	return s.len;
}

char *ckpt_escape_dup(const char *text, unsigned flags)
{
	size_t n = ckpt_escape(NULL, 0, text, flags);
	char *out = malloc(n + 1);
	if (out)
		ckpt_escape(out, n + 1, text, flags);
	return out;
}

const char *ckpt_format_number(char out[CKPT_NUMBER_TEXT_MAX], double value)
{
	if (isnan(value) || isinf(value)) {
		snprintf(out, CKPT_NUMBER_TEXT_MAX, "%s",
			 isnan(value) ? "nan" : value > 0 ? "inf" : "-inf");
		return out;
	}
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_buf_json_number(&buf, value);
	/* Python's repr writes whole numbers as "2.0": fine for JSON, where a
	 * reader must still see a float. */
	snprintf(out, CKPT_NUMBER_TEXT_MAX, "%s", buf.oom ? "nan" : buf.data);
	ckpt_buf_free(&buf);
	return out;
}
