/* test-api.c: the API as a binding sees it (error.c and the public
 * structs): struct sizes and a frozen layout, results filled only up to the
 * caller's size, callbacks' own error messages, error names, and a program
 * built against the header and pkg-config file as they are installed. */
#include "api-fixture.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_struct_size(void)
{
	g_assert_cmpuint(ckpt_struct_size("ckpt_epoch_result"), ==, sizeof(ckpt_epoch_result));
	g_assert_cmpuint(ckpt_struct_size("ckpt_progress_event"), ==, sizeof(ckpt_progress_event));
	g_assert_cmpuint(ckpt_struct_size("ckpt_verify_item"), ==, sizeof(ckpt_verify_item));
	g_assert_cmpuint(ckpt_struct_size("ckpt_progress"), ==, sizeof(ckpt_progress));
	g_assert_cmpuint(ckpt_struct_size("ckpt_metric"), ==, sizeof(ckpt_metric));
	const char *unknown[] = {"ckpt_run",     "ckpt_epoch",  "",
				 "ckpt_metric ", "CKPT_METRIC", "ckpt_epoch_result_v2",
				 "epoch_result"};
	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++)
		g_assert_cmpuint(ckpt_struct_size(unknown[i]), ==, 0);
	g_assert_cmpuint(ckpt_struct_size(NULL), ==, 0);
}

/* The ABI of the public structs on LP64 (x86-64, aarch64): a field moved
 * or inserted changes a number here. New fields may only be appended, which
 * adds rows and changes no existing one. */
typedef struct field_layout {
	const char *name;
	size_t offset, size;
} field_layout;

#define FIELD(type, field)                                                                         \
	{                                                                                          \
#type "." #field, offsetof(type, field), sizeof(((type *)0)->field)                \
	}

static void assert_layout(const field_layout *actual, const field_layout *pinned, size_t n,
			  size_t actual_size, size_t pinned_size)
{
	for (size_t i = 0; i < n; i++) {
		g_assert_cmpstr(actual[i].name, ==, pinned[i].name);
		if (actual[i].offset != pinned[i].offset || actual[i].size != pinned[i].size)
			g_error("%s: offset %zu size %zu, pinned at offset %zu size %zu",
				actual[i].name, actual[i].offset, actual[i].size, pinned[i].offset,
				pinned[i].size);
	}
	g_assert_cmpuint(actual_size, ==, pinned_size);
}

