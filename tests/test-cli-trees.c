/* test-cli-trees.c: deep and wide trees where a run keeps its epochs. An
 * epoch nested 3,000 directories deep with a link at the bottom, an epoch
 * of 20,000 files, 3,000 strays in epochs/ and a deep stale work/ with a
 * link out of the run: ls, verify, history, clean --yes, restart, relink
 * and a writer each run on it. None may crash or change a file outside the
 * run; clean must delete the deep and wide epochs, and the writer save. */
#include "cli-fixture.h"
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* dir/d/d/.../d (depth levels), by descriptors (deeper than PATH_MAX),
 * with a symbolic link to `link_to` at the bottom. */
static void make_deep(const char *dir, int depth, const char *link_to)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	g_assert_cmpint(fd, >=, 0);
	for (int i = 0; i < depth; i++) {
		g_assert_cmpint(mkdirat(fd, "d", 0755), ==, 0);
		int next = openat(fd, "d", O_RDONLY | O_DIRECTORY);
		g_assert_cmpint(next, >=, 0);
		close(fd);
		fd = next;
	}
	g_assert_cmpint(symlinkat(link_to, fd, "out"), ==, 0);
	close(fd);
}

static void make_files(const char *dir, const char *prefix, int n)
{
	for (int i = 0; i < n; i++) {
		char *path = g_strdup_printf("%s/%s%05d", dir, prefix, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		g_assert_cmpint(fd, >=, 0);
		close(fd);
		g_free(path);
	}
}

typedef struct tree {
	char *tmp, *run, *root, *outside;
} tree;

static void tree_init(tree *t)
{
	t->tmp = tu_tmpdir();
	t->run = make_demo(t->tmp, "run", "6", NULL);
	t->root = g_build_filename(t->run, "ckpts", NULL);
	t->outside = g_build_filename(t->tmp, "outside", NULL);
	g_assert_cmpint(mkdir(t->outside, 0755), ==, 0);
	char *precious = g_build_filename(t->outside, "precious", NULL);
	tu_write(precious, "outside the run\n");
	char *e1 = epoch_path(t->run, "001", NULL), *e2 = epoch_path(t->run, "002", NULL);
	char *epochs = g_build_filename(t->root, "epochs", NULL);
	char *work = g_build_filename(t->root, "work", NULL);
	make_deep(e1, 3000, t->outside);
	make_files(e2, "f", 20000);
	make_files(epochs, "stray-", 3000);
	g_assert_cmpint(mkdir(work, 0755), ==, 0);
	make_deep(work, 500, t->outside);
	g_free(precious), g_free(e1), g_free(e2), g_free(epochs), g_free(work);
}

/* The deep epoch goes with the command that removes it; the rest with rm. */
static void tree_free(tree *t)
{
	char *e1 = epoch_path(t->run, "001", NULL);
	if (tu_exists(e1)) {
		char *out = ckpt_expect(0, "clean", t->run, "--keep", "1", "--yes");
		g_free(out);
	}
	tu_rmtree(t->tmp);
	g_free(e1), g_free(t->tmp), g_free(t->run), g_free(t->root), g_free(t->outside);
}

static char *outside_state(const tree *t)
{
	char *listing = tu_snapshot_tree(t->outside);
	char *precious = g_build_filename(t->outside, "precious", NULL);
	char *text = tu_read(precious, NULL);
	char *state = g_strdup_printf("%s--\n%s", listing, text ? text : "(gone)");
	g_free(listing), g_free(precious), g_free(text);
	return state;
}

typedef struct command {
	const char *name;
	const char *args[10];
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

static void test_every_command_on_deep_and_wide_trees(void)
{
	for (size_t c = 0; c < G_N_ELEMENTS(commands); c++) {
		tree t;
		tree_init(&t);
		char *before = outside_state(&t);
		const char *args[12];
		size_t n = 0;
		for (; commands[c].args[n]; n++)
			args[n] = strcmp(commands[c].args[n], "RUN") ? commands[c].args[n] : t.run;
		args[n] = NULL;
		run_result r = run_ckptv(args);
		char *after = outside_state(&t);
		if (r.status < 0 || r.status > 2 || strcmp(before, after) != 0)
			g_test_message("%s: exit %d\n%s%s", commands[c].name, r.status, r.out, r.err);
		g_assert_cmpstr(after, ==, before);
		g_assert_cmpint(r.status, >=, 0);
		g_assert_cmpint(r.status, <=, 2);
		char *e1 = epoch_path(t.run, "001", NULL), *e2 = epoch_path(t.run, "002", NULL);
		char *work = g_build_filename(t.root, "work", NULL);
		if (!strcmp(commands[c].name, "clean")) {
			g_assert_cmpint(r.status, ==, 0);
			g_assert_false(tu_exists(e1));
			g_assert_false(tu_exists(e2));
			g_assert_false(tu_exists(work));
		}
		if (!strcmp(commands[c].name, "writer")) {
			g_assert_cmpint(r.status, ==, 0);
			char *target = last_target(t.run);
			g_assert_cmpstr(target, ==, "epochs/008");
			g_assert_false(tu_exists(work));
			g_free(target);
		}
		run_result_clear(&r);
		g_free(before), g_free(after), g_free(e1), g_free(e2), g_free(work);
		tree_free(&t);
	}
}

int main(int argc, char **argv)
{
	cli_test_init(&argc, &argv);
	g_test_add_func("/ckpt/cli/trees/deep-and-wide-every-command-nothing-outside-changes",
			test_every_command_on_deep_and_wide_trees);
	return cli_test_run();
}
