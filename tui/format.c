/* format.c: pure formatting for the front ends (sizes, durations, metric
 * values, progress lines, display-width tables). No I/O and no locale: the
 * program never calls setlocale for numbers, so "%f" always writes '.'. */
#include "format.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fmt_size(char out[FMT_SHORT], uint64_t bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	const size_t n_units = sizeof units / sizeof units[0];
	if (bytes < 1024) {
		snprintf(out, FMT_SHORT, "%llu B", (unsigned long long)bytes);
		return out;
	}
	size_t unit = 0;
	double value = (double)bytes;
	while (value >= 1024.0 && unit + 1 < n_units) {
		value /= 1024.0;
		unit++;
	}
	/* Rounding may reach the next unit ("1024 KiB" is "1.0 MiB"). */
	if (value >= 1023.5 && unit + 1 < n_units) {
		value /= 1024.0;
		unit++;
	}
	if (value < 9.95)
		snprintf(out, FMT_SHORT, "%.1f %s", value, units[unit]);
	else
		snprintf(out, FMT_SHORT, "%.0f %s", value, units[unit]);
	return out;
}

const char *fmt_duration(char out[FMT_SHORT], double seconds)
{
	if (!isfinite(seconds) || seconds < 0) {
		snprintf(out, FMT_SHORT, "-");
		return out;
	}
	if (seconds < 9.95) {
		snprintf(out, FMT_SHORT, "%.1f s", seconds);
		return out;
	}
	if (seconds < 59.5) {
		snprintf(out, FMT_SHORT, "%.0f s", seconds);
		return out;
	}
	/* Whole seconds from here; larger units carry the remainder. */
	unsigned long long s = (unsigned long long)(seconds + 0.5);
	if (s < 3600)
		snprintf(out, FMT_SHORT, "%llu min %02llu s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, FMT_SHORT, "%llu h %02llu min", s / 3600, s % 3600 / 60);
	else
		snprintf(out, FMT_SHORT, "%llu d %02llu h", s / 86400, s % 86400 / 3600);
	return out;
}

static const char *fmt_non_finite(char out[FMT_SHORT], double value)
{
	if (isnan(value))
		snprintf(out, FMT_SHORT, "nan");
	else if (isinf(value))
		snprintf(out, FMT_SHORT, value > 0 ? "inf" : "-inf");
	else
		return NULL;
	return out;
}

const char *fmt_metric(char out[FMT_SHORT], double value)
{
	if (fmt_non_finite(out, value))
		return out;
	snprintf(out, FMT_SHORT, "%.6g", value);
	return out;
}

const char *fmt_metric_exact(char out[FMT_SHORT], double value)
{
	if (fmt_non_finite(out, value))
		return out;
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(out, FMT_SHORT, "%.*g", precision, value);
		if (strtod(out, NULL) == value)
			break;
	}
	return out;
}

/* ---- display width ---------------------------------------------------- */

/* Decodes one UTF-8 sequence at s; returns its length (1 for an invalid
 * byte, with *cp = -1). Overlong forms and surrogates count as invalid. */
static size_t utf8_decode(const unsigned char *s, long *cp)
{
	unsigned char c = s[0];
	size_t len;
	long value;
	long min;
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
	if (cp == 0)
		return 0;
	if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
		return 0;
	if (in_ranges(cp, zero, sizeof zero / sizeof zero[0]))
		return 0;
	if (in_ranges(cp, wide, sizeof wide / sizeof wide[0]))
		return 2;
	return 1;
}

size_t fmt_display_width(const char *text)
{
	size_t width = 0;
	const unsigned char *s = (const unsigned char *)text;
	while (s && *s) {
		long cp;
		size_t len = utf8_decode(s, &cp);
		width += cp < 0 ? 1 : (size_t)codepoint_width(cp);
		s += len;
	}
	return width;
}

/* Length in bytes of the longest prefix of text at most `columns` wide,
 * never splitting a character. */
static size_t prefix_for_width(const char *text, size_t columns)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t width = 0;
	size_t bytes = 0;
	while (s[bytes]) {
		long cp;
		size_t len = utf8_decode(s + bytes, &cp);
		size_t w = cp < 0 ? 1 : (size_t)codepoint_width(cp);
		if (width + w > columns)
			break;
		width += w;
		bytes += len;
	}
	return bytes;
}