static void test_layout(void)
{
	if (sizeof(void *) != 8 || sizeof(long) != 8) {
		g_test_skip("the pinned layout is LP64's");
		return;
	}
	const field_layout event[] = {
	    FIELD(ckpt_progress_event, size),       FIELD(ckpt_progress_event, stage),
	    FIELD(ckpt_progress_event, run),        FIELD(ckpt_progress_event, epoch),
	    FIELD(ckpt_progress_event, done),       FIELD(ckpt_progress_event, total),
	    FIELD(ckpt_progress_event, items_done), FIELD(ckpt_progress_event, items_total),
	};
	const field_layout event_pinned[] = {
	    {"ckpt_progress_event.size", 0, 8},        {"ckpt_progress_event.stage", 8, 4},
	    {"ckpt_progress_event.run", 16, 8},        {"ckpt_progress_event.epoch", 24, 8},
	    {"ckpt_progress_event.done", 32, 8},       {"ckpt_progress_event.total", 40, 8},
	    {"ckpt_progress_event.items_done", 48, 8}, {"ckpt_progress_event.items_total", 56, 8},
	};
	assert_layout(event, event_pinned, G_N_ELEMENTS(event), sizeof(ckpt_progress_event), 64);

	const field_layout item[] = {
	    FIELD(ckpt_verify_item, size),       FIELD(ckpt_verify_item, epoch),
	    FIELD(ckpt_verify_item, result),     FIELD(ckpt_verify_item, stored),
	    FIELD(ckpt_verify_item, computed),   FIELD(ckpt_verify_item, from_record),
	    FIELD(ckpt_verify_item, checked_at),
	};
	const field_layout item_pinned[] = {
	    {"ckpt_verify_item.size", 0, 8},        {"ckpt_verify_item.epoch", 8, 8},
	    {"ckpt_verify_item.result", 16, 4},     {"ckpt_verify_item.stored", 24, 8},
	    {"ckpt_verify_item.computed", 32, 8},   {"ckpt_verify_item.from_record", 40, 1},
	    {"ckpt_verify_item.checked_at", 48, 8},
	};
	assert_layout(item, item_pinned, G_N_ELEMENTS(item), sizeof(ckpt_verify_item), 56);

	const field_layout result[] = {
	    FIELD(ckpt_epoch_result, size),          FIELD(ckpt_epoch_result, epoch),
	    FIELD(ckpt_epoch_result, saved),         FIELD(ckpt_epoch_result, became_best),
	    FIELD(ckpt_epoch_result, best_epoch),    FIELD(ckpt_epoch_result, best_value),
	    FIELD(ckpt_epoch_result, deleted_count),
	};
	const field_layout result_pinned[] = {
	    {"ckpt_epoch_result.size", 0, 8},           {"ckpt_epoch_result.epoch", 8, 8},
	    {"ckpt_epoch_result.saved", 16, 1},         {"ckpt_epoch_result.became_best", 17, 1},
	    {"ckpt_epoch_result.best_epoch", 24, 8},    {"ckpt_epoch_result.best_value", 32, 8},
	    {"ckpt_epoch_result.deleted_count", 40, 8},
	};
	assert_layout(result, result_pinned, G_N_ELEMENTS(result), sizeof(ckpt_epoch_result), 48);

	const field_layout progress[] = {FIELD(ckpt_progress, fn), FIELD(ckpt_progress, payload),
					 FIELD(ckpt_progress, cancel)};
	const field_layout progress_pinned[] = {{"ckpt_progress.fn", 0, 8},
						{"ckpt_progress.payload", 8, 8},
						{"ckpt_progress.cancel", 16, 8}};
	assert_layout(progress, progress_pinned, G_N_ELEMENTS(progress), sizeof(ckpt_progress), 24);

	const field_layout metric[] = {FIELD(ckpt_metric, name), FIELD(ckpt_metric, value)};
	const field_layout metric_pinned[] = {{"ckpt_metric.name", 0, 8},
					      {"ckpt_metric.value", 8, 8}};
	assert_layout(metric, metric_pinned, G_N_ELEMENTS(metric), sizeof(ckpt_metric), 16);

	/* The enums stored in those structs: their values are ABI too. */
	g_assert_cmpint(CKPT_STAGE_SCAN, ==, 0);
	g_assert_cmpint(CKPT_STAGE_VERIFY, ==, 1);
	g_assert_cmpint(CKPT_STAGE_CLEAN, ==, 2);
	g_assert_cmpint(CKPT_STAGE_CHECKSUM, ==, 3);
	g_assert_cmpint(CKPT_VERIFY_OK, ==, 0);
	g_assert_cmpint(CKPT_VERIFY_MISMATCH, ==, 1);
	g_assert_cmpint(CKPT_VERIFY_MISSING_MODEL, ==, 2);
	g_assert_cmpint(CKPT_VERIFY_NO_CHECKSUM, ==, 3);
	g_assert_cmpint(CKPT_VERIFY_NO_INFO, ==, 4);
	g_assert_cmpint(CKPT_VERIFY_UNREADABLE, ==, 5);
	g_assert_cmpint(CKPT_VERIFY_GONE, ==, 6);
}

/* ---- ckpt_epoch_result grows at the end -------------------------------- */

/* A result as a caller built with an older, shorter header, and bytes after it. */
typedef struct padded_result {
	ckpt_epoch_result result;
	unsigned char after[64];
} padded_result;

static bool untouched_from(const padded_result *p, size_t from)
{
	const unsigned char *bytes = (const unsigned char *)p;
	for (size_t i = from; i < sizeof *p; i++)
		if (bytes[i] != 0xab)
			return false;
	return true;
}

