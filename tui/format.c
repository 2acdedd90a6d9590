/* format.c: pure formatting for the front ends (sizes, durations, ages,
 * metric values, checksum states, progress lines, display widths and tables
 * that fit a width). No I/O and no locale: the program sets only LC_CTYPE,
 * so "%g" always writes '.'. */
#include "format.h"

#include <math.h>
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
	snprintf(out, FMT_SHORT, value < 9.95 ? "%.1f %s" : "%.0f %s", value, units[unit]);
	return out;
}

const char *fmt_duration(char out[FMT_SHORT], double seconds)
{
	if (!isfinite(seconds) || seconds < 0) {
		snprintf(out, FMT_SHORT, "-");
		return out;
	}
	if (seconds < 59.5) {
		snprintf(out, FMT_SHORT, seconds < 9.95 ? "%.1f s" : "%.0f s", seconds);
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

const char *fmt_age(char out[FMT_SHORT], int64_t then, int64_t now)
{
	int64_t s = now - then;
	if (then <= 0)
		snprintf(out, FMT_SHORT, "never");
	else if (s < -60)
		snprintf(out, FMT_SHORT, "in the future");
	else if (s < 5)
		snprintf(out, FMT_SHORT, "just now");
	else if (s < 60)
		snprintf(out, FMT_SHORT, "%lld s ago", (long long)s);
	else if (s < 3600)
		snprintf(out, FMT_SHORT, "%lld min ago", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, FMT_SHORT, "%lld h ago", (long long)(s / 3600));
	else if (s < 60 * 86400)
		snprintf(out, FMT_SHORT, "%lld d ago", (long long)(s / 86400));
	else if (s < 730 * 86400)
		snprintf(out, FMT_SHORT, "%lld months ago", (long long)(s / (30 * 86400 + 37800)));
	else
		snprintf(out, FMT_SHORT, "%lld years ago", (long long)(s / (365 * 86400 + 21600)));
	return out;
}

/* ---- numbers ------------------------------------------------------------ */

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

/* The significant digits of the shortest exact form, or 0 when non-finite. */
static int exact_precision(double value)
{
	char text[FMT_SHORT];
	if (!isfinite(value))
		return 0;
	/* A precision that reads back keeps reading back with more digits:
	 * the fewest is found by halving (17 always does). */
	int lo = 1, hi = 17;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		snprintf(text, sizeof text, "%.*g", mid, value);
		if (strtod(text, NULL) == value)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

const char *fmt_metric_exact(char out[FMT_SHORT], double value)
{
	if (!fmt_non_finite(out, value))
		snprintf(out, FMT_SHORT, "%.*g", exact_precision(value), value);
	return out;
}

const char *fmt_metric_digits(char out[FMT_SHORT], double value, int digits)
{
	if (fmt_non_finite(out, value))
		return out;
	int exact = exact_precision(value);
	digits = digits < 1 ? 1 : digits > 17 ? 17 : digits;
	/* "0.21", not the "0.20999999999999999" that %.17g writes for it. */
	snprintf(out, FMT_SHORT, "%.*g", exact <= digits ? exact : digits, value);
	return out;
}

const char *fmt_metric(char out[FMT_SHORT], double value)
{
	return fmt_metric_digits(out, value, 6);
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int fmt_distinct_digits(const double *values, size_t n)
{
	double *sorted = n ? malloc(n * sizeof *sorted) : NULL;
	size_t m = 0;
	for (size_t i = 0; sorted && i < n; i++)
		if (isfinite(values[i]))
			sorted[m++] = values[i];
	if (sorted)
		qsort(sorted, m, sizeof *sorted, compare_doubles);
	/* Each value's shortest exact precision once (fmt_metric_digits would
	 * find it again at every comparison: a table of a thousand runs). */
	int *exact = sorted ? malloc((m ? m : 1) * sizeof *exact) : NULL;
	for (size_t i = 0; exact && i < m; i++)
		exact[i] = exact_precision(sorted[i]);
	/* Rounding keeps order, so neighbours are the only values that can
	 * print alike. */
	int digits = 6;
	for (size_t i = 1; exact && i < m; i++) {
		if (sorted[i] == sorted[i - 1])
			continue;
		char a[FMT_SHORT], b[FMT_SHORT];
		while (digits < 17) {
			/* As fmt_metric_digits prints them. */
			snprintf(a, sizeof a, "%.*g",
				 exact[i - 1] <= digits ? exact[i - 1] : digits, sorted[i - 1]);
			snprintf(b, sizeof b, "%.*g", exact[i] <= digits ? exact[i] : digits,
				 sorted[i]);
			if (strcmp(a, b) != 0)
				break;
			digits++;
		}
	}
	free(exact);
	free(sorted);
	return digits;
}

const char *fmt_check(char out[FMT_SHORT], ckpt_checksum_kind kind, ckpt_check_state state,
		      ckpt_verify_result result, int64_t checked_at, int64_t now)
{
	char age[FMT_SHORT];
	if (kind == CKPT_CHECKSUM_KIND_DISABLED)
		snprintf(out, FMT_SHORT, "disabled");
	else if (state == CKPT_CHECK_CHANGED)
		snprintf(out, FMT_SHORT, "changed since verified");
	else if (state == CKPT_CHECK_CURRENT && result == CKPT_VERIFY_OK)
		snprintf(out, FMT_SHORT, "ok %s", fmt_age(age, checked_at, now));
	else if (state == CKPT_CHECK_CURRENT && result == CKPT_VERIFY_NO_CHECKSUM)
		snprintf(out, FMT_SHORT, "no checksum");
	else if (state == CKPT_CHECK_CURRENT) {
		/* A problem: capitals, so that it stands out in a column of "ok". */
		const char *name = ckpt_verify_result_name(result);
		size_t i = 0;
		for (; name[i] && i + 1 < FMT_SHORT; i++)
			out[i] = name[i] >= 'a' && name[i] <= 'z' ? (char)(name[i] - 'a' + 'A')
								  : name[i];
		out[i] = '\0';
	} else if (kind == CKPT_CHECKSUM_KIND_NONE)
		snprintf(out, FMT_SHORT, "no checksum");
	else
		snprintf(out, FMT_SHORT, "not checked");
	return out;
}

/* ---- display width ---------------------------------------------------- */

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
static size_t prefix_for_width(const char *text, size_t columns)
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
	size_t head = prefix_for_width(text, (width - ell + 1) / 2);
	size_t tail = suffix_for_width(text, (width - ell) / 2);
	snprintf(out, size, "%.*s%s%s", (int)head, text, ellipsis(ascii), text + tail);
	return out;
}

const char *fmt_truncate(char *out, size_t size, const char *text, size_t width, bool ascii)
{
	size_t ell = ascii ? 3 : 1;
	if (fmt_display_width(text) <= width)
		snprintf(out, size, "%s", text);
	else if (width <= ell)
		snprintf(out, size, "%.*s", (int)prefix_for_width(text, width), text);
	else
		snprintf(out, size, "%.*s%s", (int)prefix_for_width(text, width - ell), text,
			 ellipsis(ascii));
	return out;
}

const char *fmt_progress(char *out, size_t size, const char *stage, uint64_t done, uint64_t total,
			 double bytes_per_second, int width)
{
	if (!out || size == 0)
		return out;
	char percent[16] = "", rate[32] = "";
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
	fmt_column *columns; /* headers owned */
	bool ascii;
	size_t nrows, cap;
	char ***rows; /* a note row has cells[0] = text and is_note set */
	unsigned char *is_note;
};

fmt_table *fmt_table_new(size_t ncols, const fmt_column *columns)
{
	fmt_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->ncols = ncols;
	t->columns = calloc(ncols ? ncols : 1, sizeof *t->columns);
	if (!t->columns) {
		free(t);
		return NULL;
	}
	for (size_t c = 0; c < ncols; c++) {
		t->columns[c] = columns[c];
		t->columns[c].header = strdup(columns[c].header ? columns[c].header : "");
		if (!t->columns[c].header) {
			fmt_table_free(t);
			return NULL;
		}
		if (!t->columns[c].min_width)
			t->columns[c].min_width = 8;
	}
	return t;
}

static void free_row(char **row, size_t ncols)
{
	for (size_t c = 0; row && c < ncols; c++)
		free(row[c]);
	free(row);
}

void fmt_table_free(fmt_table *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->nrows; r++)
		free_row(t->rows[r], t->ncols);
	for (size_t c = 0; c < t->ncols; c++)
		free((char *)t->columns[c].header);
	free(t->rows);
	free(t->is_note);
	free(t->columns);
	free(t);
}

void fmt_table_set_ascii(fmt_table *t, bool ascii)
{
	if (t)
		t->ascii = ascii;
}

static int add_row(fmt_table *t, const char *const *cells, bool note)
{
	if (!t)
		return -1;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char ***rows = realloc(t->rows, cap * sizeof *rows);
		if (rows)
			t->rows = rows;
		unsigned char *is_note = rows ? realloc(t->is_note, cap) : NULL;
		if (!is_note)
			return -1;
		t->is_note = is_note;
		t->cap = cap;
	}
	char **row = calloc(t->ncols ? t->ncols : 1, sizeof *row);
	for (size_t c = 0; row && c < (note ? 1 : t->ncols); c++) {
		row[c] = strdup(cells[c] ? cells[c] : "");
		if (!row[c]) {
			free_row(row, t->ncols);
			return -1;
		}
	}
	if (!row)
		return -1;
	t->rows[t->nrows] = row;
	t->is_note[t->nrows++] = note;
	return 0;
}

int fmt_table_add_row(fmt_table *t, const char *const *cells)
{
	return add_row(t, cells, false);
}

int fmt_table_add_note(fmt_table *t, const char *text)
{
	const char *cells[] = {text};
	return add_row(t, cells, true);
}

size_t fmt_table_rows(const fmt_table *t)
{
	return t ? t->nrows : 0;
}

/* How late a column is dropped: never is latest. */
static int durability(const fmt_column *col)
{
	return col->drop ? col->drop : 1 << 30;
}

/* Takes the narrowing and dropping steps in rank order until the visible
 * columns fit max_width; widths[c] == 0 marks a dropped column. */
static void fit_columns(const fmt_table *t, size_t *widths, const size_t *natural, size_t max)
{
	size_t total = 0;
	for (size_t c = 0; c < t->ncols; c++)
		total += natural[c] + (c ? 2 : 0);
	bool *narrowed = calloc(t->ncols ? t->ncols : 1, sizeof *narrowed);
	int rank = 0;
	while (narrowed && total > max) {
		/* The next step: the smallest rank above the last one taken. */
		int next = 0;
		for (size_t c = 0; c < t->ncols; c++) {
			const fmt_column *col = &t->columns[c];
			if (col->narrow > rank && (!next || col->narrow < next))
				next = col->narrow;
			if (col->drop > rank && (!next || col->drop < next))
				next = col->drop;
		}
		if (!next)
			break;
		rank = next;
		/* Narrowing shares the cut: the widest of this rank's columns
		 * gives a column at a time, so that BEST and LAST keep alike. */
		while (total > max) {
			size_t widest = t->ncols;
			for (size_t c = 0; c < t->ncols; c++) {
				const fmt_column *col = &t->columns[c];
				if (col->narrow == rank && col->kind != FMT_COL_ATOM &&
				    widths[c] > col->min_width &&
				    (widest == t->ncols || widths[c] > widths[widest]))
					widest = c;
			}
			if (widest == t->ncols)
				break;
			widths[widest]--, total--;
			narrowed[widest] = true;
		}
		for (size_t c = t->ncols; c-- > 0 && total > max;) {
			if (!widths[c] || t->columns[c].drop != rank)
				continue;
			/* The first visible column has no separator before it. */
			size_t visible = 0;
			for (size_t k = 0; k < t->ncols; k++)
				visible += widths[k] != 0;
			total -= widths[c] + (visible > 1 ? 2 : 0);
			widths[c] = 0;
		}
	}
	/* Room left: back to the narrowed columns kept, the most durable first. */
	while (narrowed && total < max) {
		size_t best = t->ncols;
		for (size_t c = 0; c < t->ncols; c++)
			if (narrowed[c] && widths[c] &&
			    (best == t->ncols ||
			     durability(&t->columns[c]) > durability(&t->columns[best])))
				best = c;
		if (best == t->ncols)
			break;
		size_t give = natural[best] - widths[best];
		give = give < max - total ? give : max - total;
		widths[best] += give, total += give;
		narrowed[best] = false;
	}
	free(narrowed);
}

/* Writes text cut to max_width columns (0: whole) and a newline. */
static bool put_line(FILE *out, const char *text, size_t max_width, bool ascii)
{
	size_t size = strlen(text) + 8;
	char *cut = malloc(size);
	if (cut) {
		fmt_truncate(cut, size, text, max_width ? max_width : size, ascii);
		fprintf(out, "%s\n", cut);
	}
	free(cut);
	return cut != NULL;
}

/* One cell cut to its width and padded to exactly that width; `pad_last`
 * false leaves a left-aligned cell unpadded (the end of a line). */
static const char *table_cell(char *out, size_t size, const fmt_table *t, const char *text,
			      size_t col, const size_t *widths, bool header, bool pad)
{
	const fmt_column *c = &t->columns[col];
	size_t room = strlen(text) + 8;
	char *cell = malloc(room);
	if (!cell) {
		snprintf(out, size, "%s", "");
		return out;
	}
	if (c->kind == FMT_COL_NAME && !header)
		fmt_abbreviate(cell, room, text, widths[col], t->ascii);
	else
		fmt_truncate(cell, room, text, widths[col], t->ascii);
	size_t w = fmt_display_width(cell);
	int fill = widths[col] > w ? (int)(widths[col] - w) : 0;
	snprintf(out, size, "%*s%s%*s", c->align == FMT_RIGHT ? fill : 0, "", cell,
		 c->align == FMT_LEFT && pad ? fill : 0, "");
	free(cell);
	return out;
}

static bool render_cells(FILE *out, const fmt_table *t, char *const *cells, const size_t *widths,
			 bool header)
{
	/* The last column shown that has text: nothing is padded after it. */
	size_t last = 0;
	for (size_t c = 0; c < t->ncols; c++)
		if (widths[c] && (cells[c][0] || t->columns[c].align == FMT_RIGHT))
			last = c;
	bool first = true;
	for (size_t c = 0; c <= last; c++) {
		if (!widths[c])
			continue;
		size_t size = strlen(cells[c]) + widths[c] * 4 + 8;
		char *cell = malloc(size);
		if (!cell)
			return false;
		table_cell(cell, size, t, cells[c], c, widths, header, c < last);
		fprintf(out, "%s%s", first ? "" : "  ", cell);
		first = false;
		free(cell);
	}
	return true;
}

/* One line; when even the columns that are never dropped are too wide, the
 * line is cut at max_width (0: never) so that it cannot wrap. */
static bool render_line(FILE *out, const fmt_table *t, char *const *cells, const size_t *widths,
			bool header, size_t max_width)
{
	char *line = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&line, &len);
	bool ok = f && render_cells(f, t, cells, widths, header);
	ok = f && fclose(f) == 0 && ok && put_line(out, line, max_width, t->ascii);
	free(line);
	return ok;
}

