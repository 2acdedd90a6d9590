/* crash-common.c: the crash suite's trees, model callbacks and invariant
 * checks (see crash-common.h). Test code: it reads the tree with plain
 * POSIX calls and judges it with the engine's own readers of the format. */
#include "crash-common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the trainer ------------------------------------------------------ */

int cr_model_write(const char *path, void *payload)
{
	cr_model *model = payload;
	unsigned char data[2048];
	unsigned x = ++model->calls * 2654435761u;
	for (size_t i = 0; i < sizeof data; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	return ckpt_fs_write_file(path, data, sizeof data, false) == 0 ? 0 : 1;
}

int cr_model_load(const char *path, void *payload)
{
	(void)payload;
	char *text = NULL;
	size_t len = 0;
	int rc = ckpt_read_file(&text, &len, path, 1 << 20, true);
	free(text);
	return rc == 0 && len == 2048 ? 0 : 1;
}

ckpt_params *cr_params(const char *root, const char *keep_mode, long keep_limit, bool fsync,
		       bool save_best)
{
	ckpt_params *params = NULL;
	if (ckpt_params_new(&params) != 0)
		return NULL;
	char limit[32];
	snprintf(limit, sizeof limit, "%ld", keep_limit);
	if (ckpt_params_set(params, "ckpt_directory", root) ||
	    ckpt_params_set(params, "epochs", "1000") ||
	    ckpt_params_set(params, "ckpt_checksum", "true") ||
	    ckpt_params_set(params, "ckpt_save_best", save_best ? "true" : "false") ||
	    ckpt_params_set(params, "ckpt_save_interval", "1") ||
	    ckpt_params_set(params, "ckpt_keep_mode", keep_mode) ||
	    ckpt_params_set(params, "ckpt_keep_limit", limit) ||
	    ckpt_params_set(params, "ckpt_fsync", fsync ? "true" : "false")) {
		ckpt_params_free(params);
		return NULL;
	}
	return params;
}

int cr_writer(ckpt_writer **out, const ckpt_params *params, cr_model *model)
{
	int rc = ckpt_writer_new(out, params, 0);
	if (rc == 0)
		ckpt_writer_set_model_io(*out, cr_model_write, cr_model_load, model);
	return rc;
}

int cr_epochs(ckpt_writer *writer, long first0, const double *values, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ckpt_epoch_result result = {.size = sizeof result};
		int rc =
		    ckpt_writer_epoch(&result, writer, first0 + (long)i, '-', values[i], NULL, 0);
		if (rc)
			return rc;
		if (result.saved)
			cr_promise_last((long)result.epoch, false);
	}
	return 0;
}

static int write_text(const char *path, const char *text)
{
	return g_file_set_contents(path, text, -1, NULL) ? 0 : -1;
}

int cr_add_sentinels(const char *case_dir)
{
	char *a = g_build_filename(case_dir, "NEXT-TO-RUN", NULL);
	char *b = g_build_filename(case_dir, "run", "SENTINEL", NULL);
	char *c = g_build_filename(case_dir, CR_ROOT, "SENTINEL", NULL);
	char *d = g_build_filename(case_dir, CR_ROOT, "epochs", "stray.txt", NULL);
	int rc = write_text(a, "next to the run\n") | write_text(b, "in the run folder\n") |
		 write_text(c, "in the root\n") | write_text(d, "a stray file in epochs/\n");
	g_free(a), g_free(b), g_free(c), g_free(d);
	return rc;
}

/* ---- copying and removing trees --------------------------------------- */

static int copy_file(const char *from, const char *to, mode_t mode)
{
	gchar *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(from, &data, &len, NULL))
		return -1;
	int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 07777);
	int rc = fd >= 0 && write(fd, data, len) == (ssize_t)len ? 0 : -1;
	if (fd >= 0)
		close(fd);
	g_free(data);
	return rc;
}

int cr_copy_tree(const char *from, const char *to)
{
	struct stat st;
	if (lstat(from, &st) != 0)
		return -1;
	if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t len = readlink(from, target, sizeof target - 1);
		if (len < 0)
			return -1;
		target[len] = '\0';
		return symlink(target, to);
	}
	if (S_ISREG(st.st_mode))
		return copy_file(from, to, st.st_mode);
	if (!S_ISDIR(st.st_mode) || mkdir(to, st.st_mode & 07777) != 0)
		return -1;
	DIR *dir = opendir(from);
	if (!dir)
		return -1;
	int rc = 0;
	struct dirent *entry;
	while (rc == 0 && (entry = readdir(dir)) != NULL) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		char *a = g_build_filename(from, entry->d_name, NULL);
		char *b = g_build_filename(to, entry->d_name, NULL);
		rc = cr_copy_tree(a, b);
		g_free(a);
		g_free(b);
	}
	closedir(dir);
	return rc;
}