static void test_result_filled_up_to_size(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "run", "ckpts", NULL);
	af_model m = {0};
	ckpt_writer *w = af_writer(root, &m, 0, "ckpt_keep_limit", "1", NULL);
	padded_result p;

	/* Up to best_epoch (a header without best_epoch and what follows). */
	memset(&p, 0xab, sizeof p);
	p.result.size = offsetof(ckpt_epoch_result, best_epoch);
	g_assert_cmpint(ckpt_writer_epoch(&p.result, w, 0, '-', 0.5, NULL, 0), ==, 0);
	g_assert_cmpint(p.result.epoch, ==, 1);
	g_assert_true(p.result.saved);
	g_assert_true(p.result.became_best);
	g_assert_true(untouched_from(&p, offsetof(ckpt_epoch_result, best_epoch)));

	/* Only size and epoch. */
	memset(&p, 0xab, sizeof p);
	p.result.size = offsetof(ckpt_epoch_result, epoch) + sizeof p.result.epoch;
	g_assert_cmpint(ckpt_writer_epoch(&p.result, w, 1, '-', 0.4, NULL, 0), ==, 0);
	g_assert_cmpint(p.result.epoch, ==, 2);
	g_assert_true(untouched_from(&p, offsetof(ckpt_epoch_result, saved)));

	/* A newer caller's bigger struct: the library fills its own fields only. */
	memset(&p, 0xab, sizeof p);
	p.result.size = sizeof p.result + 32;
	g_assert_cmpint(ckpt_writer_epoch(&p.result, w, 2, '-', 0.3, NULL, 0), ==, 0);
	g_assert_cmpint(p.result.epoch, ==, 3);
	g_assert_true(p.result.saved && p.result.became_best);
	g_assert_cmpint(p.result.best_epoch, ==, 3);
	g_assert_cmpfloat(p.result.best_value, ==, 0.3);
	g_assert_cmpuint(p.result.deleted_count, ==, 1); /* epoch 2: keep limit 1 */
	g_assert_true(untouched_from(&p, sizeof p.result));

	/* Too small to hold even the epoch: refused before anything is saved. */
	memset(&p, 0xab, sizeof p);
	p.result.size = sizeof p.result.size;
	g_assert_cmpint(ckpt_writer_epoch(&p.result, w, 3, '-', 0.2, NULL, 0), ==, CKPT_EINVAL);
	g_assert_true(untouched_from(&p, sizeof p.result.size));
	char *fourth = af_epoch_path(root, 4, NULL);
	g_assert_false(tu_exists(fourth));
	g_free(fourth);

	/* NULL: decide and save without a result. */
	g_assert_cmpint(ckpt_writer_epoch(NULL, w, 3, '-', 0.2, NULL, 0), ==, 0);
	char *saved = af_epoch_path(root, 4, "model.h5");
	g_assert_true(tu_exists(saved));
	g_free(saved);

	ckpt_writer_free(w);
	g_free(root);
	af_tree_free(dir);
}

/* ---- callbacks' own messages ------------------------------------------- */

static void assert_error_ends_with(const char *tail)
{
	const char *message = ckpt_error_last();
	if (!g_str_has_suffix(message, tail))
		g_error("message '%s' does not end with '%s'", message, tail);
}

static void test_writer_callback_message(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	af_model m = {.fail_write = 1, .fail_message = "disk quota exceeded"};
	ckpt_writer *w = af_writer(root, &m, 0, NULL);
	ckpt_epoch_result r = {.size = sizeof r};
	g_assert_cmpint(ckpt_writer_epoch(&r, w, 0, '-', 0.5, NULL, 0), ==, CKPT_ECALLBACK);
	assert_error_ends_with(": disk quota exceeded");
	g_assert_nonnull(strstr(ckpt_error_last(), "epoch 1"));
	g_assert_cmpint(m.writes, ==, 1);

	/* A callback that says nothing: no stale message of an earlier call. */
	m.fail_write = 2;
	m.fail_message = NULL;
	ckpt_error_set("an earlier, unrelated failure");
	g_assert_cmpint(ckpt_writer_epoch(&r, w, 0, '-', 0.5, NULL, 0), ==, CKPT_ECALLBACK);
	g_assert_null(strstr(ckpt_error_last(), "unrelated"));
	g_assert_nonnull(strstr(ckpt_error_last(), "model writer"));
	ckpt_writer_free(w);
	g_free(root);
	af_tree_free(dir);
}

static void test_loader_callback_message(void)
{
	char *dir = af_tree_new();
	char *root = g_build_filename(dir, "ckpts", NULL);
	const double values[] = {0.5, 0.4};
	af_save(root, values, 2, NULL);
	af_model m = {.fail_load = 1, .fail_message = "shape mismatch in layer dense_3"};
	ckpt_writer *w = af_writer(root, &m, 0, NULL);
	ckpt_restart *restart = (ckpt_restart *)&m; /* must be reset */
	g_assert_cmpint(ckpt_writer_restart(&restart, w), ==, CKPT_ECALLBACK);
	g_assert_null(restart);
	assert_error_ends_with(": shape mismatch in layer dense_3");
	g_assert_cmpint(m.loads, ==, 1);
	g_assert_true(g_str_has_suffix(m.loaded, "/epochs/002/model.h5"));
	g_assert_nonnull(strstr(ckpt_error_last(), "epochs/002/model.h5"));
	ckpt_writer_free(w);
	g_free(root);
	af_tree_free(dir);
}

