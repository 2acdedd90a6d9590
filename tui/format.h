/* format.h: pure text formatting for the ckpt front ends: sizes, durations,
 * metric values, progress lines and tables padded by display width. Nothing
 * here does I/O or depends on the locale, so tests cover it without a terminal. */
#ifndef CKPT_TUI_FORMAT_H
#define CKPT_TUI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* Big enough for every fixed-size formatter below. */
#define FMT_SHORT 64

/* "0 B", "1000 B", "1.5 KiB", "768 KiB", "1.5 MiB", "2.0 GiB"... : one decimal
 * below 100 of a unit, none from 100 up, ".0" kept only above KiB. */
const char *fmt_size(char out[FMT_SHORT], uint64_t bytes);
/* "0.4 s", "42 s", "3 min 05 s", "2 h 07 min", "3 d 04 h"; "-" for a
 * negative or non-finite value. */
const char *fmt_duration(char out[FMT_SHORT], double seconds);
/* A metric value for people: "0.206222", "1.5e-07", "inf", "-inf", "nan"
 * (6 significant digits, C locale). */
const char *fmt_metric(char out[FMT_SHORT], double value);
/* A metric value for CSV: shortest text that reads back as the same double
 * ("0.206222", "0.30000000000000004"), and "inf", "-inf", "nan". */
const char *fmt_metric_exact(char out[FMT_SHORT], double value);
/* The single progress line of a long call: "verify 028  45%  12.3 MB/s";
 * total 0 leaves the percent out, rate < 0 leaves the rate out. The result is
 * cut to at most `width` display columns (width <= 0: no limit). */
const char *fmt_progress(char *out, size_t size, const char *stage, uint64_t done, uint64_t total,
			 double bytes_per_second, int width);

/* Columns a UTF-8 string takes on a terminal: wide (CJK, emoji) characters
 * count 2, combining marks 0, each invalid byte 1. */
size_t fmt_display_width(const char *text);

/* ---- tables ----------------------------------------------------------- */

typedef enum { FMT_LEFT, FMT_RIGHT } fmt_align;

typedef struct fmt_table fmt_table;

/* headers: ncols strings (copied); align: ncols entries (may be NULL: all
 * left). NULL on out-of-memory. Free with fmt_table_free. */
fmt_table *fmt_table_new(size_t ncols, const char *const *headers, const fmt_align *align);
void fmt_table_free(fmt_table *table);
/* Adds a row of ncols cells (copied; NULL cells print as ""). -1 on ENOMEM. */
int fmt_table_add_row(fmt_table *table, const char *const *cells);
/* Adds a full-width separator line: text alone on its row, not padded. */
int fmt_table_add_note(fmt_table *table, const char *text);
size_t fmt_table_rows(const fmt_table *table);
/* The table as text: columns separated by two spaces, padded by display
 * width, no trailing blanks, one '\n' per line. Caller frees; NULL on ENOMEM. */
char *fmt_table_render(const fmt_table *table);
/* The same, each line cut to max_width display columns ("..." marks a cut)
 * so that rows never wrap on a narrow terminal; 0 means no limit. */
char *fmt_table_render_fit(const fmt_table *table, size_t max_width);

#endif
