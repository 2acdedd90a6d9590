/* test-util.c: the engine's shared helpers: Python-compatible number
 * formatting, epoch directory names, and the file-system primitives that
 * must never follow links or leave half-made pointers. */
#include "internal.h"
#include "testutil.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* mkdir(2) as ckpt_fs_mkdirs calls it, with a race on demand: just before
 * race_path is made, "another writer" makes it (a directory, or a file
 * when race_file). Everything else passes straight through. */
static char *race_path;
static bool race_file;

int mkdir(const char *path, mode_t mode)
{
	if (race_path && strcmp(path, race_path) == 0) {
		g_clear_pointer(&race_path, g_free);
		if (race_file)
			close((int)syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY, 0644));
		else
			syscall(SYS_mkdirat, AT_FDCWD, path, 0755);
	}
	return (int)syscall(SYS_mkdirat, AT_FDCWD, path, mode);
}

static char *format_number(double value)
{
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_buf_json_number(&buf, value);
	return ckpt_buf_steal(&buf);
}

static void test_number_matches_python_repr(void)
{
	/* Each pair is Python's repr(float) / json.dumps of the value. */
	static const struct {
		double value;
		const char *python;
	} cases[] = {
	    {0.206222, "0.206222"},
	    {1.0, "1.0"},
	    {0.0, "0.0"},
	    {-0.0, "-0.0"},
	    {1e-07, "1e-07"},
	    {0.0001, "0.0001"},
	    {1e16, "1e+16"},
	    {123456789012345.0, "123456789012345.0"},
	    {1234567890123456.0, "1234567890123456.0"},
	    {0.1 + 0.2, "0.30000000000000004"},
	    {1.7, "1.7"},
	    {-2.5e-05, "-2.5e-05"},
	    {1.5e300, "1.5e+300"},
	    {0.726991, "0.726991"},
	    {INFINITY, "Infinity"},
	    {-INFINITY, "-Infinity"},
	    {NAN, "NaN"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *text = format_number(cases[i].value);
		g_assert_cmpstr(text, ==, cases[i].python);
		free(text);
	}
}

/* Under a caller's decimal-comma locale (built by the test, so that no
 * machine lacks it), numbers are still written and read with a '.'. */
static void test_number_ignores_the_callers_locale(void)
{
	char *tmp = tu_tmpdir();
	const char *comma = tu_decimal_comma_locale(tmp);
	g_assert_nonnull(setlocale(LC_NUMERIC, comma));
	/* The locale is really in effect: libc itself now writes and reads ','. */
	char check[16];
	snprintf(check, sizeof check, "%.1f", 0.5);
	double libc_parsed = strtod("0,25", NULL);
	char *text = format_number(0.5);
	double parsed = 0;
	bool ok = ckpt_parse_double("0.25", &parsed);
	setlocale(LC_NUMERIC, "C");
	g_assert_cmpstr(check, ==, "0,5");
	g_assert_cmpfloat(libc_parsed, ==, 0.25);
	g_assert_cmpstr(text, ==, "0.5");
	g_assert_true(ok);
	g_assert_cmpfloat(parsed, ==, 0.25);
	free(text);
	tu_rmtree(tmp);
	g_free(tmp);
}

static void test_json_string_escapes_control_bytes(void)
{
	ckpt_buf buf;
	ckpt_buf_init(&buf);
	ckpt_buf_json_string(&buf, "a\"b\\c\n\x01é");
	g_assert_cmpstr(buf.data, ==, "\"a\\\"b\\\\c\\n\\u0001é\"");
	ckpt_buf_free(&buf);
}

/* What ckpt_buf_json_text must give, byte by byte: valid UTF-8 kept,
 * each byte of an invalid sequence U+FFFD, '"', '\\' and control bytes
 * escaped as ckpt_buf_json_string escapes them. */
static GString *json_text_reference(const char *text)
{
	GString *out = g_string_new("\"");
	for (const char *p = text; *p;) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x80) {
			gunichar u = g_utf8_get_char_validated(p, -1);
			if (u == (gunichar)-1 || u == (gunichar)-2) {
				g_string_append(out, "\xEF\xBF\xBD");
				p++;
			} else {
				const char *next = g_utf8_next_char(p);
				g_string_append_len(out, p, next - p);
				p = next;
			}
			continue;
		}
		if (c == '"' || c == '\\')
			g_string_append_printf(out, "\\%c", c);
		else if (c == '\n')
			g_string_append(out, "\\n");
		else if (c == '\r')
			g_string_append(out, "\\r");
		else if (c == '\t')
			g_string_append(out, "\\t");
		else if (c < 0x20)
			g_string_append_printf(out, "\\u%04x", c);
		else
			g_string_append_c(out, (char)c);
		p++;
	}
	g_string_append_c(out, '"');
	return out;
}

