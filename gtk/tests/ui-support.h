/* ui-support.h: what the UI tests share: the fixture runs unpacked into a
 * temporary tree, waiting on the main loop, and rendering a widget to a PNG
 * whose colours can be counted. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A new temporary folder holding exp-2026-03/ unpacked from
 * $CKPT_FIXTURES/candle-runs.tar.gz; aborts the test when it cannot. */
char *ui_unpack_fixtures(void);
void ui_remove_tree(const char *path);

typedef gboolean (*UiCondition)(gpointer data);
/* Runs the main loop until cond(data) or timeout_ms pass; returns cond's value. */
gboolean ui_wait(UiCondition cond, gpointer data, guint timeout_ms);
/* Runs the main loop for ms milliseconds. */
void ui_spin(guint ms);

/* The widget as drawn now (it must be mapped). */
GdkTexture *ui_render(GtkWidget *widget);
/* Saves texture as name.png in $CKPT_UI_OUTPUT (default: the temporary
 * folder); returns the path (g_free it). */
char *ui_save(GdkTexture *texture, const char *name);
/* How many of the chart palette's colours (light or dark variant) cover at
 * least min_pixels pixels of area in texture. */
guint ui_count_palette_colours(GdkTexture *texture, const graphene_rect_t *area, gboolean dark,
			       guint min_pixels);
/* How many distinct colours area holds (a blank one holds one or two). */
guint ui_count_colours(GdkTexture *texture, const graphene_rect_t *area);

G_END_DECLS