static void test_error_names(void)
{
	static const struct {
		int code, value;
		const char *name;
	} codes[] = {
	    {CKPT_OK, 0, "ok"},
	    {CKPT_EINVAL, -1, "invalid"},
	    {CKPT_EIO, -2, "io"},
	    {CKPT_ENOENT, -3, "not-found"},
	    {CKPT_EFORMAT, -4, "format"},
	    {CKPT_ELOCKED, -5, "locked"},
	    {CKPT_ECHECKSUM, -6, "checksum"},
	    {CKPT_ECANCELLED, -7, "cancelled"},
	    {CKPT_EUNSAFE, -8, "unsafe"},
	    {CKPT_ENOMEM, -9, "no-memory"},
	    {CKPT_ECALLBACK, -10, "callback"},
	    {CKPT_EREFUSED, -11, "refused"},
	    {CKPT_EAMBIGUOUS, -12, "ambiguous"},
	};
	for (size_t i = 0; i < G_N_ELEMENTS(codes); i++) {
		g_assert_cmpint(codes[i].code, ==, codes[i].value);
		g_assert_cmpstr(ckpt_error_name(codes[i].code), ==, codes[i].name);
	}
	const int unknown[] = {-13, 1, -100, INT_MIN, INT_MAX};
	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++)
		g_assert_cmpstr(ckpt_error_name(unknown[i]), ==, "unknown");
	g_assert_cmpstr(ckpt_version(), ==, CKPT_VERSION_STRING);
	char version[32];
	g_snprintf(version, sizeof version, "%d.%d.%d", CKPT_VERSION_MAJOR, CKPT_VERSION_MINOR,
		   CKPT_VERSION_MICRO);
	g_assert_cmpstr(ckpt_version(), ==, version);
	const char *crc_names[] = {"vpclmulqdq, isa-l", "isa-l", "vpclmulqdq, pclmul", "pclmul",
				   "zlib"};
	const char *crc = ckpt_crc32_implementation();
	bool known = false;
	for (size_t i = 0; i < G_N_ELEMENTS(crc_names); i++)
		known = known || strcmp(crc, crc_names[i]) == 0;
	g_assert_true(known);
}

/* ---- a program built against the installed header and libckpt.pc ------- */

/* The build folder: this program is <build>/tests/test-api. */
static char *build_root(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	g_assert_nonnull(exe);
	char *tests = g_path_get_dirname(exe);
	char *build = g_path_get_dirname(tests);
	g_free(tests);
	g_free(exe);
	return build;
}

static char *source_root(const char *build)
{
	char *path = g_build_filename(build, "meson-info", "meson-info.json", NULL);
	char *text = tu_read(path, NULL);
	g_assert_nonnull(text);
	cJSON *json = cJSON_Parse(text);
	const char *source = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(json, "directories"), "source"));
	g_assert_nonnull(source);
	char *out = g_strdup(source);
	cJSON_Delete(json);
	g_free(text);
	g_free(path);
	return out;
}

/* Runs argv, asserting exit 0; its stdout (caller g_free()s). */
static char *run_capture(char **argv, char **envp)
{
	char *out = NULL, *err = NULL;
	int status = 0;
	GError *error = NULL;
	g_spawn_sync(NULL, argv, envp, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status,
		     &error);
	g_assert_no_error(error);
	if (!g_spawn_check_wait_status(status, NULL))
		g_error("%s failed: %s", argv[0], err);
	g_free(err);
	return out;
}

