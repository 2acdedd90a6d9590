/* panel.h: a scrollable list of rows, the one list every pane of the
 * dashboard is (runs, epochs, a clean plan, details, the log): which row is
 * selected, which is at the top, moving by rows and pages, the mouse wheel
 * and clicks, keeping the selection and the view when the rows change, and
 * drawing the visible rows through a callback. */
#ifndef CKPT_TUI_PANEL_H
#define CKPT_TUI_PANEL_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct panel {
	size_t count;    /* rows */
	size_t selected; /* < count, or 0 when empty */
	size_t top;      /* the first row shown */
	int height;      /* rows shown */
	bool cursor;     /* false: a text view (moving scrolls, nothing is selected) */
} panel;

void panel_set_height(panel *p, int height);
/* Selects row (clamped) and scrolls it into view. */
void panel_select(panel *p, size_t row);
void panel_move(panel *p, long delta);
/* By pages (negative: up): the selection and the view move together. */
void panel_page(panel *p, int pages);
void panel_home(panel *p);
void panel_end(panel *p);
/* The mouse wheel: moves the view by delta rows; the selection is pulled
 * along only as far as it must to stay in view. */
void panel_scroll(panel *p, long delta);
/* The row shown at line y of the panel (0: its first line); false below
 * the last row. */
bool panel_hit(const panel *p, int y, size_t *out_row);
/* The rows changed: there are now count rows and the item that was
 * selected is row `selected` (or the nearest). The selection keeps its
 * line on screen where it can, so that the view does not jump. */
void panel_keep(panel *p, size_t count, size_t selected);

/* Draws row `row` at line y of w; selected: the panel's selection. */
typedef void (*panel_row_fn)(WINDOW *w, int y, size_t row, bool selected, void *payload);
/* Calls fn for each visible row, at lines y0, y0 + 1...; the lines below
 * the last row are left as they are (the caller erased the window). */
void panel_draw(const panel *p, WINDOW *w, int y0, panel_row_fn fn, void *payload);

#endif
