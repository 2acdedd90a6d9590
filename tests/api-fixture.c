/* api-fixture.c: temporary trees with a private cache, writers with a
 * scripted model, file surgery, unprivileged children and progress
 * recording for the 0.2 API test programs (see api-fixture.h). */
#include "api-fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *af_tree_new(void)
{
	char *dir = tu_tmpdir();
	char *cache = g_build_filename(dir, "cache", NULL);
	char *home = g_build_filename(dir, "home", NULL);
	g_assert_cmpint(g_mkdir_with_parents(home, 0755), ==, 0);
	g_setenv("XDG_CACHE_HOME", cache, TRUE);
	g_setenv("HOME", home, TRUE);
	g_free(cache);
	g_free(home);
	return dir;
}

void af_tree_free(char *dir)
{
	tu_rmtree(dir);
	g_free(dir);
}

int af_write_model(const char *path, void *payload)
{
	af_model *m = payload;
	m->writes++;
	if (m->fail_write == m->writes) {
		if (m->fail_message)
			ckpt_error_set(m->fail_message);
		return 1;
	}
	size_t bytes = m->bytes ? m->bytes : 1000;
	GString *s = g_string_new("\x89HDF\r\n\x1a\n");
	while (s->len < bytes)
		g_string_append_printf(s, "%s model %d\n", m->tag ? m->tag : "m", m->writes);
	g_string_truncate(s, bytes);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, m->mode ? m->mode : 0644);
	bool ok = fd >= 0 && write(fd, s->str, s->len) == (ssize_t)s->len;
	if (fd >= 0)
		close(fd);
	g_string_free(s, TRUE);
	return ok ? 0 : 1;
}

int af_load_model(const char *path, void *payload)
{
	af_model *m = payload;
	m->loads++;
	g_strlcpy(m->loaded, path, sizeof m->loaded);
	if (m->fail_load) {
		if (m->fail_message)
			ckpt_error_set(m->fail_message);
		return 1;
	}
	return tu_exists(path) ? 0 : 1;
}

ckpt_writer *af_writer_v(const char *root, af_model *m, unsigned flags, va_list ap)
{
	ckpt_params *params = NULL;
	g_assert_cmpint(ckpt_params_new(&params), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_directory", root), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "epochs", "100"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_checksum", "true"), ==, 0);
	g_assert_cmpint(ckpt_params_set(params, "ckpt_fsync", "false"), ==, 0);
	const char *key;
	while ((key = va_arg(ap, const char *)) != NULL) {
		const char *value = va_arg(ap, const char *);
		g_assert_cmpint(ckpt_params_set(params, key, value), ==, 0);
	}
	ckpt_writer *w = NULL;
	int rc = ckpt_writer_new(&w, params, flags);
	if (rc)
		g_test_message("ckpt_writer_new(%s): %s", root, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	ckpt_params_free(params);
	ckpt_writer_set_model_io(w, af_write_model, af_load_model, m);
	return w;
}

ckpt_writer *af_writer(const char *root, af_model *m, unsigned flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	ckpt_writer *w = af_writer_v(root, m, flags, ap);
	va_end(ap);
	return w;
}

ckpt_epoch_result af_epoch(ckpt_writer *w, long epoch1, char direction, double value)
{
	ckpt_epoch_result result = {.size = sizeof result};
	int rc = ckpt_writer_epoch(&result, w, epoch1 - 1, direction, value, NULL, 0);
	if (rc)
		g_test_message("epoch %ld: %s", epoch1, ckpt_error_last());
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpint(result.epoch, ==, epoch1);
	return result;
}

void af_save(const char *root, const double *values, int n, ...)
{
	af_model m = {.tag = "save"};
	va_list ap;
	va_start(ap, n);
	ckpt_writer *w = af_writer_v(root, &m, 0, ap);
	va_end(ap);
	for (int i = 0; i < n; i++)
		af_epoch(w, i + 1, '-', values[i]);
	ckpt_writer_free(w);
}