/* Every column's natural width (its widest cell or header, at least 1). */
static void natural_widths(const fmt_table *t, size_t *natural)
{
	for (size_t c = 0; c < t->ncols; c++) {
		natural[c] = fmt_display_width(t->columns[c].header);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = t->is_note[r] ? 0 : fmt_display_width(t->rows[r][c]);
			natural[c] = w > natural[c] ? w : natural[c];
		}
		/* An empty column still shows its header; one without either
		 * takes a column so that it is not mistaken for a dropped one. */
		natural[c] = natural[c] ? natural[c] : 1;
	}
}

int fmt_table_fit(const fmt_table *t, size_t max_width, size_t *widths)
{
	if (!t || !widths)
		return -1;
	size_t *natural = calloc(t->ncols ? t->ncols : 1, sizeof *natural);
	if (!natural)
		return -1;
	natural_widths(t, natural);
	memcpy(widths, natural, t->ncols * sizeof *widths);
	if (max_width)
		fit_columns(t, widths, natural, max_width);
	free(natural);
	return 0;
}

const char *fmt_table_cell(char *out, size_t size, const fmt_table *t, size_t row, size_t col,
			   const size_t *widths)
{
	if (!out || size == 0)
		return out;
	out[0] = '\0';
	if (!t || col >= t->ncols || !widths[col] || (row != FMT_HEADER && row >= t->nrows))
		return out;
	bool header = row == FMT_HEADER;
	if (!header && t->is_note[row])
		return out;
	const char *text = header ? t->columns[col].header : t->rows[row][col];
	return table_cell(out, size, t, text, col, widths, header, true);
}

