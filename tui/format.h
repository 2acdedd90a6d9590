/* format.h: pure text formatting for the ckpt front ends: sizes, durations,
 * ages, metric values with enough digits to tell them apart, the checksum
 * state of an epoch, progress lines, and tables that fit a terminal by
 * narrowing or dropping their least useful columns. Nothing here does I/O
 * or depends on the locale (the caller says whether the terminal is ASCII),
 * so tests cover it without a terminal. */
#ifndef CKPT_TUI_FORMAT_H
#define CKPT_TUI_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"

/* Big enough for every fixed-size formatter below. */
#define FMT_SHORT 64

/* "0 B", "1000 B", "1.5 KiB", "768 KiB", "1.5 MiB", "2.0 GiB"... : one decimal
 * below 10 of a unit, none from 10 up. */
const char *fmt_size(char out[FMT_SHORT], uint64_t bytes);
/* "0.4 s", "42 s", "3 min 05 s", "2 h 07 min", "3 d 04 h"; "-" for a
 * negative or non-finite value. */
const char *fmt_duration(char out[FMT_SHORT], double seconds);
/* How long before `now` (unix seconds) `then` was: "just now", "42 s ago",
 * "3 min ago", "5 h ago", "12 d ago", "4 months ago", "2 years ago";
 * "never" when then <= 0, "in the future" when more than a minute ahead
 * (clocks of cluster nodes disagree by seconds, not minutes). */
const char *fmt_age(char out[FMT_SHORT], int64_t then, int64_t now);

/* A metric value for people: the shortest text that reads back as the same
 * double when it has at most `digits` significant digits ("0.21"), else
 * rounded to `digits` ("%.*g"); "inf", "-inf", "nan". digits is 1..17. */
const char *fmt_metric_digits(char out[FMT_SHORT], double value, int digits);
/* fmt_metric_digits with 6 digits. */
const char *fmt_metric(char out[FMT_SHORT], double value);
/* The shortest text that reads back as the same double ("0.30000000000000004"). */
const char *fmt_metric_exact(char out[FMT_SHORT], double value);
/* The fewest significant digits, from 6 up to 17, with which the distinct
 * values print distinctly through fmt_metric_digits: one table column's
 * precision, so that 0.21 and 0.21000000000000002 never look the same. */
int fmt_distinct_digits(const double *values, size_t n);

/* An epoch's checksum state for a table, from its verify record:
 * "disabled" (the writer ran without checksums), "not checked",
 * "ok 3 h ago", "MISMATCH" (or another problem result in capitals),
 * "changed since verified", "no checksum". */
const char *fmt_check(char out[FMT_SHORT], ckpt_checksum_kind kind, ckpt_check_state state,
		      ckpt_verify_result result, int64_t checked_at, int64_t now);

/* The single progress line of a long call: "verify 028  45%  12.3 MB/s";
 * total 0 leaves the percent out, rate < 0 leaves the rate out. The result is
 * cut to at most `width` display columns (width <= 0: no limit). */
const char *fmt_progress(char *out, size_t size, const char *stage, uint64_t done, uint64_t total,
			 double bytes_per_second, int width);

/* A bar of `width` cells, done/total of them full: "█████░░░░░", or
 * "#####....." when ascii (total 0: all empty). Returns out. */
const char *fmt_bar(char *out, size_t size, uint64_t done, uint64_t total, size_t width,
		    bool ascii);
/* "1.2 GiB of 2.6 GiB, 120.0 MB/s, 12 s left" from the bytes done, the total
 * (0: unknown, "of" and the time left are left out) and the seconds
 * elapsed (the rate and time left are left out before 0.2 s). */
const char *fmt_transfer(char *out, size_t size, uint64_t done, uint64_t total, double elapsed);

/* ---- display widths (width.c) ------------------------------------------- */

/* Columns a UTF-8 string takes on a terminal: wide (CJK, emoji) characters
 * count 2, combining marks 0, each invalid byte 1. */