int cr_remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	chmod(path, 0700);
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	int rc = 0;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		char *child = g_build_filename(path, entry->d_name, NULL);
		rc |= cr_remove_tree(child);
		g_free(child);
	}
	closedir(dir);
	return rc | rmdir(path);
}

/* ---- the invariants --------------------------------------------------- */

bool cr_epoch_complete(const char *root, long epoch, char **why)
{
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *dir = g_build_filename(root, "epochs", name, NULL);
	char *model = g_build_filename(dir, "model.h5", NULL);
	char *info_path = g_build_filename(dir, "ckpt-info.json", NULL);
	*why = NULL;
	struct stat st;
	ckpt_info info;
	memset(&info, 0, sizeof info);
	bool match = false;
	int rc;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		*why = g_strdup_printf("epochs/%s is not a directory", name);
	else if (lstat(model, &st) != 0 || !S_ISREG(st.st_mode))
		*why = g_strdup_printf("epochs/%s has no model.h5", name);
	else if ((rc = ckpt_info_read(&info, info_path)) != 0)
		*why = g_strdup_printf("epochs/%s/ckpt-info.json: %s", name, ckpt_error_last());
	else if (info.epoch != epoch)
		*why =
		    g_strdup_printf("epochs/%s/ckpt-info.json names epoch %ld", name, info.epoch);
	else if (!info.checksum || !strcmp(info.checksum, "__DISABLED__"))
		*why = g_strdup_printf("epochs/%s has no checksum", name);
	else if ((rc = ckpt_checksum_matches(&match, model, info.checksum, NULL)) != 0 || !match)
		*why = g_strdup_printf("epochs/%s/model.h5: checksum %s (%s bytes %lld)", name,
				       rc ? "unreadable" : "mismatch", info.checksum,
				       (long long)st.st_size);
	ckpt_info_clear(&info);
	g_free(dir);
	g_free(model);
	g_free(info_path);
	return *why == NULL;
}

bool cr_is_staging(const char *name)
{
	return !strcmp(name, "work") || !strcmp(name, "work.old") ||
	       g_str_has_prefix(name, "work.unremovable-") ||
	       g_str_has_prefix(name, "work.old.unrecognized-") ||
	       g_str_has_prefix(name, ".best.tmp-") || g_str_has_prefix(name, ".last.tmp-");
}

char *cr_leftovers(const char *case_dir)
{
	char *path = g_build_filename(case_dir, CR_ROOT, NULL);
	DIR *dir = opendir(path);
	g_free(path);
	GString *out = g_string_new(NULL);
	struct dirent *entry;
	while (dir && (entry = readdir(dir)) != NULL)
		if (cr_is_staging(entry->d_name))
			g_string_append_printf(out, "%s%s", out->len ? ", " : "", entry->d_name);
	if (dir)
		closedir(dir);
	return g_string_free(out, FALSE);
}

/* Every path below case_dir/rel, except epoch directories and the staging
 * area, which operations may legitimately remove. */
static void collect_kept(GPtrArray *out, const char *case_dir, const char *rel)
{
	char *path = g_build_filename(case_dir, rel, NULL);
	DIR *dir = opendir(path);
	g_free(path);
	if (!dir)
		return;
	bool top = !strcmp(rel, ".");
	bool in_root = !strcmp(rel, CR_ROOT);
	bool in_epochs = !strcmp(rel, CR_ROOT "/epochs");
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL) {
		long epoch;
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..") ||
		    (in_root && cr_is_staging(entry->d_name)) ||
		    (in_epochs && ckpt_epoch_dir_parse(entry->d_name, &epoch)))
			continue;
		char *child =
		    top ? g_strdup(entry->d_name) : g_build_filename(rel, entry->d_name, NULL);
		g_ptr_array_add(out, child);
		struct stat st;
		char *full = g_build_filename(case_dir, child, NULL);
		if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			collect_kept(out, case_dir, child);
		g_free(full);
	}
	closedir(dir);
}

static void list_entries(GPtrArray *out, const char *case_dir, const char *rel)
{
	char *path = g_build_filename(case_dir, rel, NULL);
	DIR *dir = opendir(path);
	g_free(path);
	if (!dir)
		return;
	struct dirent *entry;
	while ((entry = readdir(dir)) != NULL)
		if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
			g_ptr_array_add(out, g_strdup_printf("%s/%s", rel, entry->d_name));
	closedir(dir);
}

