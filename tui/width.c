/* width.c: how many terminal columns UTF-8 text takes (wide and combining
 * characters), and cutting it to a width: abbreviated in the middle, or
 * truncated, with an ellipsis. */
#include "format.h"

#include <stdio.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s; returns its length (1 for an invalid
 * byte, with *cp = -1). Overlong forms and surrogates count as invalid. */
static size_t utf8_decode(const unsigned char *s, long *cp)
{
	unsigned char c = s[0];
	size_t len;
	long value, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, value = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, value = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, value = c & 0x07, min = 0x10000;
	} else {
		*cp = -1;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = -1;
			return 1;
		}
		value = (value << 6) | (s[i] & 0x3F);
	}
	if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
		*cp = -1;
		return 1;
	}
	*cp = value;
	return len;
}

typedef struct {
	long first, last;
} cp_range;

static int in_ranges(long cp, const cp_range *ranges, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= ranges[i].first && cp <= ranges[i].last)
			return 1;
	return 0;
}

/* The common zero-width and double-width blocks (after Markus Kuhn's
 * wcwidth): enough for names and glyphs a run table shows, no tables of
 * every Unicode version. */
static int codepoint_width(long cp)
{
	static const cp_range zero[] = {
	    {0x0300, 0x036F},   {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A},
	    {0x064B, 0x065F},   {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF},
	    {0x1DC0, 0x1DFF},   {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},
	    {0x20D0, 0x20FF},   {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
	    {0xE0100, 0xE01EF},
	};
	static const cp_range wide[] = {
	    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},
	    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},
	    {0xA000, 0xA4CF},   {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},
	    {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},
	    {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
	};
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if (in_ranges(cp, zero, sizeof zero / sizeof zero[0]))
		return 0;
	if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

/* The width of one character at s, its length in *len. */
static size_t char_width(const unsigned char *s, size_t *len)
{
	if (s[0] >= 0x20 && s[0] < 0x7F) {
		*len = 1; /* printable ASCII, nearly all a table holds: no range to look up */
		return 1;
	}
	long cp;
	*len = utf8_decode(s, &cp);
	return cp < 0 ? 1 : (size_t)codepoint_width(cp);
}

size_t fmt_display_width(const char *text)
{
	size_t width = 0, len;
	for (const unsigned char *s = (const unsigned char *)text; s && *s; s += len)
		width += char_width(s, &len);
	return width;
}

/* Length in bytes of the longest prefix of text at most `columns` wide,
 * never splitting a character. */
size_t fmt_prefix_for_width(const char *text, size_t columns)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t width = 0, bytes = 0, len;
	while (s[bytes]) {
		size_t w = char_width(s + bytes, &len);
		if (width + w > columns)
			break;
		width += w;
		bytes += len;
	}
	return bytes;
}

/* Offset in bytes of the longest suffix of text at most `columns` wide. */
static size_t suffix_for_width(const char *text, size_t columns)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t total = fmt_display_width(text), width = total, bytes = 0, len;
	while (s[bytes] && width > columns) {
		width -= char_width(s + bytes, &len);
		bytes += len;
	}
	return bytes;
}

static const char *ellipsis(bool ascii)
{
	return ascii ? "..." : "\xe2\x80\xa6";
}

const char *fmt_abbreviate(char *out, size_t size, const char *text, size_t width, bool ascii)
{
	size_t ell = ascii ? 3 : 1;
	if (fmt_display_width(text) <= width || width <= ell)
		return fmt_truncate(out, size, text, width, ascii);
	size_t head = fmt_prefix_for_width(text, (width - ell + 1) / 2);
	size_t tail = suffix_for_width(text, (width - ell) / 2);
	snprintf(out, size, "%.*s%s%s", (int)head, text, ellipsis(ascii), text + tail);
	return out;
}

/* snprintf(out, size, "%s", text) without printf: a table copies every cell. */
static void copy_cut(char *out, size_t size, const char *text)
{
	if (!size)
		return;
	size_t n = strlen(text);
	if (n > size - 1)
		n = size - 1;
	memcpy(out, text, n);
	out[n] = '\0';
}

const char *fmt_truncate(char *out, size_t size, const char *text, size_t width, bool ascii)
{
	size_t ell = ascii ? 3 : 1;
	if (fmt_display_width(text) <= width)
		copy_cut(out, size, text);
	else if (width <= ell)
		snprintf(out, size, "%.*s", (int)fmt_prefix_for_width(text, width), text);
	else
		snprintf(out, size, "%.*s%s", (int)fmt_prefix_for_width(text, width - ell), text,
			 ellipsis(ascii));
	return out;
}