size_t fmt_display_width(const char *text);
/* How many bytes of text fit in `columns`, never splitting a character. */
size_t fmt_prefix_for_width(const char *text, size_t columns);
/* text in at most `width` columns: whole when it fits, else its start and
 * end around an ellipsis ("nt3-lr0…1-long"), "..." when ascii. Never splits
 * a character. Returns out. */
const char *fmt_abbreviate(char *out, size_t size, const char *text, size_t width, bool ascii);
/* The same, keeping the start: "links need rel…". */
const char *fmt_truncate(char *out, size_t size, const char *text, size_t width, bool ascii);

/* ---- tables (table.c) -------------------------------------------------- */

typedef enum { FMT_LEFT, FMT_RIGHT } fmt_align;

/* How a column gives way on a narrow terminal. */
typedef enum {
	FMT_COL_ATOM, /* never cut (numbers, times, markers): dropped whole */
	FMT_COL_NAME, /* a name: abbreviated in the middle */
	FMT_COL_TEXT, /* free text: cut at the end */
} fmt_col_kind;

/* One column. When a table is too wide, the steps of all columns are taken
 * in increasing rank until it fits: at rank `narrow` a NAME or TEXT column
 * narrows to min_width, at rank `drop` a column disappears. 0 means never
 * (a row's key column is never dropped). Room left over afterwards goes
 * back to the narrowed columns that were kept, the latest dropped first. */
typedef struct fmt_column {
	const char *header;
	fmt_align align;
	fmt_col_kind kind;
	int narrow;       /* rank of the narrowing step, 0: never */
	int drop;         /* rank of the dropping step, 0: never */
	size_t min_width; /* for narrowing; 0 means 8 */
} fmt_column;

typedef struct fmt_table fmt_table;

/* columns: ncols entries (headers copied). NULL on out-of-memory. Free with
 * fmt_table_free. */
fmt_table *fmt_table_new(size_t ncols, const fmt_column *columns);
void fmt_table_free(fmt_table *table);
/* Ellipses as "..." instead of "…" (a terminal that is not UTF-8). */
void fmt_table_set_ascii(fmt_table *table, bool ascii);
/* Adds a row of ncols cells (copied; NULL cells print as ""). -1 on ENOMEM. */
int fmt_table_add_row(fmt_table *table, const char *const *cells);
/* Adds a full-width separator line: text alone on its row, not padded
 * (cut at the end to fit). */
int fmt_table_add_note(fmt_table *table, const char *text);
size_t fmt_table_rows(const fmt_table *table);
/* The row number of the header for fmt_table_cell. */
#define FMT_HEADER ((size_t)-1)
/* The width of each column (ncols entries) as fmt_table_render lays the
 * table out in max_width columns; 0 for a dropped column. For front ends
 * that draw row by row: cells are then two columns apart. -1 on ENOMEM. */
int fmt_table_fit(const fmt_table *table, size_t max_width, size_t *widths);
/* One cell (row FMT_HEADER: the header) as fmt_table_render prints it: cut
 * to widths[col] (a NAME in the middle, the rest at the end) and padded by
 * its alignment to exactly that width; "" for a dropped column or a note
 * row. Returns out. */
const char *fmt_table_cell(char *out, size_t size, const fmt_table *table, size_t row, size_t col,
			   const size_t *widths);
/* Whether a row is a note (fmt_table_add_note), and a cell's text as added
 * ("" out of range; a note's text is its column 0). */
bool fmt_table_is_note(const fmt_table *table, size_t row);
const char *fmt_table_text(const fmt_table *table, size_t row, size_t col);
/* The table as text: columns separated by two spaces, padded by display
 * width, no trailing blanks, one '\n' per line, each line at most max_width
 * columns (0: no limit, everything whole). Caller frees; NULL on ENOMEM. */
char *fmt_table_render(const fmt_table *table, size_t max_width);

#endif
