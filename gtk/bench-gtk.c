/* bench-gtk.c: the desktop app's budgets, measured on runs written by the
 * libckpt writer: the window shown after opening 1,000 runs x 50 epochs
 * (runs streaming in after), and a chart frame at 1280x800 with every one of
 * them compared, then with 10 runs x 10,000 points. Prints figures beside
 * the budgets; asserts nothing. Needs a display (meson runs it in xvfb-run). */
#include "ckpt-application.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MODEL_BYTES 256

typedef struct {
	long runs, epochs, long_runs, long_epochs, frames, model_mib;
	gboolean keep;
	const char *pictures; /* a folder for PNGs of the windows, or NULL */
} Options;

static void fail(const char *what, int rc)
{
	fprintf(stderr, "bench-gtk: %s: %s (%s)\n", what, ckpt_error_last(), ckpt_error_name(rc));
	exit(1);
}

/* ---- writing runs ------------------------------------------------------------ */

static int write_model(const char *path, void *payload)
{
	const long *tag = payload;
	unsigned char bytes[MODEL_BYTES];
	for (size_t i = 0; i < sizeof bytes; i++)
		bytes[i] = (unsigned char)(*tag * 131 + (long)i * 7);
	return g_file_set_contents(path, (const char *)bytes, sizeof bytes, NULL) ? 0 : 1;
}

/* A noisy decaying loss with the odd spike, as training gives. */
static double loss_at(long run, long e, long epochs)
{
	double t = (double)e / (double)epochs;
	double noise = 0.04 * sin(e * 1.7 + run) + 0.02 * sin(e * 0.31 + run * 2.0);
	double spike = (e * 7919 + run * 104729) % 997 == 0 ? 0.8 : 0.0;
	return (0.2 + 0.05 * (run % 7)) + 1.8 * exp(-4.0 * t) + noise + spike;
}

static void write_run(const char *root, long run, long epochs, long interval)
{
	ckpt_params *params;
	int rc = ckpt_params_new(&params);
	if (rc)
		fail("ckpt_params_new", rc);
	g_autofree char *n = g_strdup_printf("%ld", epochs);
	g_autofree char *every = g_strdup_printf("%ld", interval);
	ckpt_params_set(params, "epochs", n);
	ckpt_params_set(params, "ckpt_directory", root);
	ckpt_params_set(params, "ckpt_fsync", "false");
	ckpt_params_set(params, "ckpt_save_interval", every);
	ckpt_params_set(params, "ckpt_keep_limit", "3");
	ckpt_writer *writer;
	if ((rc = ckpt_writer_new(&writer, params, 0)) != 0)
		fail("ckpt_writer_new", rc);
	ckpt_params_free(params);
	long tag = 0;
	ckpt_writer_set_model_io(writer, write_model, NULL, &tag);
	for (long e = 0; e < epochs; e++) {
		tag = run * 100000 + e;
		if ((rc =
			 ckpt_writer_epoch(NULL, writer, e, '-', loss_at(run, e, epochs), NULL, 0)))
			fail("ckpt_writer_epoch", rc);
	}
	ckpt_writer_free(writer);
}

static double now_s(void)
{
	return (double)g_get_monotonic_time() / 1e6;
}

static char *write_runs(const char *base, const char *name, long runs, long epochs, long interval)
{
	char *folder = g_build_filename(base, name, NULL);
	double start = now_s();
	for (long i = 0; i < runs; i++) {
		g_autofree char *rel = g_strdup_printf("exp-%02ld/run-%05ld/ckpts", i / 100, i);
		g_autofree char *root = g_build_filename(folder, rel, NULL);
		write_run(root, i, epochs, interval);
	}
	printf("wrote %ld runs x %ld epochs in %.1f s\n", runs, epochs, now_s() - start);
	return folder;
}

/* ---- waiting on the main loop ----------------------------------------------------- */

static gboolean wake(gpointer data)
{
	(void)data;
	return G_SOURCE_CONTINUE;
}

typedef gboolean (*Condition)(gpointer);

static gboolean wait_for(Condition cond, gpointer data, double seconds)
{
	double end = now_s() + seconds;
	guint ticker = g_timeout_add(5, wake, NULL);
	gboolean ok;
	while (!(ok = cond(data)) && now_s() < end)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(ticker);
	return ok;
}

/* ---- frames --------------------------------------------------------------------------- */

typedef struct {
	double before, painted; /* of the last frame */
	guint frames;
} Clock;

