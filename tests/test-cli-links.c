/* test-cli-links.c: a link where the engine expects its own file. Every
 * file and folder the engine opens in a run (ckpt.lock, ckpt.log,
 * metrics.jsonl, an epoch's ckpt-info.json and model.h5, best and last,
 * work, work.old, an epoch folder) is replaced in turn by a symbolic link,
 * and every regular one by a hard link, to a file outside the run; then
 * ls, verify, history, clean --yes, restart, relink and a writer (demo) run
 * on it. No file outside the run may change (each is checksummed before and
 * after), no command may crash, and a command that changes a run must
 * either refuse before changing it or leave it sound. */
#include "cli-fixture.h"
#include "testutil.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum { LINK_SYMBOLIC, LINK_HARD } link_kind;

typedef struct hostile {
	char *tmp;
	char *run;     /* tmp/run: a demo run of 6 epochs */
	char *root;    /* run/ckpts */
	char *outside; /* tmp/outside: files nothing may change */
} hostile;

static void hostile_init(hostile *h)
{
	h->tmp = tu_tmpdir();
	h->run = make_demo(h->tmp, "run", "6", NULL);
	h->root = g_build_filename(h->run, "ckpts", NULL);
	h->outside = g_build_filename(h->tmp, "outside", NULL);
	char *dir = g_build_filename(h->outside, "dir", NULL);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
	char *precious = g_build_filename(h->outside, "precious", NULL);
	char *inside = g_build_filename(dir, "kept", NULL);
	tu_write(precious, "precious data, not the run's\n");
	tu_write(inside, "a file in a folder outside the run\n");
	g_free(dir), g_free(precious), g_free(inside);
}

static void hostile_free(hostile *h)
{
	tu_rmtree(h->tmp);
	g_free(h->tmp), g_free(h->run), g_free(h->root), g_free(h->outside);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every path below dir with its type, size, link count and the sha256 of
 * its content: what must not change. */
static void checksum_tree(GString *out, const char *dir, const char *rel)
{
	char *path = rel[0] ? g_build_filename(dir, rel, NULL) : g_strdup(dir);
	GDir *d = g_dir_open(path, 0, NULL);
	const char *name;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	while (d && (name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	if (d)
		g_dir_close(d);
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++) {
		char *child_rel = rel[0] ? g_build_filename(rel, names->pdata[i], NULL)
					 : g_strdup(names->pdata[i]);
		char *child = g_build_filename(dir, child_rel, NULL);
		struct stat st;
		g_assert_cmpint(lstat(child, &st), ==, 0);
		gchar *data = NULL;
		gsize len = 0;
		char *sum = S_ISREG(st.st_mode) && g_file_get_contents(child, &data, &len, NULL)
				? g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)data, len)
				: g_strdup("-");
		g_string_append_printf(out, "%s %o %lld %lu %s\n", child_rel, st.st_mode,
				       (long long)st.st_size, (unsigned long)st.st_nlink, sum);
		if (S_ISDIR(st.st_mode))
			checksum_tree(out, dir, child_rel);
		g_free(sum), g_free(data), g_free(child), g_free(child_rel);
	}
	g_ptr_array_free(names, TRUE);
	g_free(path);
}

static char *outside_state(const hostile *h)
{
	GString *out = g_string_new(NULL);
	checksum_tree(out, h->outside, "");
	/* The link count of a hard-linked victim is the run's business; its
	 * content and everything else are not. */
	char **lines = g_strsplit(out->str, "\n", -1);
	GString *kept = g_string_new(NULL);
	for (char **l = lines; *l && **l; l++) {
		char **f = g_strsplit(*l, " ", -1);
		g_string_append_printf(kept, "%s %s %s %s\n", f[0], f[1], f[2], f[4]);
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_string_free(out, TRUE);
	return g_string_free(kept, FALSE);
}

/* Replaces root/name by a link to outside/precious (or outside/dir for a
 * folder with a symbolic link). */
static void plant(const hostile *h, const char *name, link_kind kind, bool is_dir)
{
	char *path = g_build_filename(h->root, name, NULL);
	char *target = g_build_filename(h->outside, is_dir ? "dir" : "precious", NULL);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			tu_rmtree(path);
		else
			g_assert_cmpint(unlink(path), ==, 0);
	}
	if (kind == LINK_SYMBOLIC)
		g_assert_cmpint(symlink(target, path), ==, 0);
	else
		g_assert_cmpint(link(target, path), ==, 0);
	g_free(path), g_free(target);
}