char *af_epoch_path(const char *root, long epoch, const char *file)
{
	char name[32];
	snprintf(name, sizeof name, "%03ld", epoch);
	return g_build_filename(root, "epochs", name, file, NULL);
}

void af_flip_byte(const char *path, off_t offset)
{
	struct stat st;
	g_assert_cmpint(lstat(path, &st), ==, 0);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	unsigned char c = 0;
	g_assert_cmpint(pread(fd, &c, 1, offset), ==, 1);
	c ^= 0xff;
	g_assert_cmpint(pwrite(fd, &c, 1, offset), ==, 1);
	g_assert_cmpint(close(fd), ==, 0);
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	g_assert_cmpint(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW), ==, 0);
}

void af_set_mtime(const char *path, time_t when)
{
	struct timespec times[2] = {{when, 0}, {when, 0}};
	g_assert_cmpint(utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW), ==, 0);
}

void af_replace_file(const char *path)
{
	gsize len = 0;
	char *text = tu_read(path, &len);
	g_assert_nonnull(text);
	char *tmp = g_strdup_printf("%s.new", path);
	tu_write_bytes(tmp, text, len);
	g_assert_cmpint(rename(tmp, path), ==, 0);
	g_free(tmp);
	g_free(text);
}

char **af_read_lines(const char *path)
{
	char *text = tu_read(path, NULL);
	g_assert_nonnull(text);
	size_t len = strlen(text);
	if (len > 0 && text[len - 1] == '\n')
		text[len - 1] = '\0';
	char **lines = len ? g_strsplit(text, "\n", -1) : g_new0(char *, 1);
	g_free(text);
	return lines;
}

void af_write_lines(const char *path, char *const *lines)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; lines[i]; i++)
		g_string_append_printf(s, "%s\n", lines[i]);
	tu_write_bytes(path, s->str, s->len);
	g_string_free(s, TRUE);
}

size_t af_dir_count(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	if (!dir)
		return 0;
	size_t n = 0;
	while (g_dir_read_name(dir))
		n++;
	g_dir_close(dir);
	return n;
}

char *af_fixture_root(const tu_fixture *f, const char *name)
{
	return g_build_filename(f->exp, name, "ckpts", NULL);
}


void af_open_path(const char *reach)
{
	char *path = g_strdup(reach);
	for (char *p = path + 1;; p++) {
		bool end = *p == '\0';
		if (*p == '/' || end) {
			*p = '\0';
			struct stat st;
			if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
				chmod(path, (st.st_mode & 07777) | 0555);
			if (end)
				break;
			*p = '/';
		}
	}
	g_free(path);
}

size_t af_unprivileged(const char *reach, int (*fn)(int *results, size_t n, void *payload),
		       void *payload, int *results, size_t n)
{
	af_open_path(reach);
	return tu_run_unprivileged(fn, payload, results, n);
}

int af_record_progress(const ckpt_progress_event *event, void *payload)
{
	af_progress *p = payload;
	if (event->size != sizeof *event)
		p->wrong_size++;
	if (p->calls == 0)
		p->stage = event->stage;
	else if (event->stage != p->stage)
		p->other_stage++;
	if (p->calls > 0 && (event->done < p->done || event->items_done < p->items_done))
		p->went_back = true;
	if ((event->total && event->done > event->total) ||
	    (event->items_total && event->items_done > event->items_total))
		p->past_total = true;
	g_strlcpy(p->run, event->run ? event->run : "", sizeof p->run);
	p->done = event->done;
	p->total = event->total;
	p->items_done = event->items_done;
	p->items_total = event->items_total;
	p->calls++;
	return p->stop_after && p->calls >= p->stop_after ? 1 : 0;
}

ckpt_run *af_run_named(const ckpt_run_list *list, const char *name)
{
	for (size_t i = 0; i < ckpt_run_list_count(list); i++)
		if (strcmp(ckpt_run_name(ckpt_run_list_get(list, i)), name) == 0)
			return ckpt_run_list_get(list, i);
	return NULL;
}