static void on_before_paint(GdkFrameClock *clock, gpointer data)
{
	(void)clock;
	((Clock *)data)->before = now_s();
}

static void on_after_paint(GdkFrameClock *clock, gpointer data)
{
	(void)clock;
	Clock *c = data;
	c->painted = now_s();
	c->frames++;
}

typedef struct {
	Clock *clock;
	guint until;
} FrameWait;

static gboolean painted(gpointer data)
{
	FrameWait *w = data;
	return w->clock->frames >= w->until;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Redraws the chart `frames` times, each time from scratch (layout and every
 * line) or only the hover layer over the cached lines; prints the median and
 * the worst frame: the whole window's paint, and the chart's own drawing. */
static void measure_frames(CkptWindow *window, Clock *clock, long frames, gboolean full,
			   const char *what)
{
	CkptChart *chart = ckpt_window_get_chart(window);
	double *paint = g_new(double, frames), *chart_ms = g_new(double, frames);
	double *cpu_ms = g_new(double, frames);
	graphene_rect_t plot = {{0, 0}, {0, 0}};
	ckpt_chart_get_plot_area(chart, &plot);
	for (long i = 0; i < frames; i++) {
		if (full)
			ckpt_chart_reset_zoom(chart); /* invalidates the cached layer */
		else
			ckpt_chart_hover_at(chart,
					    plot.origin.x + plot.size.width * (i + 0.5) / frames,
					    plot.origin.y + plot.size.height / 2);
		FrameWait w = {clock, clock->frames + 1};
		wait_for(painted, &w, 5.0);
		paint[i] = (clock->painted - clock->before) * 1e3;
		chart_ms[i] = full ? ckpt_chart_get_last_frame_us(chart) / 1e3 : 0;
		cpu_ms[i] = full ? ckpt_chart_get_last_frame_cpu_us(chart) / 1e3 : 0;
	}
	qsort(paint, frames, sizeof *paint, compare_doubles);
	qsort(chart_ms, frames, sizeof *chart_ms, compare_doubles);
	qsort(cpu_ms, frames, sizeof *cpu_ms, compare_doubles);
	printf("  %-34s window paint %6.2f ms median, %6.2f max", what, paint[frames / 2],
	       paint[frames - 1]);
	if (full)
		printf("; chart layout+draw %6.2f ms median (%5.2f ms of CPU), %6.2f max",
		       chart_ms[frames / 2], cpu_ms[frames / 2], chart_ms[frames - 1]);
	printf("   (budget 16 ms)\n");
	ckpt_chart_hover_at(chart, -1, -1);
	g_free(paint);
	g_free(chart_ms);
	g_free(cpu_ms);
}

typedef struct {
	CkptWindow *window;
	guint runs;
} RunsWait;

static gboolean all_listed(gpointer data)
{
	RunsWait *w = data;
	CkptRunStore *store = ckpt_window_get_store(w->window);
	return !ckpt_run_store_get_scanning(store) &&
	       g_list_model_get_n_items(ckpt_run_store_get_model(store)) >= w->runs;
}

static gboolean charted(gpointer data)
{
	RunsWait *w = data;
	return ckpt_chart_get_n_runs(ckpt_window_get_chart(w->window)) == w->runs;
}

static void check_all(CkptWindow *window)
{
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(window));
	for (guint i = 0; i < g_list_model_get_n_items(runs); i++) {
		g_autoptr(CkptRunItem) item = g_list_model_get_item(runs, i);
		ckpt_run_item_set_checked(item, TRUE);
	}
}

static CkptWindow *open_window(CkptApplication *app, Clock *clock)
{
	CkptWindow *window = ckpt_window_new(GTK_APPLICATION(app));
	gtk_window_set_default_size(GTK_WINDOW(window), 1280, 800);
	gtk_widget_realize(GTK_WIDGET(window));
	GdkFrameClock *fc = gtk_widget_get_frame_clock(GTK_WIDGET(window));
	g_signal_connect(fc, "before-paint", G_CALLBACK(on_before_paint), clock);
	g_signal_connect(fc, "after-paint", G_CALLBACK(on_after_paint), clock);
	return window;
}