typedef struct command {
	const char *name;
	const char *args[10]; /* RUN stands for the run folder */
} command;

static const command commands[] = {
    {"ls", {"ls", "RUN", NULL}},
    {"verify", {"verify", "RUN", NULL}},
    {"history", {"history", "RUN", NULL}},
    {"clean", {"clean", "RUN", "--keep", "2", "--yes", NULL}},
    {"restart", {"restart", "RUN", "4", NULL}},
    {"relink", {"relink", "RUN", NULL}},
    {"writer", {"demo", "RUN", "--epochs", "8", "--every", "0", "--model-bytes", "4096", NULL}},
};

static run_result run_command(const hostile *h, const command *c)
{
	const char *args[12];
	size_t n = 0;
	for (; c->args[n]; n++)
		args[n] = strcmp(c->args[n], "RUN") ? c->args[n] : h->run;
	args[n] = NULL;
	return run_ckptv(args);
}

typedef struct planted {
	const char *name;
	bool is_dir;
	bool hard_too; /* a regular file: a hard link to it is planted too */
} planted;

static const planted targets[] = {
    {"ckpt.lock", false, true},
    {"ckpt.log", false, true},
    {"metrics.jsonl", false, true},
    {"epochs/003/ckpt-info.json", false, true},
    {"epochs/003/model.h5", false, true},
    {"last", false, false},
    {"best", false, false},
    {"work", true, false},
    {"work.old", true, false},
    {"epochs/002", true, false},
    {"epochs", true, false},
};

/* One planted link, every command after it on a fresh run. */
static void check_planted(const planted *p, link_kind kind)
{
	for (size_t c = 0; c < G_N_ELEMENTS(commands); c++) {
		hostile h;
		hostile_init(&h);
		plant(&h, p->name, kind, p->is_dir);
		char *before = outside_state(&h);
		run_result r = run_command(&h, &commands[c]);
		char *after = outside_state(&h);
		if (strcmp(before, after) != 0 || r.status < 0 || r.status > 2)
			g_test_message("%s as a %s link, then %s: exit %d\n%s%s", p->name,
				       kind == LINK_HARD ? "hard" : "symbolic", commands[c].name,
				       r.status, r.out, r.err);
		g_assert_cmpstr(after, ==, before); /* nothing outside the run changed */
		g_assert_cmpint(r.status, >=, 0);   /* no signal, no crash */
		g_assert_cmpint(r.status, <=, 2);
		run_result_clear(&r);
		g_free(before), g_free(after);
		hostile_free(&h);
	}
}

static void test_symbolic_links(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(targets); i++)
		check_planted(&targets[i], LINK_SYMBOLIC);
}

static void test_hard_links(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(targets); i++)
		if (targets[i].hard_too)
			check_planted(&targets[i], LINK_HARD);
}

/* The case of the issue: ln /tmp/precious R/ckpt.lock; ckpt restart RUN 2.
 * The lock file is replaced (its name here removed, the other name left),
 * the restart done, and the log says what was put right. */
static void test_hard_linked_lock_replaced(void)
{
	hostile h;
	hostile_init(&h);
	plant(&h, "ckpt.lock", LINK_HARD, false);
	char *before = outside_state(&h);
	char *out = ckpt_expect(0, "restart", h.run, "2");
	char *after = outside_state(&h);
	g_assert_cmpstr(after, ==, before);
	char *target = last_target(h.run);
	g_assert_cmpstr(target, ==, "epochs/002");
	char *log = g_build_filename(h.root, "ckpt.log", NULL);
	char *text = tu_read(log, NULL);
	g_assert_nonnull(strstr(text, "ckpt.lock had 2 links"));
	char *lock = g_build_filename(h.root, "ckpt.lock", NULL);
	g_assert_false(tu_exists(lock)); /* released, as every lock is */
	g_free(lock), g_free(text), g_free(log), g_free(target), g_free(out);
	g_free(before), g_free(after);
	hostile_free(&h);
}

