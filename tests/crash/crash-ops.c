/* crash-ops.c: the operations the crash harness interrupts, each with the
 * tree it starts from: writer saves (retention deletes, replacing epochs
 * after a rollback), a restart, and the browser's rollback, clean, relink. */
#include "crash-ops.h"
#include "failpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLEAN_LIMIT 3

static const double standard_values[] = {0.9, 0.8, 0.85, 0.7, 0.75, 0.72}; /* best 4, last 6 */

static int write_run(const char *case_dir, const char *keep_mode, long keep_limit,
		     const double *values, size_t n)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	ckpt_params *params = cr_params(root, keep_mode, keep_limit, true, true);
	cr_model model = {0};
	ckpt_writer *writer = NULL;
	int rc = params ? cr_writer(&writer, params, &model) : CKPT_ENOMEM;
	if (!rc)
		rc = cr_epochs(writer, 0, values, n);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	if (!rc)
		rc = cr_add_sentinels(case_dir);
	g_free(root);
	return rc;
}

static int setup_standard(const char *case_dir)
{
	return write_run(case_dir, "all", 5, standard_values, G_N_ELEMENTS(standard_values));
}

/* A rollback to epoch 3 left epochs 4-6 behind: the next saves replace them. */
static int setup_rolled_back(const char *case_dir)
{
	int rc = setup_standard(case_dir);
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	if (!rc)
		rc = ckpt_link_point(root, "last", 3, true);
	g_free(root);
	return rc;
}

/* A replacement by renames that crashed between them (on a file system
 * without RENAME_EXCHANGE): after a rollback to 3, epoch 5 was set aside in
 * work.old, as the writer logged, and the new one is half staged in work/. */
static int setup_set_aside(const char *case_dir)
{
	int rc = setup_rolled_back(case_dir);
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	char *log = g_build_filename(root, CKPT_LOG_NAME, NULL);
	char *e5 = g_build_filename(root, CKPT_EPOCHS_NAME, "005", NULL);
	char *old = g_build_filename(root, "work.old", NULL);
	char *work = g_build_filename(root, "work", NULL);
	char *partial = g_build_filename(work, "model.h5", NULL);
	if (!rc)
		rc = ckpt_log_write(log, "setting aside: 'ckpts/epochs/005' -> 'ckpts/work.old'");
	if (!rc && (rename(e5, old) != 0 || mkdir(work, 0755) != 0 ||
		    !g_file_set_contents(partial, "partial", -1, NULL)))
		rc = CKPT_EIO;
	g_free(root), g_free(log), g_free(e5), g_free(old), g_free(work), g_free(partial);
	return rc;
}

/* The next writer starts: the repair puts epoch 5 back, and says so by
 * returning; a power cut at any later moment must keep it back. */
static int run_repair(const char *case_dir)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	ckpt_params *params = cr_params(root, "all", 5, true, true);
	cr_model model = {0};
	ckpt_writer *writer = NULL;
	int rc = params ? cr_writer(&writer, params, &model) : CKPT_ENOMEM;
	if (!rc)
		cr_promise_present(5);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	g_free(root);
	return rc;
}

/* 14 epochs (best 5) and a leftover work/ from a crashed save. */
static int setup_clean(const char *case_dir)
{
	double values[14];
	for (size_t i = 0; i < G_N_ELEMENTS(values); i++)
		values[i] = i == 4 ? 0.1 : 0.5 + 0.01 * (double)i;
	int rc = write_run(case_dir, "all", 5, values, G_N_ELEMENTS(values));
	char *work = g_build_filename(case_dir, CR_ROOT, "work", NULL);
	char *partial = g_build_filename(work, "model.h5", NULL);
	if (!rc && (mkdir(work, 0755) != 0 || !g_file_set_contents(partial, "partial", -1, NULL)))
		rc = CKPT_EIO;
	g_free(partial);
	g_free(work);
	return rc;
}

/* best and last as the original writes them on another machine: absolute
 * targets that no longer exist here ("relocated"). */
static int setup_relink(const char *case_dir)
{
	int rc = setup_standard(case_dir);
	const char *old = "/nonexistent-ckpt-crash/old-machine/run/ckpts/epochs";
	char *best = g_build_filename(case_dir, CR_ROOT, "best", NULL);
	char *last = g_build_filename(case_dir, CR_ROOT, "last", NULL);
	char *best_target = g_strdup_printf("%s/004", old);
	char *last_target = g_strdup_printf("%s/006", old);
	if (!rc && (unlink(best) != 0 || symlink(best_target, best) != 0 || unlink(last) != 0 ||
		    symlink(last_target, last) != 0))
		rc = CKPT_EIO;
	g_free(best), g_free(last), g_free(best_target), g_free(last_target);
	return rc;
}