const char *fmt_progress(char *out, size_t size, const char *stage, uint64_t done, uint64_t total,
			 double bytes_per_second, int width)
{
	if (!out || size == 0)
		return out;
	char percent[16] = "";
	char rate[32] = "";
	if (total > 0) {
		uint64_t capped = done > total ? total : done;
		snprintf(percent, sizeof percent, "  %3d%%",
			 (int)((double)capped * 100.0 / (double)total));
	}
	if (bytes_per_second >= 0 && isfinite(bytes_per_second))
		snprintf(rate, sizeof rate, "  %.1f MB/s", bytes_per_second / 1e6);
	snprintf(out, size, "%s%s%s", stage ? stage : "", percent, rate);
	if (width > 0)
		out[prefix_for_width(out, (size_t)width)] = '\0';
	return out;
}

/* ---- tables ----------------------------------------------------------- */

struct fmt_table {
	size_t ncols;
	char **headers;
	fmt_align *align;
	size_t nrows;
	size_t cap;
	/* nrows entries of ncols cells; a note row has cells[0] = text and
	 * is_note set. */
	char ***rows;
	unsigned char *is_note;
};

static char *dup_text(const char *text)
{
	return strdup(text ? text : "");
}

fmt_table *fmt_table_new(size_t ncols, const char *const *headers, const fmt_align *align)
{
	fmt_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->headers = calloc(ncols ? ncols : 1, sizeof *t->headers);
	t->align = calloc(ncols ? ncols : 1, sizeof *t->align);
	if (!t->headers || !t->align) {
		fmt_table_free(t);
		return NULL;
	}
	for (size_t c = 0; c < ncols; c++) {
		t->headers[c] = dup_text(headers ? headers[c] : NULL);
		if (!t->headers[c]) {
			fmt_table_free(t);
			return NULL;
		}
		t->align[c] = align ? align[c] : FMT_LEFT;
	}
	return t;
}

static void free_row(char **row, size_t ncols)
{
	if (!row)
		return;
	for (size_t c = 0; c < ncols; c++)
		free(row[c]);
	free(row);
}

void fmt_table_free(fmt_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		free_row(t->rows[r], t->ncols);
	free(t->rows);
	free(t->is_note);
	free_row(t->headers, t->ncols);
	free(t->align);
	free(t);
}

static int grow_rows(fmt_table *t)
{
	if (t->nrows < t->cap)
		return 0;
	size_t cap = t->cap ? t->cap * 2 : 16;
	char ***rows = realloc(t->rows, cap * sizeof *rows);
	if (!rows)
		return -1;
	t->rows = rows;
	unsigned char *is_note = realloc(t->is_note, cap);
	if (!is_note)
		return -1;
	t->is_note = is_note;
	t->cap = cap;
	return 0;
}

static int add_row(fmt_table *t, const char *const *cells, int note)
{
	if (!t || grow_rows(t) != 0)
		return -1;
	char **row = calloc(t->ncols ? t->ncols : 1, sizeof *row);
	if (!row)
		return -1;
	for (size_t c = 0; c < t->ncols; c++) {
		row[c] = dup_text(note ? (c == 0 ? cells[0] : NULL) : cells[c]);
		if (!row[c]) {
			free_row(row, t->ncols);
			return -1;
		}
	}
	t->rows[t->nrows] = row;
	t->is_note[t->nrows] = (unsigned char)note;
	t->nrows++;
	return 0;
}

int fmt_table_add_row(fmt_table *t, const char *const *cells)
{
	return add_row(t, cells, 0);
}

int fmt_table_add_note(fmt_table *t, const char *text)
{
	const char *cells[] = {text};
	return add_row(t, cells, 1);
}

size_t fmt_table_rows(const fmt_table *t)
{
	return t ? t->nrows : 0;
}

/* A tiny growable string for render; sets *failed instead of aborting. */
typedef struct {
	char *data;
	size_t len, cap;
	int failed;
} text_buf;