/* The chart as it is shown, as DIR/bench-<runs>x<epochs>.png. */
static void save_picture(CkptWindow *window, const char *dir, long runs, long epochs)
{
	CkptChart *chart = ckpt_window_get_chart(window);
	int width = gtk_widget_get_width(GTK_WIDGET(chart));
	int height = gtk_widget_get_height(GTK_WIDGET(chart));
	g_autofree char *name = g_strdup_printf("bench-%ldx%ld.png", runs, epochs);
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GError) error = NULL;
	if (ckpt_chart_export(chart, path, CKPT_CHART_PNG, width, height, &error))
		printf("  picture: %s (%dx%d)\n", path, width, height);
	else
		printf("  picture: %s\n", error->message);
}

static void bench_many(CkptApplication *app, const char *folder, long runs, long epochs,
		       long frames, const char *pictures)
{
	Clock clock = {0};
	double start = now_s();
	CkptWindow *window = open_window(app, &clock);
	ckpt_window_open(window, folder);
	gtk_window_present(GTK_WINDOW(window));
	FrameWait first = {&clock, 1};
	wait_for(painted, &first, 10.0);
	guint listed =
	    g_list_model_get_n_items(ckpt_run_store_get_model(ckpt_window_get_store(window)));
	printf("%ld runs x %ld epochs: window shown %.0f ms after opening them (budget 1000 ms), "
	       "%u runs listed by then\n",
	       runs, epochs, (clock.painted - start) * 1e3, listed);
	RunsWait w = {window, (guint)runs};
	if (!wait_for(all_listed, &w, 120.0))
		printf("  only %u runs after 120 s\n",
		       g_list_model_get_n_items(
			   ckpt_run_store_get_model(ckpt_window_get_store(window))));
	printf("  all %ld runs in after %.0f ms\n", runs, (now_s() - start) * 1e3);
	check_all(window);
	wait_for(charted, &w, 10.0);
	g_autofree char *what = g_strdup_printf("%ld runs compared, full redraw:", runs);
	measure_frames(window, &clock, frames, TRUE, what);
	g_autofree char *hover = g_strdup_printf("%ld runs compared, hover:", runs);
	measure_frames(window, &clock, frames, FALSE, hover);
	if (pictures)
		save_picture(window, pictures, runs, epochs);
	gtk_window_destroy(GTK_WINDOW(window));
}

/* ---- a big model verified while the window goes on ------------------------------------ */

static int write_big_model(const char *path, void *payload)
{
	long mib = *(const long *)payload;
	FILE *file = fopen(path, "wb");
	if (!file)
		return 1;
	static char block[1 << 20];
	for (size_t i = 0; i < sizeof block; i++)
		block[i] = (char)(i * 131 + 7);
	for (long m = 0; m < mib; m++)
		if (fwrite(block, 1, sizeof block, file) != sizeof block)
			break;
	return fclose(file) != 0;
}

typedef struct {
	double last, worst;
} Ticks;

static gboolean tick(gpointer data)
{
	Ticks *t = data;
	double now = now_s();
	if (t->last > 0 && now - t->last > t->worst)
		t->worst = now - t->last;
	t->last = now;
	return G_SOURCE_CONTINUE;
}

static gboolean idle_window(gpointer data)
{
	return !ckpt_window_get_busy(CKPT_WINDOW(data));
}

static void bench_big_verify(CkptApplication *app, const char *base, long mib)
{
	g_autofree char *folder = g_build_filename(base, "big", NULL);
	g_autofree char *root = g_build_filename(folder, "ckpts", NULL);
	ckpt_params *params;
	int rc = ckpt_params_new(&params);
	if (rc)
		fail("ckpt_params_new", rc);
	ckpt_params_set(params, "epochs", "1");
	ckpt_params_set(params, "ckpt_directory", root);
	ckpt_params_set(params, "ckpt_fsync", "false");
	ckpt_params_set(params, "ckpt_checksum", "true");
	ckpt_writer *writer;
	if ((rc = ckpt_writer_new(&writer, params, 0)) != 0)
		fail("ckpt_writer_new", rc);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(writer, write_big_model, NULL, &mib);
	if ((rc = ckpt_writer_epoch(NULL, writer, 0, '-', 0.5, NULL, 0)) != 0)
		fail("ckpt_writer_epoch", rc);
	ckpt_writer_free(writer);

	Clock clock = {0};
	CkptWindow *window = open_window(app, &clock);
	ckpt_window_open(window, folder);
	gtk_window_present(GTK_WINDOW(window));
	RunsWait w = {window, 1};
	wait_for(all_listed, &w, 30.0);
	GListModel *runs = ckpt_run_store_get_model(ckpt_window_get_store(window));
	g_autoptr(CkptRunItem) item = g_list_model_get_item(runs, 0);
	ckpt_window_select(window, item, 0);
	Ticks ticks = {0, 0};
	guint source = g_timeout_add(5, tick, &ticks);
	guint frames = clock.frames;
	double start = now_s();
	gtk_widget_activate_action(GTK_WIDGET(window), "win.verify", NULL);
	wait_for(idle_window, window, 600.0);
	double took = now_s() - start;
	g_source_remove(source);
	printf("verify of one %ld MiB model (page cache warm): %.2f s, %.2f GB/s; the main loop's "
	       "longest gap meanwhile %.1f ms, %u frames painted\n",
	       mib, took, mib * 1048576.0 / took / 1e9, ticks.worst * 1e3, clock.frames - frames);
	printf("  %s\n", ckpt_window_get_last_toast(window));
	gtk_window_destroy(GTK_WINDOW(window));
}

