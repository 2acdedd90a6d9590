/* ui-support.c: shared helpers of the UI tests (see ui-support.h). */
#include "ui-support.h"

#include "chart-math.h"

#include <glib/gstdio.h>
#include <stdlib.h>

char *ui_unpack_fixtures(void)
{
	const char *fixtures = g_getenv("CKPT_FIXTURES");
	if (!fixtures)
		fixtures = "/work/shared/fixtures";
	g_autofree char *tarball = g_build_filename(fixtures, "candle-runs.tar.gz", NULL);
	GError *error = NULL;
	char *dir = g_dir_make_tmp("ckpt-ui-XXXXXX", &error);
	g_assert_no_error(error);
	const char *argv[] = {"tar", "-xzf", tarball, "-C", dir, NULL};
	int status = 0;
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
		     &status, &error);
	g_assert_no_error(error);
	g_spawn_check_wait_status(status, &error);
	g_assert_no_error(error);
	return dir;
}

void ui_remove_tree(const char *path)
{
	if (!path)
		return;
	const char *argv[] = {"rm", "-rf", path, NULL};
	g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
		     NULL);
}

static gboolean wake(gpointer data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

gboolean ui_wait(UiCondition cond, gpointer data, guint timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	/* Low priority: the ticker only wakes the loop, it never starves it. */
	guint ticker = g_timeout_add_full(G_PRIORITY_LOW, 10, wake, NULL, NULL);
	gboolean ok;
	while (!(ok = cond(data)) && g_get_monotonic_time() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(ticker);
	return ok;
}

static gboolean never(gpointer data)
{
	(void)data;
	return FALSE;
}

void ui_spin(guint ms)
{
	ui_wait(never, NULL, ms);
}

static gboolean mapped(gpointer data)
{
	return gtk_widget_get_mapped(GTK_WIDGET(data));
}

/* The widget's render node, once it has one: a window just presented (or a
 * busy machine) may not have been drawn yet. */
static GskRenderNode *render_node(GtkWidget *widget, int width, int height)
{
	GdkPaintable *paintable = gtk_widget_paintable_new(widget);
	GskRenderNode *node = NULL;
	for (int tries = 0; tries < 100 && !node; tries++) {
		GtkSnapshot *snapshot = gtk_snapshot_new();
		gdk_paintable_snapshot(paintable, snapshot, width, height);
		node = gtk_snapshot_free_to_node(snapshot);
		if (!node)
			ui_spin(50);
	}
	g_object_unref(paintable);
	return node;
}

GdkTexture *ui_render(GtkWidget *widget)
{
	g_assert_true(ui_wait(mapped, widget, 5000));
	int width = gtk_widget_get_width(widget), height = gtk_widget_get_height(widget);
	g_assert_cmpint(width, >, 0);
	g_assert_cmpint(height, >, 0);
	GskRenderNode *node = render_node(widget, width, height);
	g_assert_nonnull(node);
	GskRenderer *renderer = gtk_native_get_renderer(gtk_widget_get_native(widget));
	GdkTexture *texture =
	    gsk_renderer_render_texture(renderer, node, &GRAPHENE_RECT_INIT(0, 0, width, height));
	gsk_render_node_unref(node);
	return texture;
}

char *ui_save(GdkTexture *texture, const char *name)
{
	const char *dir = g_getenv("CKPT_UI_OUTPUT");
	g_autofree char *file = g_strconcat(name, ".png", NULL);
	char *path = g_build_filename(dir ? dir : g_get_tmp_dir(), file, NULL);
	g_assert_true(gdk_texture_save_to_png(texture, path));
	return path;
}

static guchar *pixels(GdkTexture *texture, gsize *stride)
{
	int w = gdk_texture_get_width(texture), h = gdk_texture_get_height(texture);
	*stride = (gsize)w * 4;
	guchar *data = g_malloc(*stride * (gsize)h);
	gdk_texture_download(texture, data, *stride); /* CAIRO_FORMAT_ARGB32: B G R A */
	return data;
}

static void clamp_area(GdkTexture *t, const graphene_rect_t *area, int *x0, int *y0, int *x1,
		       int *y1)
{
	int w = gdk_texture_get_width(t), h = gdk_texture_get_height(t);
	*x0 = area ? MAX(0, (int)area->origin.x) : 0;
	*y0 = area ? MAX(0, (int)area->origin.y) : 0;
	*x1 = area ? MIN(w, (int)(area->origin.x + area->size.width)) : w;
	*y1 = area ? MIN(h, (int)(area->origin.y + area->size.height)) : h;
}

guint ui_count_palette_colours(GdkTexture *texture, const graphene_rect_t *area, gboolean dark,
			       guint min_pixels)
{
	gsize stride;
	g_autofree guchar *data = pixels(texture, &stride);
	int x0, y0, x1, y1;
	clamp_area(texture, area, &x0, &y0, &x1, &y1);
	guint counts[CHART_PALETTE_SIZE] = {0};
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			const guchar *p = data + (gsize)y * stride + (gsize)x * 4;
			if (p[3] < 250)
				continue;
			for (unsigned k = 0; k < CHART_PALETTE_SIZE; k++) {
				ChartRgb c = chart_palette_color(k, dark);
				if (abs(p[2] - (int)(c.r * 255 + 0.5)) <= 6 &&
				    abs(p[1] - (int)(c.g * 255 + 0.5)) <= 6 &&
				    abs(p[0] - (int)(c.b * 255 + 0.5)) <= 6)
					counts[k]++;
			}
		}
	guint found = 0;
	for (unsigned k = 0; k < CHART_PALETTE_SIZE; k++)
		found += counts[k] >= min_pixels;
	return found;
}

guint ui_count_colours(GdkTexture *texture, const graphene_rect_t *area)
{
	gsize stride;
	g_autofree guchar *data = pixels(texture, &stride);
	int x0, y0, x1, y1;
	clamp_area(texture, area, &x0, &y0, &x1, &y1);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (int y = y0; y < y1; y++)
		for (int x = x0; x < x1; x++) {
			const guchar *p = data + (gsize)y * stride + (gsize)x * 4;
			guint32 v = (guint32)p[0] | (guint32)p[1] << 8 | (guint32)p[2] << 16;
			g_hash_table_add(seen, GUINT_TO_POINTER(v + 1));
		}
	return g_hash_table_size(seen);
}