static void tb_append(text_buf *b, const char *text, size_t len)
{
	if (b->failed)
		return;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *data = realloc(b->data, cap);
		if (!data) {
			b->failed = 1;
			return;
		}
		b->data = data;
		b->cap = cap;
	}
	memcpy(b->data + b->len, text, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void tb_spaces(text_buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tb_append(b, " ", 1);
}

static void render_cells(text_buf *b, const fmt_table *t, char *const *cells, const size_t *widths)
{
	/* The last column that has text: nothing is padded after it. */
	size_t last = 0;
	for (size_t c = 0; c < t->ncols; c++)
		if (cells[c][0] || t->align[c] == FMT_RIGHT)
			last = c;
	for (size_t c = 0; c <= last && c < t->ncols; c++) {
		size_t w = fmt_display_width(cells[c]);
		size_t bytes = strlen(cells[c]);
		bool cut = w > widths[c]; /* the column was narrowed to fit */
		if (cut) {
			bytes = prefix_for_width(cells[c], widths[c] - 3);
			w = fmt_display_width(cells[c]) - fmt_display_width(cells[c] + bytes) + 3;
		}
		size_t pad = widths[c] > w ? widths[c] - w : 0;
		if (c > 0)
			tb_append(b, "  ", 2);
		if (t->align[c] == FMT_RIGHT)
			tb_spaces(b, pad);
		tb_append(b, cells[c], bytes);
		if (cut)
			tb_append(b, "...", 3);
		if (t->align[c] == FMT_LEFT && c < last)
			tb_spaces(b, pad);
	}
}

/* One line, cut to max_width columns when it is wider (0: never). */
static void render_line(text_buf *b, const fmt_table *t, char *const *cells, const size_t *widths,
			size_t max_width)
{
	text_buf line = {0};
	tb_append(&line, "", 0);
	render_cells(&line, t, cells, widths);
	if (line.failed) {
		b->failed = 1;
		return;
	}
	if (max_width > 3 && fmt_display_width(line.data) > max_width) {
		tb_append(b, line.data, prefix_for_width(line.data, max_width - 3));
		tb_append(b, "...", 3);
	} else {
		tb_append(b, line.data, line.len);
	}
	tb_append(b, "\n", 1);
	free(line.data);
}

/* Too wide for max_width: narrow the left-aligned text columns from the
 * right (the least important come last), never the first, which names the
 * row, nor below 12 columns; their cells are then cut with "...". Lines
 * still too wide are cut whole. */
static void narrow_to_fit(const fmt_table *t, size_t *widths, size_t max_width)
{
	enum { MIN_WIDTH = 12 };
	if (max_width == 0)
		return;
	size_t total = 0;
	for (size_t c = 0; c < t->ncols; c++)
		total += widths[c] + (c > 0 ? 2 : 0);
	for (size_t c = t->ncols; c-- > 1 && total > max_width;) {
		if (t->align[c] != FMT_LEFT || widths[c] <= MIN_WIDTH)
			continue;
		size_t spare = widths[c] - MIN_WIDTH;
		size_t take = total - max_width < spare ? total - max_width : spare;
		widths[c] -= take;
		total -= take;
	}
}

char *fmt_table_render(const fmt_table *t)
{
	return fmt_table_render_fit(t, 0);
}

char *fmt_table_render_fit(const fmt_table *t, size_t max_width)
{
	if (!t)
		return NULL;
	size_t *widths = calloc(t->ncols ? t->ncols : 1, sizeof *widths);
	if (!widths)
		return NULL;
	for (size_t c = 0; c < t->ncols; c++)
		widths[c] = fmt_display_width(t->headers[c]);
	for (size_t r = 0; r < t->nrows; r++) {
		if (t->is_note[r])
			continue;
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = fmt_display_width(t->rows[r][c]);
			if (w > widths[c])
				widths[c] = w;
		}
	}
	narrow_to_fit(t, widths, max_width);
	text_buf b = {0};
	tb_append(&b, "", 0);
	render_line(&b, t, t->headers, widths, max_width);
	for (size_t r = 0; r < t->nrows; r++) {
		if (t->is_note[r]) {
			tb_append(&b, t->rows[r][0], strlen(t->rows[r][0]));
			tb_append(&b, "\n", 1);
		} else {
			render_line(&b, t, t->rows[r], widths, max_width);
		}
	}
	free(widths);
	if (b.failed) {
		free(b.data);
		return NULL;
	}
	return b.data;
}