/* A symbolic ckpt.lock is refused, saying so, by everything that locks. */
static void test_symlinked_lock_refused(void)
{
	hostile h;
	hostile_init(&h);
	plant(&h, "ckpt.lock", LINK_SYMBOLIC, false);
	run_result r = run_ckpt("restart", h.run, "2");
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "ckpt.lock: is a symbolic link"));
	char *target = last_target(h.run);
	g_assert_cmpstr(target, ==, "epochs/006"); /* refused: nothing changed */
	run_result_clear(&r);
	r = run_ckpt("demo", h.run, "--epochs", "8", "--every", "0");
	g_assert_cmpint(r.status, ==, 1);
	g_assert_nonnull(strstr(r.err, "symbolic link"));
	run_result_clear(&r);
	g_free(target);
	hostile_free(&h);
}

/* A log that cannot take the lines (a symbolic or a hard link) stops an
 * operation before it changes anything: clean deletes no epoch unlogged. */
static void test_linked_log_refused_before_any_change(void)
{
	for (int kind = LINK_SYMBOLIC; kind <= LINK_HARD; kind++) {
		hostile h;
		hostile_init(&h);
		plant(&h, "ckpt.log", (link_kind)kind, false);
		char *e1 = epoch_path(h.run, "001", NULL);
		run_result r = run_ckpt("clean", h.run, "--keep", "2", "--yes");
		g_assert_cmpint(r.status, ==, 1);
		g_assert_nonnull(strstr(r.err, "nothing was changed"));
		g_assert_true(tu_exists(e1));
		run_result_clear(&r);
		r = run_ckpt("restart", h.run, "2");
		g_assert_cmpint(r.status, ==, 1);
		char *target = last_target(h.run);
		g_assert_cmpstr(target, ==, "epochs/006");
		run_result_clear(&r);
		r = run_ckpt("demo", h.run, "--epochs", "8", "--every", "0");
		g_assert_cmpint(r.status, ==, 1);
		g_assert_true(strstr(r.err, "symbolic link") || strstr(r.err, "another name"));
		char *e7 = epoch_path(h.run, "007", NULL);
		g_assert_false(tu_exists(e7));
		run_result_clear(&r);
		g_free(e1), g_free(e7), g_free(target);
		hostile_free(&h);
	}
}

/* A symbolic metrics.jsonl is not followed, and the run says so, rather
 * than show an empty or a foreign history. */
static void test_symlinked_history_is_a_problem_of_the_run(void)
{
	hostile h;
	hostile_init(&h);
	plant(&h, "metrics.jsonl", LINK_SYMBOLIC, false);
	cJSON *json = ckpt_expect_json(0, "ls", "--json", h.run);
	const cJSON *run = find_run(json, "run");
	g_assert_nonnull(run);
	char *text = cJSON_PrintUnformatted(run);
	g_assert_nonnull(strstr(text, "metrics.jsonl: a symbolic link, not followed"));
	cJSON_free(text);
	cJSON_Delete(json);
	run_result r = run_ckpt("history", h.run);
	g_assert_true(strstr(r.out, "metrics.jsonl: a symbolic link") ||
		      strstr(r.err, "metrics.jsonl: a symbolic link"));
	run_result_clear(&r);
	hostile_free(&h);
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/ckpt/cli/links/symbolic-on-every-file-nothing-outside-changes",
			test_symbolic_links);
	g_test_add_func("/ckpt/cli/links/hard-on-every-file-nothing-outside-changes",
			test_hard_links);
	g_test_add_func("/ckpt/cli/links/hard-linked-lock-replaced-and-said",
			test_hard_linked_lock_replaced);
	g_test_add_func("/ckpt/cli/links/symlinked-lock-refused", test_symlinked_lock_refused);
	g_test_add_func("/ckpt/cli/links/linked-log-refused-before-any-change",
			test_linked_log_refused_before_any_change);
	g_test_add_func("/ckpt/cli/links/symlinked-history-is-a-run-problem",
			test_symlinked_history_is_a_problem_of_the_run);
	return cli_test_run();
}