static GPtrArray *all_entries(const char *case_dir)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	list_entries(out, case_dir, ".");
	list_entries(out, case_dir, "run");
	list_entries(out, case_dir, CR_ROOT);
	list_entries(out, case_dir, CR_ROOT "/epochs");
	return out;
}

static GArray *epochs_present(const char *root)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(long));
	char *path = g_build_filename(root, "epochs", NULL);
	DIR *dir = opendir(path);
	g_free(path);
	struct dirent *entry;
	while (dir && (entry = readdir(dir)) != NULL) {
		long epoch;
		if (ckpt_epoch_dir_parse(entry->d_name, &epoch))
			g_array_append_val(out, epoch);
	}
	if (dir)
		closedir(dir);
	return out;
}

static bool has_epoch(const GArray *epochs, long epoch)
{
	for (guint i = 0; epochs && i < epochs->len; i++)
		if (g_array_index(epochs, long, i) == epoch)
			return true;
	return false;
}

static bool has_string(const GPtrArray *names, const char *name)
{
	for (guint i = 0; i < names->len; i++)
		if (!strcmp(names->pdata[i], name))
			return true;
	return false;
}

/* The stored checksum and metric of epoch's model (NULL, false: unknown). */
static void best_model(const char *root, long epoch, char **checksum, bool *has_metric,
		       double *metric)
{
	if (!epoch)
		return;
	char name[32];
	ckpt_epoch_dir_name(name, epoch);
	char *path = g_build_filename(root, "epochs", name, "ckpt-info.json", NULL);
	ckpt_info info;
	if (ckpt_info_read(&info, path) == 0) {
		*checksum = g_strdup(info.checksum);
		*has_metric = info.has_metric_value;
		*metric = info.metric_value;
		ckpt_info_clear(&info);
	}
	g_free(path);
}

int cr_snapshot(cr_before *out, const char *case_dir)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	out->last_state = ckpt_link_resolve(root, "last", &out->last);
	out->best_state = ckpt_link_resolve(root, "best", &out->best);
	out->best_checksum = NULL;
	out->has_best_metric = false;
	best_model(root, out->best, &out->best_checksum, &out->has_best_metric, &out->best_metric);
	out->epochs = epochs_present(root);
	out->kept = g_ptr_array_new_with_free_func(g_free);
	collect_kept(out->kept, case_dir, ".");
	out->entries = all_entries(case_dir);
	g_free(root);
	return 0;
}

void cr_before_clear(cr_before *before)
{
	if (before->epochs)
		g_array_free(before->epochs, TRUE);
	if (before->kept)
		g_ptr_array_free(before->kept, TRUE);
	if (before->entries)
		g_ptr_array_free(before->entries, TRUE);
	g_free(before->best_checksum);
	memset(before, 0, sizeof *before);
}

int cr_problem(GString *problems, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (problems->len)
		g_string_append(problems, "; ");
	g_string_append_vprintf(problems, fmt, ap);
	va_end(ap);
	return 1;
}

/* best or last: absent only if it was, else resolving to a complete epoch. */
static int check_pointer(GString *problems, const char *root, const char *name,
			 ckpt_link_state before, long *out_epoch)
{
	ckpt_link_state state = ckpt_link_resolve(root, name, out_epoch);
	if (state == CKPT_LINK_MISSING)
		return before == CKPT_LINK_MISSING ? 0
						   : cr_problem(problems, "%s was deleted", name);
	bool relocated_ok = state == CKPT_LINK_RELOCATED && before == CKPT_LINK_RELOCATED;
	if (state != CKPT_LINK_OK && !relocated_ok)
		return cr_problem(problems, "%s is %s", name, ckpt_link_state_name(state));
	char *why;
	if (cr_epoch_complete(root, *out_epoch, &why))
		return 0;
	int n = cr_problem(problems, "%s names an incomplete epoch: %s", name, why);
	g_free(why);
	return n;
}

/* Nothing new outside the staging area: a leftover is partial work that
 * nothing would ever clean. */