/* A trainer resuming: a new writer, a restart, then one epoch per value. */
static int resume_and_save_best(const char *case_dir, const char *keep_mode, long keep_limit,
				bool save_best, const double *values, size_t n)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	ckpt_params *params = cr_params(root, keep_mode, keep_limit, true, save_best);
	cr_model model = {0};
	ckpt_writer *writer = NULL;
	ckpt_restart *restart = NULL;
	int rc = params ? cr_writer(&writer, params, &model) : CKPT_ENOMEM;
	if (!rc)
		rc = ckpt_writer_restart(&restart, writer);
	if (!rc)
		rc = cr_epochs(writer, (long)ckpt_restart_epoch(restart), values, n);
	ckpt_restart_free(restart);
	ckpt_writer_free(writer);
	ckpt_params_free(params);
	g_free(root);
	return rc;
}

static int resume_and_save(const char *case_dir, const char *keep_mode, long keep_limit,
			   const double *values, size_t n)
{
	return resume_and_save_best(case_dir, keep_mode, keep_limit, true, values, n);
}

/* Epoch 7 becomes best, 8 and 9 are kept by the limit, 10 becomes best:
 * retention deletes 8, then 9 and the old best 7. */
static int run_save(const char *case_dir)
{
	static const double values[] = {0.65, 0.68, 0.69, 0.6};
	return resume_and_save(case_dir, "linear", 1, values, G_N_ELEMENTS(values));
}

/* Limit 2 and no new best (all worse than 4's 0.7): at the saves of 9 and
 * 10 retention deletes 7 and 8, which no link names then, so the deletion
 * rides on the save's own syncs (writer-save.c, ride_retention); the other
 * operations' deletions are of the epoch last named, which goes the long way. */
static int run_save_retention_rides(const char *case_dir)
{
	static const double values[] = {0.8, 0.85, 0.9, 0.95};
	return resume_and_save(case_dir, "linear", 2, values, G_N_ELEMENTS(values));
}

static int run_save_replace(const char *case_dir)
{
	static const double values[] = {0.6, 0.65};
	return resume_and_save(case_dir, "linear", 1, values, G_N_ELEMENTS(values));
}

/* Epoch 4 (best, 0.7) is replaced by a worse one: best must not lose it. */
static int run_save_replace_best(const char *case_dir)
{
	static const double values[] = {0.95};
	return resume_and_save(case_dir, "linear", 1, values, G_N_ELEMENTS(values));
}

/* After a rollback to 3 a trainer without save_best resumes: 4 is saved
 * again (0.6, better than the 0.7 `best` names, so not refused) and `best`
 * still names it; retention by the trainer's own rule (which knows no best)
 * must still keep it. Linear (limit 1) would delete 4 at the third save,
 * exponential (limit 1: one epoch aged 1 or 2) at the fourth. */
static const double no_best_values[] = {0.6, 0.65, 0.66, 0.67};
static const long no_best_resaved[] = {5, 6, 7, 0};

static int run_save_no_best_linear(const char *case_dir)
{
	return resume_and_save_best(case_dir, "linear", 1, false, no_best_values, 3);
}

static int run_save_no_best_exponential(const char *case_dir)
{
	return resume_and_save_best(case_dir, "exponential", 1, false, no_best_values, 4);
}

static int run_save_no_best_all(const char *case_dir)
{
	return resume_and_save_best(case_dir, "all", 1, false, no_best_values, 2);
}

static int run_restart(const char *case_dir)
{
	return resume_and_save(case_dir, "all", 5, NULL, 0);
}

static int open_run(ckpt_run **out, const char *case_dir)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	int rc = ckpt_run_open(out, root);
	g_free(root);
	return rc;
}

static int run_rollback(const char *case_dir)
{
	ckpt_run *run = NULL;
	int rc = open_run(&run, case_dir);
	if (!rc)
		rc = ckpt_rollback(NULL, run, 2, 0);
	if (!rc)
		cr_promise_last(2, true);
	ckpt_run_unref(run);
	return rc;
}