/* The whole-word test for plain text must see an odd byte wherever it is. */
static void test_json_text_odd_byte_at_every_position(void)
{
	static const char *const odd[] = {"\"", "\\", "\n", "\t", "\x01", "\x1f", "\x7f",
					  "\xC3\xA9", "\x80", "\xFF", "\xE2\x82"};
	for (size_t len = 0; len <= 40; len++) {
		char plain[48];
		for (size_t i = 0; i < len; i++)
			plain[i] = (char)('a' + i % 26);
		plain[len] = '\0';
		for (size_t k = 0; k <= G_N_ELEMENTS(odd); k++) {
			for (size_t at = 0; at <= len; at++) {
				GString *text = g_string_new_len(plain, (gssize)at);
				if (k < G_N_ELEMENTS(odd))
					g_string_append(text, odd[k]);
				g_string_append(text, plain + at);
				GString *want = json_text_reference(text->str);
				ckpt_buf buf;
				ckpt_buf_init(&buf);
				ckpt_buf_json_text(&buf, text->str);
				g_assert_cmpstr(buf.data, ==, want->str);
				ckpt_buf_free(&buf);
				g_string_free(want, TRUE);
				g_string_free(text, TRUE);
				if (k == G_N_ELEMENTS(odd))
					break; /* plain text alone: once */
			}
		}
	}
}

/* Indentation deeper than the writer's ready-made run of spaces. */
static void test_json_out_indents_at_any_depth(void)
{
	enum { DEPTH = 45 };
	ckpt_out o;
	ckpt_out_init(&o, CKPT_JSON_PRETTY);
	for (int i = 0; i < DEPTH; i++) {
		if (i > 0)
			ckpt_out_item(&o);
		ckpt_out_open(&o, '[');
	}
	ckpt_out_item(&o);
	ckpt_out_int(&o, 1);
	ckpt_out_item(&o);
	ckpt_out_int(&o, 2);
	for (int i = 0; i < DEPTH; i++)
		ckpt_out_close(&o, ']');
	char *text = NULL;
	g_assert_cmpint(ckpt_out_finish(&text, &o, "test"), ==, 0);
	GString *want = g_string_new("");
	for (int i = 0; i < DEPTH; i++) {
		g_string_append_c(want, '[');
		g_string_append_c(want, '\n');
		for (int s = 0; s < 2 * (i + 1); s++)
			g_string_append_c(want, ' ');
	}
	g_string_append(want, "1,\n");
	for (int s = 0; s < 2 * DEPTH; s++)
		g_string_append_c(want, ' ');
	g_string_append_c(want, '2');
	for (int i = DEPTH - 1; i >= 0; i--) {
		g_string_append_c(want, '\n');
		for (int s = 0; s < 2 * i; s++)
			g_string_append_c(want, ' ');
		g_string_append_c(want, ']');
	}
	g_assert_cmpstr(text, ==, want->str);
	g_string_free(want, TRUE);
	free(text);
}

static void test_epoch_dir_names_are_canonical(void)
{
	char name[32];
	ckpt_epoch_dir_name(name, 7);
	g_assert_cmpstr(name, ==, "007");
	ckpt_epoch_dir_name(name, 1200);
	g_assert_cmpstr(name, ==, "1200");
	long epoch = 0;
	g_assert_true(ckpt_epoch_dir_parse("030", &epoch));
	g_assert_cmpint(epoch, ==, 30);
	g_assert_true(ckpt_epoch_dir_parse("1000", &epoch));
	g_assert_cmpint(epoch, ==, 1000);
	const char *rejected[] = {"7",   "07",  "0030",
				  "000", "-01", "1e3",
				  "03a", "",    "1234567890123456789012345678901234567890",
				  "+10"};
	for (size_t i = 0; i < G_N_ELEMENTS(rejected); i++)
		g_assert_false(ckpt_epoch_dir_parse(rejected[i], &epoch));
}