static int check_new_entries(GString *problems, const char *case_dir, const cr_before *before,
			     const cr_rules *rules)
{
	static const char *const ours[] = {CR_ROOT "/best",      CR_ROOT "/last",
					   CR_ROOT "/ckpt.log",  CR_ROOT "/metrics.jsonl",
					   CR_ROOT "/ckpt.lock", CR_ROOT "/epochs"};
	int n = 0;
	GPtrArray *now = all_entries(case_dir);
	for (guint i = 0; i < now->len; i++) {
		const char *entry = now->pdata[i];
		const char *base = strrchr(entry, '/') + 1;
		long epoch;
		/* Even when it was there before: a save must clear it. */
		if (g_str_has_prefix(entry, CR_ROOT "/") &&
		    !strchr(entry + strlen(CR_ROOT "/"), '/') && cr_is_staging(base)) {
			if (rules->after_save)
				n += cr_problem(problems, "%s left over after a save", entry);
			continue;
		}
		bool known = has_string(before->entries, entry);
		for (size_t k = 0; !known && k < G_N_ELEMENTS(ours); k++)
			known = !strcmp(entry, ours[k]);
		if (known || (g_str_has_prefix(entry, CR_ROOT "/epochs/") &&
			      ckpt_epoch_dir_parse(base, &epoch)))
			continue;
		n += cr_problem(problems, "unexpected %s (partial work outside the staging area)",
				entry);
	}
	g_ptr_array_free(now, TRUE);
	return n;
}

/* Replacing the epoch best names (after a rollback) by a worse model
 * deletes the best model as surely as deleting the epoch. Our runs are '-'. */
static int check_best_model(GString *problems, const char *root, const cr_before *before, long best)
{
	if (!before->best || best != before->best || !before->best_checksum)
		return 0;
	char *checksum = NULL;
	bool has_metric = false;
	double metric = 0.0;
	best_model(root, best, &checksum, &has_metric, &metric);
	int n = 0;
	if (checksum && strcmp(checksum, before->best_checksum) != 0 &&
	    (!has_metric || !before->has_best_metric || metric > before->best_metric))
		n = cr_problem(problems,
			       "best names epoch %ld, whose model (metric %g) was replaced "
			       "by a worse one (%g)",
			       best, before->best_metric, metric);
	g_free(checksum);
	return n;
}

static int check_lock(GString *problems, const char *root, cr_lock_rule rule)
{
	if (rule == CR_LOCK_ANY)
		return 0;
	char *path = g_build_filename(root, CKPT_LOCK_NAME, NULL);
	struct stat st;
	bool present = lstat(path, &st) == 0;
	g_free(path);
	if (rule == CR_LOCK_RELEASED)
		return present ? cr_problem(problems, "ckpt.lock left behind after the lock "
						      "was released")
			       : 0;
	bool live = false;
	if (!present || ckpt_lock_probe(&live, NULL, NULL, NULL, root) != 0 || !live)
		return cr_problem(problems, "the writer's ckpt.lock is %s while it is live",
				  present ? "not locked" : "gone");
	return 0;
}

int cr_check(GString *problems, const char *case_dir, const cr_before *before,
	     const cr_rules *rules)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	int n = 0;
	long last = 0, best = 0;
	n += check_pointer(problems, root, "last", before->last_state, &last);
	n += check_pointer(problems, root, "best", before->best_state, &best);
	if (!rules->expect_last && before->last && last && last < before->last &&
	    last != rules->rollback_to)
		n += cr_problem(problems, "last went back from %ld to %ld", before->last, last);
	if (rules->expect_last && last != rules->expect_last)
		n += cr_problem(problems, "last names %ld, not %ld", last, rules->expect_last);

	n += check_best_model(problems, root, before, best);
	GArray *now = epochs_present(root);
	for (guint i = 0; i < now->len; i++) {
		char *why;
		if (!cr_epoch_complete(root, g_array_index(now, long, i), &why)) {
			n += cr_problem(problems, "%s", why);
			g_free(why);
		}
	}
	for (guint i = 0; i < before->epochs->len; i++) {
		long epoch = g_array_index(before->epochs, long, i);
		if (!has_epoch(now, epoch) && !has_epoch(rules->deletable, epoch))
			n += cr_problem(problems, "epoch %ld was deleted", epoch);
	}
	g_array_free(now, TRUE);
	for (guint i = 0; i < before->kept->len; i++) {
		char *path = g_build_filename(case_dir, before->kept->pdata[i], NULL);
		struct stat st;
		if (lstat(path, &st) != 0)
			n += cr_problem(problems, "%s was deleted", (char *)before->kept->pdata[i]);
		g_free(path);
	}
	n += check_new_entries(problems, case_dir, before, rules);
	n += check_lock(problems, root, rules->lock);
	g_free(root);
	return n;
}