static void test_installed_header_and_pkg_config(void)
{
	tu_fixture f;
	if (!tu_fixture_init(&f))
		return;
	const char *tools[] = {"cc", "pkg-config"};
	for (size_t i = 0; i < G_N_ELEMENTS(tools); i++) {
		char *found = g_find_program_in_path(tools[i]);
		if (!found)
			g_error("%s is not installed: this test needs it", tools[i]);
		g_free(found);
	}
	char *build = build_root();
	char *source = source_root(build);
	char *pc_dir = g_build_filename(build, "meson-private", NULL);
	char *pc = g_build_filename(pc_dir, "libckpt.pc", NULL);
	g_assert_true(tu_exists(pc));
	char *so = g_build_filename(build, "libckpt", "libckpt.so", NULL);
	if (!tu_exists(so))
		g_error("%s is not built: build the default target first", so);

	/* The installed tree, as `meson install` lays it out under a prefix:
	 * the public header alone, and the library where libckpt.pc says. */
	char *prefix = g_build_filename(f.dir, "usr", NULL);
	char **env = g_environ_setenv(g_get_environ(), "PKG_CONFIG_PATH", pc_dir, TRUE);
	char *define = g_strdup_printf("--define-variable=prefix=%s", prefix);
	char *pkg_libdir[] = {"pkg-config", define, "--variable=libdir", "libckpt", NULL};
	char *libdir = g_strstrip(run_capture(pkg_libdir, env));
	char *pkg_incdir[] = {"pkg-config", define, "--variable=includedir", "libckpt", NULL};
	char *incdir = g_strstrip(run_capture(pkg_incdir, env));
	g_assert_true(g_str_has_prefix(libdir, prefix));
	g_assert_true(g_str_has_prefix(incdir, prefix));
	g_assert_cmpint(g_mkdir_with_parents(libdir, 0755), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(incdir, 0755), ==, 0);
	char *header_src = g_build_filename(source, "libckpt", "ckpt.h", NULL);
	char *header = tu_read(header_src, NULL);
	g_assert_nonnull(header);
	char *header_dst = g_build_filename(incdir, "ckpt.h", NULL);
	tu_write(header_dst, header);
	/* The development link and the soname the program records. */
	const char *names[] = {"libckpt.so", "libckpt.so.0"};
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *built = g_build_filename(build, "libckpt", names[i], NULL);
		char *link = g_build_filename(libdir, names[i], NULL);
		g_assert_cmpint(symlink(built, link), ==, 0);
		g_free(link);
		g_free(built);
	}

	char *pkg_flags[] = {"pkg-config", define, "--cflags", "--libs", "libckpt", NULL};
	char *flags = g_strstrip(run_capture(pkg_flags, env));
	char *example = g_build_filename(source, "tests", "data", "api-example.c", NULL);
	char *program = g_build_filename(f.dir, "api-example", NULL);
	GString *cc = g_string_new("cc -std=c11 -Wall -Wextra -Wpedantic -Werror");
#if defined(__SANITIZE_ADDRESS__)
	/* This build's libckpt.so is instrumented: so must its user be. */
	g_string_append(cc, " -fsanitize=address,undefined");
#endif
	g_string_append_printf(cc, " -o %s %s %s", program, example, flags);
	char **cc_argv = NULL;
	g_assert_true(g_shell_parse_argv(cc->str, NULL, &cc_argv, NULL));
	g_free(run_capture(cc_argv, env));

	char *run = g_build_filename(f.exp, "nt3-lr0.01", NULL);
	char *run_argv[] = {program, run, NULL};
	env = g_environ_setenv(env, "LD_LIBRARY_PATH", libdir, TRUE);
	env = g_environ_setenv(env, "XDG_CACHE_HOME", f.dir, TRUE);
	env = g_environ_setenv(env, "HOME", f.dir, TRUE);
	char *out = run_capture(run_argv, env);
	g_assert_cmpstr(out, ==, "0.2.0 nt3-lr0.01 5\n26\n27\n28\n29\n30\n");

	g_free(out);
	g_free(run);
	g_strfreev(cc_argv);
	g_string_free(cc, TRUE);
	g_free(program);
	g_free(example);
	g_free(flags);
	g_free(header_dst);
	g_free(header);
	g_free(header_src);
	g_free(incdir);
	g_free(libdir);
	g_free(define);
	g_strfreev(env);
	g_free(prefix);
	g_free(so);
	g_free(pc);
	g_free(pc_dir);
	g_free(source);
	g_free(build);
	tu_fixture_free(&f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/ckpt/api/struct-size/named-structs-and-nothing-else", test_struct_size);
	g_test_add_func("/ckpt/api/layout/fields-pinned", test_layout);
	g_test_add_func("/ckpt/api/epoch-result/filled-only-up-to-callers-size",
			test_result_filled_up_to_size);
	g_test_add_func("/ckpt/api/callback-error/model-writer-message-in-ecallback",
			test_writer_callback_message);
	g_test_add_func("/ckpt/api/callback-error/loader-message-in-ecallback",
			test_loader_callback_message);
	g_test_add_func("/ckpt/api/error-name/every-code", test_error_names);
	g_test_add_func("/ckpt/api/installed/example-builds-with-pkg-config-and-runs",
			test_installed_header_and_pkg_config);
	return g_test_run();
}