static Options parse(int argc, char **argv)
{
	Options o = {1000, 50, 10, 10000, 30, 1024, FALSE, NULL};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : "0";
		if (!g_strcmp0(a, "--runs"))
			o.runs = atol(v), i++;
		else if (!g_strcmp0(a, "--epochs"))
			o.epochs = atol(v), i++;
		else if (!g_strcmp0(a, "--long-runs"))
			o.long_runs = atol(v), i++;
		else if (!g_strcmp0(a, "--long-epochs"))
			o.long_epochs = atol(v), i++;
		else if (!g_strcmp0(a, "--frames"))
			o.frames = atol(v), i++;
		else if (!g_strcmp0(a, "--model-mib"))
			o.model_mib = atol(v), i++;
		else if (!g_strcmp0(a, "--keep"))
			o.keep = TRUE;
		else if (!g_strcmp0(a, "--pictures") && i + 1 < argc)
			o.pictures = argv[++i];
		else {
			fprintf(stderr, "usage: bench-gtk [--runs N] [--epochs E] [--long-runs N] "
					"[--long-epochs E] [--frames F] [--model-mib M] [--keep] "
					"[--pictures DIR]\n");
			exit(2);
		}
	}
	if (o.runs < 1 || o.epochs < 1 || o.long_runs < 1 || o.long_epochs < 1 || o.frames < 1 ||
	    o.model_mib < 1) {
		fprintf(stderr, "bench-gtk: counts must be positive\n");
		exit(2);
	}
	return o;
}

int main(int argc, char **argv)
{
	Options o = parse(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0); /* figures as they come, also into a pipe */
	g_autoptr(GError) error = NULL;
	g_autofree char *base = g_dir_make_tmp("ckpt-bench-gtk-XXXXXX", &error);
	if (!base) {
		fprintf(stderr, "bench-gtk: %s\n", error->message);
		return 1;
	}
	g_autofree char *cache = g_build_filename(base, "cache", NULL);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	printf("bench-gtk: libckpt %s, GTK %u.%u.%u, libadwaita %u.%u.%u, renderer %s, in %s\n",
	       ckpt_version(), gtk_get_major_version(), gtk_get_minor_version(),
	       gtk_get_micro_version(), adw_get_major_version(), adw_get_minor_version(),
	       adw_get_micro_version(),
	       g_getenv("GSK_RENDERER") ? g_getenv("GSK_RENDERER") : "default", base);
	g_autofree char *many = write_runs(base, "many", o.runs, o.epochs, 1);
	g_autofree char *deep = write_runs(base, "deep", o.long_runs, o.long_epochs, 1000);

	gtk_init();
	adw_init();
	g_autoptr(CkptApplication) app = ckpt_application_new(G_APPLICATION_NON_UNIQUE);
	if (!g_application_register(G_APPLICATION(app), NULL, &error)) {
		fprintf(stderr, "bench-gtk: %s\n", error->message);
		return 1;
	}
	bench_many(app, many, o.runs, o.epochs, o.frames, o.pictures);
	bench_many(app, deep, o.long_runs, o.long_epochs, o.frames, o.pictures);
	bench_big_verify(app, base, o.model_mib);
	if (o.keep) {
		printf("kept %s\n", base);
	} else {
		const char *rm[] = {"rm", "-rf", base, NULL};
		g_spawn_sync(NULL, (char **)rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
			     NULL, NULL);
	}
	return 0;
}
