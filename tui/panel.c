/* panel.c: the scrollable list (see panel.h). A text view (cursor false)
 * has no selection of its own: moving scrolls it, its "selection" is its
 * top row. */
#include "panel.h"

static size_t rows_shown(const panel *p)
{
	return p->height > 0 ? (size_t)p->height : 1;
}

/* The largest top that still fills the panel. */
static size_t max_top(const panel *p)
{
	return p->count > rows_shown(p) ? p->count - rows_shown(p) : 0;
}

static void clamp(panel *p)
{
	if (p->count == 0) {
		p->selected = p->top = 0;
		return;
	}
	if (p->selected >= p->count)
		p->selected = p->count - 1;
	if (!p->cursor)
		p->selected = p->top;
	if (p->top > max_top(p))
		p->top = max_top(p);
	if (p->cursor && p->selected < p->top)
		p->top = p->selected;
	if (p->cursor && p->selected >= p->top + rows_shown(p))
		p->top = p->selected - rows_shown(p) + 1;
	if (!p->cursor)
		p->selected = p->top;
}

void panel_set_height(panel *p, int height)
{
	p->height = height;
	clamp(p);
}

void panel_select(panel *p, size_t row)
{
	if (p->cursor)
		p->selected = row;
	else
		p->top = row;
	clamp(p);
}

void panel_move(panel *p, long delta)
{
	size_t at = p->cursor ? p->selected : p->top;
	if (delta < 0)
		at = (size_t)-delta > at ? 0 : at - (size_t)-delta;
	else
		at = at + (size_t)delta;
	panel_select(p, at);
}

void panel_page(panel *p, int pages)
{
	long rows = (long)rows_shown(p) * pages;
	if (!p->cursor) {
		panel_move(p, rows);
		return;
	}
	/* The selection keeps its line; the view moves a page under it
	 * (at either end, the selection goes on to the first or last row). */
	long top = (long)p->top + rows, selected = (long)p->selected + rows;
	long last = p->count ? (long)p->count - 1 : 0;
	p->top = (size_t)(top < 0 ? 0 : top > (long)max_top(p) ? (long)max_top(p) : top);
	p->selected = (size_t)(selected < 0 ? 0 : selected > last ? last : selected);
	clamp(p);
}

void panel_home(panel *p)
{
	panel_select(p, 0);
}

void panel_end(panel *p)
{
	panel_select(p, p->count ? p->count - 1 : 0);
}

void panel_scroll(panel *p, long delta)
{
	long top = (long)p->top + delta;
	top = top < 0 ? 0 : top > (long)max_top(p) ? (long)max_top(p) : top;
	p->top = (size_t)top;
	if (p->cursor && p->selected < p->top)
		p->selected = p->top;
	if (p->cursor && p->selected >= p->top + rows_shown(p))
		p->selected = p->top + rows_shown(p) - 1;
	clamp(p);
}

bool panel_hit(const panel *p, int y, size_t *out_row)
{
	if (y < 0 || y >= (int)rows_shown(p) || p->top + (size_t)y >= p->count)
		return false;
	*out_row = p->top + (size_t)y;
	return true;
}

void panel_keep(panel *p, size_t count, size_t selected)
{
	size_t line = p->selected >= p->top ? p->selected - p->top : 0;
	p->count = count;
	if (!p->cursor) {
		clamp(p);
		return;
	}
	p->selected = selected;
	if (count && p->selected >= count)
		p->selected = count - 1;
	p->top = p->selected >= line ? p->selected - line : 0;
	clamp(p);
}

void panel_draw(const panel *p, WINDOW *w, int y0, panel_row_fn fn, void *payload)
{
	for (size_t i = 0; i < rows_shown(p) && p->top + i < p->count; i++) {
		size_t row = p->top + i;
		fn(w, y0 + (int)i, row, p->cursor && row == p->selected, payload);
	}
}
