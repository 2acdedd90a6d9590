/* log-fixture.c: fixture runs' logs and temporary files for test-log and
 * test-history (see log-fixture.h). */
#include "log-fixture.h"
#include "testutil.h"

/* The log of a fixture run, in either layout (SPEC §3). */
static char *run_log_path(const tu_fixture *fx, const char *run)
{
	char *path = g_build_filename(fx->exp, run, "ckpts", CKPT_LOG_NAME, NULL);
	if (!tu_exists(path)) {
		g_free(path);
		path = g_build_filename(fx->exp, run, "save", CKPT_LOG_NAME, NULL);
	}
	return path;
}

void parse_run_log(ckpt_log_summary *log, const tu_fixture *fx, const char *run)
{
	char *path = run_log_path(fx, run);
	int rc = ckpt_log_parse_file(log, path);
	if (rc)
		g_error("%s: %s", path, ckpt_error_last());
	g_free(path);
}

tmp_file tmp_file_new(const char *name)
{
	char *tmp = tu_tmpdir();
	return (tmp_file){tmp, g_build_filename(tmp, name, NULL)};
}

void tmp_file_done(tmp_file *f)
{
	tu_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->path);
}