bool fmt_table_is_note(const fmt_table *t, size_t row)
{
	return t && row < t->nrows && t->is_note[row];
}

const char *fmt_table_text(const fmt_table *t, size_t row, size_t col)
{
	if (!t || row >= t->nrows || col >= t->ncols || (t->is_note[row] && col > 0))
		return "";
	return t->rows[row][col];
}

char *fmt_table_render(const fmt_table *t, size_t max_width)
{
	if (!t)
		return NULL;
	size_t n = t->ncols ? t->ncols : 1;
	size_t *widths = calloc(n, sizeof *widths);
	char **headers = calloc(n, sizeof *headers);
	char *text = NULL;
	size_t len = 0;
	bool ok = widths && headers && fmt_table_fit(t, max_width, widths) == 0;
	FILE *out = ok ? open_memstream(&text, &len) : NULL;
	ok = out != NULL;
	for (size_t c = 0; ok && c < t->ncols; c++)
		headers[c] = (char *)t->columns[c].header;
	ok = ok && render_line(out, t, headers, widths, true, max_width);
	for (size_t r = 0; ok && r < t->nrows; r++)
		ok = t->is_note[r] ? put_line(out, t->rows[r][0], max_width, t->ascii)
				   : render_line(out, t, t->rows[r], widths, false, max_width);
	if (out && fclose(out) != 0)
		ok = false;
	free(headers);
	free(widths);
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---- progress for people --------------------------------------------- */

const char *fmt_bar(char *out, size_t size, uint64_t done, uint64_t total, size_t width, bool ascii)
{
	if (!out || size == 0)
		return out;
	size_t filled = 0;
	if (total > 0)
		filled =
		    (size_t)((double)(done > total ? total : done) / (double)total * (double)width +
			     0.5);
	/* "█" and "░" are three bytes each in UTF-8. */
	const char *full = ascii ? "#" : "\xe2\x96\x88", *empty = ascii ? "." : "\xe2\x96\x91";
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < width; i++) {
		const char *glyph = i < filled ? full : empty;
		size_t n = strlen(glyph);
		if (len + n + 1 > size)
			break;
		memcpy(out + len, glyph, n + 1);
		len += n;
	}
	return out;
}

const char *fmt_transfer(char *out, size_t size, uint64_t done, uint64_t total, double elapsed)
{
	char a[FMT_SHORT], b[FMT_SHORT], left[FMT_SHORT];
	double rate = elapsed > 0.2 ? (double)done / elapsed : -1.0;
	int n = snprintf(out, size, "%s", fmt_size(a, done));
	if (total > 0 && n >= 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, " of %s", fmt_size(b, total));
	if (rate > 0 && isfinite(rate) && n >= 0 && (size_t)n < size)
		n += snprintf(out + n, size - (size_t)n, ", %.1f MB/s", rate / 1e6);
	if (rate > 0 && total > done && n >= 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, ", %s left",
			 fmt_duration(left, (double)(total - done) / rate));
	return out;
}