static void test_remove_tree_never_follows_links(void)
{
	char *dir = tu_tmpdir();
	char *outside = g_build_filename(dir, "outside", NULL);
	char *sentinel = g_build_filename(outside, "sentinel", NULL);
	char *victim = g_build_filename(dir, "victim", NULL);
	char *sub = g_build_filename(victim, "sub", NULL);
	g_assert_cmpint(mkdir(outside, 0755), ==, 0);
	tu_write(sentinel, "keep me");
	g_assert_cmpint(mkdir(victim, 0755), ==, 0);
	g_assert_cmpint(mkdir(sub, 0755), ==, 0);
	char *link_dir = g_build_filename(sub, "to-outside", NULL);
	char *link_file = g_build_filename(victim, "to-sentinel", NULL);
	g_assert_cmpint(symlink(outside, link_dir), ==, 0);
	g_assert_cmpint(symlink(sentinel, link_file), ==, 0);

	g_assert_cmpint(ckpt_fs_remove_tree(victim), ==, 0);
	g_assert_false(tu_exists(victim));
	char *kept = tu_read(sentinel, NULL);
	g_assert_cmpstr(kept, ==, "keep me");

	/* A symlink given as the tree itself is unlinked, not followed. */
	char *top_link = g_build_filename(dir, "work", NULL);
	g_assert_cmpint(symlink(outside, top_link), ==, 0);
	g_assert_cmpint(ckpt_fs_remove_tree(top_link), ==, 0);
	g_assert_false(tu_exists(top_link));
	g_assert_true(tu_exists(sentinel));
	/* Removing what is not there is not an error. */
	g_assert_cmpint(ckpt_fs_remove_tree(top_link), ==, 0);

	g_free(kept), g_free(top_link), g_free(link_dir), g_free(link_file);
	g_free(sub), g_free(victim), g_free(sentinel), g_free(outside);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_replace_symlink_is_relative_and_leaves_no_temp(void)
{
	char *dir = tu_tmpdir();
	char *last = g_build_filename(dir, "last", NULL);
	g_assert_cmpint(symlink("/scratch/old/epochs/001", last), ==, 0);
	g_assert_cmpint(ckpt_link_point(dir, "last", 12, true), ==, 0);
	char *target = tu_readlink(last);
	g_assert_cmpstr(target, ==, "epochs/012");
	char *listing = tu_snapshot_tree(dir);
	g_assert_null(strstr(listing, ".tmp"));
	g_free(listing), g_free(target), g_free(last);
	tu_rmtree(dir);
	g_free(dir);
}

/* A crash between the symlink and the rename leaves .NAME.tmp-PID; a later
 * process with that pid number replaces the link, but not a file there. */
static void test_replace_symlink_takes_over_a_stale_temp_link(void)
{
	char *dir = tu_tmpdir();
	char *name = g_strdup_printf(".last.tmp-%ld", (long)getpid());
	char *stale = g_build_filename(dir, name, NULL);
	char *last = g_build_filename(dir, "last", NULL);
	g_assert_cmpint(symlink("epochs/001", stale), ==, 0);
	g_assert_cmpint(ckpt_fs_replace_symlink(dir, "last", "epochs/007", false), ==, 0);
	char *target = tu_readlink(last);
	g_assert_cmpstr(target, ==, "epochs/007");
	struct stat st;
	g_assert_cmpint(lstat(stale, &st), !=, 0);
	tu_write(stale, "not a link");
	g_assert_cmpint(ckpt_fs_replace_symlink(dir, "last", "epochs/008", false), !=, 0);
	g_assert_nonnull(strstr(ckpt_error_last(), name));
	char *kept = tu_read(stale, NULL);
	g_assert_cmpstr(kept, ==, "not a link");
	g_free(target);
	target = tu_readlink(last);
	g_assert_cmpstr(target, ==, "epochs/007");
	g_free(kept), g_free(target), g_free(last), g_free(stale), g_free(name);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_errors_name_the_path(void)
{
	char *dir = tu_tmpdir();
	char *missing = g_build_filename(dir, "no", "such", "file", NULL);
	char *data = NULL;
	g_assert_cmpint(ckpt_read_file(&data, NULL, missing, 100, true), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), missing));
	g_assert_cmpint(ckpt_fs_rename(missing, dir), ==, CKPT_ENOENT);
	g_assert_nonnull(strstr(ckpt_error_last(), missing));
	char *big = g_build_filename(dir, "big", NULL);
	tu_write(big, "0123456789");
	g_assert_cmpint(ckpt_read_file(&data, NULL, big, 5, true), ==, CKPT_EFORMAT);
	g_assert_nonnull(strstr(ckpt_error_last(), "larger than"));
	g_free(big), g_free(missing);
	tu_rmtree(dir);
	g_free(dir);
}

