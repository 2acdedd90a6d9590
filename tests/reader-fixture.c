/* reader-fixture.c: small runs built by hand and opened, for the reader's
 * test programs (see reader-fixture.h). */
#include "reader-fixture.h"
#include "testutil.h"

#include <stdlib.h>
#include <unistd.h>

void make_epoch_as(const char *root, long epoch, long info_epoch, double best_last)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *dir = g_build_filename(root, "epochs", name, NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	char *model = g_build_filename(dir, "model.h5", NULL);
	char *bytes = g_strnfill((gsize)(100 + epoch), 'm');
	tu_write(model, bytes);
	char *info = g_strdup_printf(
	    "{\"epoch\": %ld, \"save_best_metric\": \"val_loss\", \"best_metric_last\": %g, "
	    "\"model_file\": \"model.h5\", \"checksum\": \"__DISABLED__\", \"timestamp\": "
	    "\"2026-03-02 09:00:%02ld\", \"time_elapsed\": \"__FIRST__\", \"metadata\": null}",
	    info_epoch, best_last, epoch % 60);
	char *info_path = g_build_filename(dir, "ckpt-info.json", NULL);
	tu_write(info_path, info);
	g_free(info_path), g_free(info), g_free(bytes), g_free(model), g_free(dir);
}

void make_epoch(const char *root, long epoch)
{
	make_epoch_as(root, epoch, epoch, 0.5);
}

/* A root with epochs 1..n, a log and a relative `last`. */
void make_root(const char *root, long n)
{
	g_assert_cmpint(g_mkdir_with_parents(root, 0755), ==, 0);
	char *epochs = g_build_filename(root, "epochs", NULL);
	g_assert_cmpint(g_mkdir_with_parents(epochs, 0755), ==, 0);
	for (long e = 1; e <= n; e++)
		make_epoch(root, e);
	char *log = g_build_filename(root, "ckpt.log", NULL);
	tu_write(log, "2026-03-02 09:00:05 CandleCkpt: Callback initialized.\n");
	if (n > 0) {
		char target[64], *link = g_build_filename(root, "last", NULL);
		g_snprintf(target, sizeof target, "epochs/%03ld", n);
		g_assert_cmpint(symlink(target, link), ==, 0);
		g_free(link);
	}
	g_free(log), g_free(epochs);
}

/* A run folder <dir>/<rel> holding ckpts/ with n epochs; returns the root. */
char *make_run(const char *dir, const char *rel, long n)
{
	char *root = g_build_filename(dir, rel, "ckpts", NULL);
	make_root(root, n);
	return root;
}

cJSON *run_json(const ckpt_run *run)
{
	char *text = NULL;
	g_assert_cmpint(ckpt_run_to_json(&text, run, 0), ==, 0);
	cJSON *json = cJSON_Parse(text);
	if (!json)
		g_error("not JSON: %s", text);
	free(text);
	return json;
}
