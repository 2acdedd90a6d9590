/* writer-fixture.c: writers on temporary roots and the checks on what they
 * leave, shared by test-writer, test-restart and test-writer-safety. */
#include "writer-fixture.h"
#include "testutil.h"

#include <stdarg.h>
#include <string.h>

char *model_bytes(const char *tag, int n)
{
	GString *s = g_string_new("\x89HDF\r\n\x1a\n");
	for (int i = 0; i < 50; i++)
		g_string_append_printf(s, "%s model %d\n", tag, n);
	return g_string_free(s, FALSE);
}

static int write_model(const char *path, void *payload)
{
	model_io *io = payload;
	io->writes++;
	if (io->fail_at == io->writes)
		return 1;
	if (io->write_nothing)
		return 0;
	char *bytes = model_bytes(io->tag, io->writes);
	tu_write(path, bytes);
	g_free(bytes);
	return 0;
}

static int load_model(const char *path, void *payload)
{
	model_io *io = payload;
	io->loads++;
	g_strlcpy(io->loaded, path, sizeof io->loaded);
	g_free(io->loaded_bytes);
	io->loaded_bytes = tu_read(path, NULL);
	return io->loaded_bytes ? 0 : 1;
}

/* Params for root (5 epochs, no fsync, then keep_mode when given) with the
 * "key", "value" pairs of ap set last. */
static ckpt_params *params_for(const char *root, const char *keep_mode, va_list ap)
{
	ckpt_params *params;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "5"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_fsync", "false"), ==, 0);
	if (keep_mode)
		g_assert_cmpint(ckpt_params_set(params, "ckpt_keep_mode", keep_mode), ==, 0);
	const char *key;
	while ((key = va_arg(ap, const char *)) != NULL)
		g_assert_cmpint(ckpt_params_set(params, key, va_arg(ap, const char *)), ==, 0);
	return params;
}

ckpt_writer *writer_with(const char *root, model_io *io, ...)
{
	va_list ap;
	va_start(ap, io);
	ckpt_params *params = params_for(root, NULL, ap);
	va_end(ap);
	ckpt_writer *w = NULL;
	int rc = ckpt_writer_new(&w, params, 0);
	if (rc)
		g_test_message("ckpt_writer_new: %s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(w, write_model, load_model, io);
	return w;
}

ckpt_epoch_result epoch(ckpt_writer *w, long epoch1, char direction, double value)
{
	ckpt_epoch_result out = {.size = sizeof out};
	int rc = ckpt_writer_epoch(&out, w, epoch1 - 1, direction, value, NULL, 0);
	if (rc)
		g_test_message("epoch %ld: %s", epoch1, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpint(out.epoch, ==, epoch1);
	return out;
}

void save_epochs(const char *root, const char *tag, const double *values, int n, ...)
{
	model_io io = {.tag = tag};
	va_list ap;
	va_start(ap, n);
	ckpt_params *params = params_for(root, "all", ap);
	va_end(ap);
	ckpt_writer *w;
	g_assert_cmpint(ckpt_writer_new(&w, params, 0), ==, 0);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(w, write_model, NULL, &io);
	for (int i = 0; i < n; i++)
		epoch(w, i + 1, '-', values[i]);
	ckpt_writer_free(w);
}

int restart(ckpt_writer *w, ckpt_restart **out)
{
	ckpt_restart_free(*out);
	int rc = ckpt_writer_restart(out, w);
	g_test_message("restart: %d %s", rc, rc ? ckpt_error_last() : "");
	return rc;
}

static int compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "001 004" for the epoch directories under root/epochs. */
char *epoch_dirs(const char *root)
{
	char *dir = g_build_filename(root, "epochs", NULL);
	GDir *d = g_dir_open(dir, 0, NULL);
	g_free(dir);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while (d && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(out, "%s%s", i ? " " : "", (char *)names->pdata[i]);
	g_ptr_array_free(names, TRUE);
	return g_string_free(out, FALSE);
}

char *path_in(const char *root, const char *a, const char *b, const char *c)
{
	return g_build_filename(root, a, b, c, NULL);
}

/* The messages of root/ckpt.log, the "date time CandleCkpt: " prefix checked and cut. */
GPtrArray *log_messages(const char *root)
{
	char *path = g_build_filename(root, "ckpt.log", NULL);
	char *text = tu_read(path, NULL);
	g_free(path);
	g_assert_nonnull(text);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	char **lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (!**l)
			continue;
		g_assert_true(g_regex_match_simple("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d "
						   "CandleCkpt: ",
						   *l, 0, 0));
		g_ptr_array_add(out, g_strdup(*l + strlen("2026-03-02 09:00:18 CandleCkpt: ")));
	}
	g_strfreev(lines);
	g_free(text);
	return out;
}

/* Asserts that `expected` (NULL-terminated) appear in this order in the log. */
void assert_log_sequence(const char *root, const char *const *expected)
{
	GPtrArray *messages = log_messages(root);
	guint at = 0;
	for (const char *const *e = expected; *e; e++) {
		while (at < messages->len && strcmp(messages->pdata[at], *e) != 0)
			at++;
		if (at == messages->len)
			g_error("ckpt.log: missing (in order) \"%s\"", *e);
		at++;
	}
	g_ptr_array_free(messages, TRUE);
}

bool log_has(const char *root, const char *message)
{
	GPtrArray *messages = log_messages(root);
	bool found = false;
	for (guint i = 0; i < messages->len && !found; i++)
		found = strcmp(messages->pdata[i], message) == 0;
	g_ptr_array_free(messages, TRUE);
	return found;
}

void read_info(ckpt_info *info, const char *root, const char *dir)
{
	char *path = path_in(root, "epochs", dir, "ckpt-info.json");
	memset(info, 0, sizeof *info);
	int rc = ckpt_info_read(info, path);
	if (rc)
		g_test_message("%s", ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_free(path);
}

void assert_model(const char *root, const char *dir, const char *tag, int n)
{
	char *path = path_in(root, "epochs", dir, "model.h5");
	char *bytes = tu_read(path, NULL);
	char *want = model_bytes(tag, n);
	g_assert_cmpstr(bytes, ==, want);
	g_free(path);
	g_free(bytes);
	g_free(want);
}