static void test_mkdirs_refuses_a_file_in_the_way(void)
{
	char *dir = tu_tmpdir();
	char *file = g_build_filename(dir, "file", NULL);
	tu_write(file, "x");
	char *below = g_build_filename(file, "ckpts", NULL);
	g_assert_cmpint(ckpt_fs_mkdirs(below, 0755), !=, 0);
	g_assert_nonnull(strstr(ckpt_error_last(), "not a directory"));
	char *deep = g_build_filename(dir, "a", "b", "c", NULL);
	g_assert_cmpint(ckpt_fs_mkdirs(deep, 0755), ==, 0);
	g_assert_true(g_file_test(deep, G_FILE_TEST_IS_DIR));
	g_free(deep), g_free(below), g_free(file);
	tu_rmtree(dir);
	g_free(dir);
}

/* Parallel writers under one new parent: each finds it absent, one makes
 * it, the others' mkdir fails with EEXIST, which is success for a directory. */
static void test_mkdirs_parent_made_meanwhile(void)
{
	char *dir = tu_tmpdir();
	char *parent = g_build_filename(dir, "experiment", NULL);
	char *root = g_build_filename(parent, "run-7", "ckpts", NULL);
	race_path = g_strdup(parent);
	race_file = false;
	g_assert_cmpint(ckpt_fs_mkdirs(root, 0755), ==, 0);
	g_assert_null(race_path); /* the race happened */
	g_assert_true(g_file_test(root, G_FILE_TEST_IS_DIR));
	/* A file made there meanwhile is still no directory. */
	char *other = g_build_filename(dir, "other", NULL);
	char *below = g_build_filename(other, "ckpts", NULL);
	race_path = g_strdup(other);
	race_file = true;
	g_assert_cmpint(ckpt_fs_mkdirs(below, 0755), !=, 0);
	g_assert_null(race_path);
	g_assert_nonnull(strstr(ckpt_error_last(), other));
	g_assert_false(g_file_test(below, G_FILE_TEST_EXISTS));
	g_free(below), g_free(other), g_free(root), g_free(parent);
	tu_rmtree(dir);
	g_free(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/util/number/matches-python-repr", test_number_matches_python_repr);
	g_test_add_func("/ckpt/util/number/ignores-callers-locale",
			test_number_ignores_the_callers_locale);
	g_test_add_func("/ckpt/util/json-string/escapes-control-bytes",
			test_json_string_escapes_control_bytes);
	g_test_add_func("/ckpt/util/json-text/odd-byte-at-every-position",
			test_json_text_odd_byte_at_every_position);
	g_test_add_func("/ckpt/util/json-out/indents-at-any-depth",
			test_json_out_indents_at_any_depth);
	g_test_add_func("/ckpt/util/epoch-dir/canonical-names-only",
			test_epoch_dir_names_are_canonical);
	g_test_add_func("/ckpt/fs/mkdirs/parent-made-meanwhile-by-another-writer",
			test_mkdirs_parent_made_meanwhile);
	g_test_add_func("/ckpt/fs/remove-tree/never-follows-links",
			test_remove_tree_never_follows_links);
	g_test_add_func("/ckpt/fs/replace-symlink/relative-no-temp-left",
			test_replace_symlink_is_relative_and_leaves_no_temp);
	g_test_add_func("/ckpt/fs/replace-symlink/takes-over-a-stale-temp-link",
			test_replace_symlink_takes_over_a_stale_temp_link);
	g_test_add_func("/ckpt/fs/errors/name-the-path", test_errors_name_the_path);
	g_test_add_func("/ckpt/fs/mkdirs/refuses-file-in-the-way",
			test_mkdirs_refuses_a_file_in_the_way);
	return g_test_run();
}