static int run_clean(const char *case_dir)
{
	ckpt_run *run = NULL;
	ckpt_clean_plan *plan = NULL;
	int rc = open_run(&run, case_dir);
	if (!rc)
		rc = ckpt_clean_plan_new(&plan, run, CLEAN_LIMIT, CKPT_KEEP_LINEAR);
	if (!rc)
		rc = ckpt_clean_apply(plan, NULL);
	for (size_t i = 0; !rc && i < ckpt_clean_plan_count(plan); i++)
		if (!ckpt_clean_plan_keeps(plan, i))
			cr_promise_gone((long)ckpt_clean_plan_epoch(plan, i));
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	return rc;
}

static int run_relink(const char *case_dir)
{
	ckpt_run *run = NULL;
	int changed = 0;
	int rc = open_run(&run, case_dir);
	if (!rc)
		rc = ckpt_relink(&changed, run);
	if (!rc)
		cr_promise_relative();
	ckpt_run_unref(run);
	return rc;
}

const cr_op cr_ops[] = {
    {.name = "save",
     .setup = setup_standard,
     .run = run_save,
     .keep_mode = "linear",
     .keep_limit = 1},
    {.name = "save-retention-rides",
     .setup = setup_standard,
     .run = run_save_retention_rides,
     .keep_mode = "linear",
     .keep_limit = 2},
    {.name = "save-replace",
     .setup = setup_rolled_back,
     .run = run_save_replace,
     .keep_mode = "linear",
     .keep_limit = 1},
    {.name = "save-replace-no-exchange",
     .setup = setup_rolled_back,
     .run = run_save_replace,
     .keep_mode = "linear",
     .keep_limit = 1,
     .flags = CKPT_FAILPOINT_NO_EXCHANGE},
    {.name = "save-replace-best-by-worse",
     .setup = setup_rolled_back,
     .run = run_save_replace_best,
     .keep_mode = "linear",
     .keep_limit = 1},
    {.name = "save-no-best-linear",
     .setup = setup_rolled_back,
     .run = run_save_no_best_linear,
     .resaved = no_best_resaved,
     .keep_mode = "linear",
     .keep_limit = 1,
     .no_best = true},
    {.name = "save-no-best-exponential",
     .setup = setup_rolled_back,
     .run = run_save_no_best_exponential,
     .resaved = no_best_resaved,
     .keep_mode = "exponential",
     .keep_limit = 1,
     .no_best = true},
    {.name = "save-no-best-all",
     .setup = setup_rolled_back,
     .run = run_save_no_best_all,
     .resaved = no_best_resaved,
     .keep_mode = "all",
     .keep_limit = 1,
     .no_best = true},
    {.name = "repair-set-aside",
     .setup = setup_set_aside,
     .run = run_repair,
     .keep_mode = "all",
     .keep_limit = 5,
     .saves_none = true},
    {.name = "restart",
     .setup = setup_standard,
     .run = run_restart,
     .keep_mode = "all",
     .keep_limit = 5},
    {.name = "rollback",
     .setup = setup_standard,
     .run = run_rollback,
     .keep_mode = "all",
     .keep_limit = 5,
     .rollback_to = 2},
    {.name = "clean",
     .setup = setup_clean,
     .run = run_clean,
     .keep_mode = "all",
     .keep_limit = 5,
     .cleans = true},
    {.name = "relink",
     .setup = setup_relink,
     .run = run_relink,
     .keep_mode = "all",
     .keep_limit = 5,
     .relinks = true},
};

const size_t cr_n_ops = G_N_ELEMENTS(cr_ops);

/* The epochs the clean plan deletes, asked of the engine before the run. */
GArray *cr_clean_deletes(const char *case_dir)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(long));
	ckpt_run *run = NULL;
	ckpt_clean_plan *plan = NULL;
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	if (ckpt_run_open(&run, root) == 0 &&
	    ckpt_clean_plan_new(&plan, run, CLEAN_LIMIT, CKPT_KEEP_LINEAR) == 0) {
		for (size_t i = 0; i < ckpt_clean_plan_count(plan); i++) {
			long epoch = (long)ckpt_clean_plan_epoch(plan, i);
			if (!ckpt_clean_plan_keeps(plan, i))
				g_array_append_val(out, epoch);
		}
	}
	ckpt_clean_plan_free(plan);
	ckpt_run_unref(run);
	g_free(root);
	return out;
}
