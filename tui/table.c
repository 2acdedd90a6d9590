/* table.c: tables that fit a width: each column's natural width, then the
 * least durable columns narrowed or dropped first; numbers are never cut. */
#include "format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* A line put together in memory (one allocation grown as needed, not a
 * stream per line: a table of thousands of runs has thousands of lines). */
typedef struct line_buf {
	char *data;
	size_t len, cap;
	bool oom;
} line_buf;

static bool line_room(line_buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *grown = realloc(b->data, cap);
	if (!grown) {
		b->oom = true;
		return false;
	}
	b->data = grown;
	b->cap = cap;
	return true;
}

static void line_put(line_buf *b, const char *text, size_t n)
{
	if (!line_room(b, n))
		return;
	memcpy(b->data + b->len, text, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void line_fill(line_buf *b, size_t n)
{
	if (!line_room(b, n))
		return;
	memset(b->data + b->len, ' ', n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* One cell cut to its width and padded to exactly that width, onto the
 * line; `pad` false leaves a left-aligned cell unpadded (the end of a line). */
static void put_cell(line_buf *line, const fmt_table *t, const char *text, size_t col,
		     const size_t *widths, bool header, bool pad)
{
	const fmt_column *c = &t->columns[col];
	size_t room = strlen(text) + 8;
	char *cell = malloc(room);
	if (!cell) {
		line->oom = true;
		return;
	}
	if (c->kind == FMT_COL_NAME && !header)
		fmt_abbreviate(cell, room, text, widths[col], t->ascii);
	else
		fmt_truncate(cell, room, text, widths[col], t->ascii);
	size_t w = fmt_display_width(cell);
	size_t fill = widths[col] > w ? widths[col] - w : 0;
	if (c->align == FMT_RIGHT)
		line_fill(line, fill);
	line_put(line, cell, strlen(cell));
	if (c->align == FMT_LEFT && pad)
		line_fill(line, fill);
	free(cell);
}

/* The same into out (size bytes), for fmt_table_cell. */
static const char *table_cell(char *out, size_t size, const fmt_table *t, const char *text,
			      size_t col, const size_t *widths, bool header, bool pad)
{
	line_buf line = {0};
	put_cell(&line, t, text, col, widths, header, pad);
	snprintf(out, size, "%s", line.oom || !line.data ? "" : line.data);
	free(line.data);
	return out;
}

static void render_cells(line_buf *line, const fmt_table *t, char *const *cells,
			 const size_t *widths, bool header)
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
		if (!first)
			line_put(line, "  ", 2);
		put_cell(line, t, cells[c], c, widths, header, c < last);
		first = false;
	}
}

/* One line; when even the columns that are never dropped are too wide, the
 * line is cut at max_width (0: never) so that it cannot wrap. */
static bool render_line(FILE *out, const fmt_table *t, char *const *cells, const size_t *widths,
			bool header, size_t max_width)
{
	line_buf line = {0};
	render_cells(&line, t, cells, widths, header);
	line_put(&line, "", 0);
	bool ok = !line.oom && put_line(out, line.data, max_width, t->ascii);
	free(line.data);
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
