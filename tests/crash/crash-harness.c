/* crash-harness.c: issue 3's crash and I/O-error loop. For each operation it
 * counts the file-system steps, then for every step N and every mode runs the
 * operation in a child (crash-run.c) that the failpoint crashes (with or
 * without a power cut, and for each power cut after a step also keeping
 * partial subsets of the unsynced changes), fails at N, or fails after the
 * real call; and once with the power cut after the operation returned. Each
 * state is checked, repaired, restarted and checked again.
 *
 * Usage: crash-harness [--op NAME] [--step N] [--mode MODE] [--keep] [--verbose]
 *                      [--no-restart]  (to look at a crash state as it was left)
 * Trees live under $CKPT_CRASH_DIR, else /dev/shm, else $TMPDIR; partial
 * subsets per cut point: $CKPT_CRASH_SUBSETS (see cr_subset_budget). */
#include "crash-run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- reporting --------------------------------------------------------- */

static char *short_path(const op_run *o, const char *text)
{
	char *root = g_build_filename(o->case_dir, CR_ROOT, NULL);
	char **parts = g_strsplit(text ? text : "?", root, -1);
	char *joined = g_strjoinv("R", parts);
	g_strfreev(parts);
	g_free(root);
	return joined;
}

/* Failures are grouped by what broke (pids in temporary names masked),
 * with the states where it broke: one bug shows up at many steps. */
typedef struct failure_group {
	char *problems;
	GString *where;
	int count;
} failure_group;

static char *mask_pids(const char *text)
{
	GString *out = g_string_new(NULL);
	for (const char *p = text; *p; p++) {
		g_string_append_c(out, *p);
		if (g_str_has_prefix(p, "tmp-") && g_ascii_isdigit(p[4])) {
			g_string_append(out, "mp-PID");
			p += 4;
			while (g_ascii_isdigit(p[1]))
				p++;
		}
	}
	return g_string_free(out, FALSE);
}

static void report_failure(op_run *o, long step, const char *mode, const char *problems)
{
	char *masked = mask_pids(problems);
	char *key = short_path(o, masked);
	g_free(masked);
	failure_group *group = NULL;
	for (guint i = 0; i < o->groups->len && !group; i++)
		if (!strcmp(((failure_group *)o->groups->pdata[i])->problems, key))
			group = o->groups->pdata[i];
	if (!group) {
		group = g_new0(failure_group, 1);
		group->problems = key;
		group->where = g_string_new(NULL);
		g_ptr_array_add(o->groups, group);
	} else {
		g_free(key);
	}
	if (group->count++ < 8) {
		const char *name =
		    step > 0 && (guint)step <= o->steps->len ? o->steps->pdata[step - 1] : "";
		char *masked_name = mask_pids(name);
		char *where = short_path(o, masked_name);
		if (step == 0)
			g_string_append_printf(group->where, "\n      %s", mode);
		else
			g_string_append_printf(group->where, "\n      step %ld %s [%s]", step, mode,
					       where);
		g_free(where);
		g_free(masked_name);
	}
}

static void print_failures(const op_run *o)
{
	for (guint i = 0; i < o->groups->len; i++) {
		const failure_group *group = o->groups->pdata[i];
		printf("  FAIL %s, %d state%s: %s; at:%s%s\n", o->op->name, group->count,
		       group->count == 1 ? "" : "s", group->problems, group->where->str,
		       group->count > 8 ? ", ..." : "");
	}
}

static void failure_group_free(gpointer data)
{
	failure_group *group = data;
	g_free(group->problems);
	g_string_free(group->where, TRUE);
	g_free(group);
}

static size_t mode_index(const char *name)
{
	for (size_t m = 0; m < cr_n_modes; m++)
		if (!strcmp(cr_modes[m].name, name))
			return m;
	return (size_t)-1;
}

typedef struct options {
	const char *op;
	long step;
	const char *mode;
	bool keep;
	bool verbose;
	bool no_restart;
} options;

/* Under ASan the suite runs for minutes; meson streams its output (verbose),
 * so a line when an operation starts and then one every PROGRESS_US show
 * that it is alive, where it is, and what failed so far. */
#define PROGRESS_US (10 * G_USEC_PER_SEC)

static void print_progress(const op_run *o, long total, gint64 *next)
{
	gint64 now = g_get_monotonic_time();
	if (now < *next)
		return;
	*next = now + PROGRESS_US;
	printf("  %s: %d of %ld crash states done (%ld of them partial power cuts), %d failed\n",
	       o->op->name, o->states, total + o->partial_states, o->partial_states, o->failed);
	fflush(stdout);
}

/* One state, its result counted and reported. */
static void run_one(op_run *o, const options *opt, long step, size_t m, long subset,
		    ckpt_failpoint_cut_report *cut)
{
	bool known = false;
	char *problems = cr_run_state(o, step, m, subset, &known, cut);
	o->states++;
	o->known += known;
	o->partial_states += subset > 0;
	char mode[64];
	if (subset > 0)
		snprintf(mode, sizeof mode, "%s, partial cut %ld%s", cr_modes[m].name, subset,
			 cut->sampled ? " (sampled)" : "");
	else
		snprintf(mode, sizeof mode, "%s", cr_modes[m].name);
	if (problems[0]) {
		o->failed++;
		report_failure(o, step, mode, problems);
	} else if (opt->verbose) {
		const char *name = step > 0 ? o->steps->pdata[step - 1] : "after it returned";
		char *where = short_path(o, name);
		printf("  ok %s step %ld %s [%s] (%ld unsynced, %ld kept)\n", o->op->name, step,
		       mode, where, cut->unsynced, cut->kept);
		g_free(where);
	}
	g_free(problems);
}

/* A power cut at this point: keeping nothing, then each partial subset (all
 * of them when there are few, else a sample; the count comes back from the
 * first cut). */
static void run_cut_point(op_run *o, const options *opt, long step, size_t m)
{
	ckpt_failpoint_cut_report cut = {0};
	run_one(o, opt, step, m, 0, &cut);
	if (!cr_modes[m].partial)
		return;
	long partial = cut.partial;
	o->cut_points += partial > 0;
	o->sampled_points += cut.sampled;
	for (long k = 1; k <= partial; k++) {
		ckpt_failpoint_cut_report again = {0};
		run_one(o, opt, step, m, k, &again);
	}
}

static bool wanted(const options *opt, size_t m)
{
	return !opt->mode || m == mode_index(opt->mode);
}

/* Whether state (step, m) runs: its mode asked for, acting on that kind of
 * step, and not one that the quick profile skips. */
static bool runs(const op_run *o, const options *opt, long step, size_t m)
{
	const cr_mode *mode = &cr_modes[m];
	if ((opt->step && step != opt->step) || !wanted(opt, m) || mode->at_end)
		return false;
	if (cr_quick() && !opt->mode && step > 1 && mode->mode == CKPT_FAILPOINT_CRASH_BEFORE)
		return false;
	return ckpt_failpoint_mode_applies(mode->mode, o->steps->pdata[step - 1]);
}

/* Returns false when the operation could not be run at all. */
static bool run_operation(op_run *o, const options *opt, const char *base)
{
	if (!cr_prepare_op(o, base))
		return false;
	bool complete_ok = cr_count_steps(o);
	long n_steps = (long)o->steps->len;
	long total = 0;
	for (long step = 1; step <= n_steps; step++)
		for (size_t m = 0; m < cr_n_modes; m++)
			total += runs(o, opt, step, m);
	for (size_t m = 0; m < cr_n_modes; m++)
		total += cr_modes[m].at_end && wanted(opt, m) && !opt->step;
	printf("%s: %ld steps, %ld crash states to run, and the partial power cuts\n",
	       o->op->name, n_steps, total);
	fflush(stdout);
	gint64 next = g_get_monotonic_time() + PROGRESS_US;
	for (long step = 1; step <= n_steps; step++) {
		print_progress(o, total, &next);
		for (size_t m = 0; m < cr_n_modes; m++)
			if (runs(o, opt, step, m))
				run_cut_point(o, opt, step, m);
	}
	for (size_t m = 0; m < cr_n_modes && !opt->step; m++)
		if (cr_modes[m].at_end && wanted(opt, m))
			run_cut_point(o, opt, 0, m);
	print_failures(o);
	printf("%-26s %4ld steps %6d crash states %5d failed%s\n", o->op->name, n_steps, o->states,
	       o->failed, complete_ok ? "" : " (and the uninterrupted run failed)");
	printf("  %ld of them partial power cuts, at %ld cut points (%ld of them sampled, %ld "
	       "each); %d left an epoch set aside, put back by clean and by the next writer\n",
	       o->partial_states, o->cut_points, o->sampled_points, cr_subset_budget(),
	       o->aside_states);
	if (o->known)
		printf("  %d of them inside the known no-exchange window (epoch absent between two "
		       "renames), repaired by the next writer or clean\n",
		       o->known);
	fflush(stdout);
	o->complete_failed = !complete_ok;
	return true;
}

static char *make_base(void)
{
	const char *dir = g_getenv("CKPT_CRASH_DIR");
	if (!dir && access("/dev/shm", W_OK) == 0)
		dir = "/dev/shm";
	if (!dir)
		dir = g_get_tmp_dir();
	char *templ = g_build_filename(dir, "ckpt-crash-XXXXXX", NULL);
	if (!mkdtemp(templ)) {
		g_free(templ);
		return NULL;
	}
	return templ;
}

static bool parse_options(options *opt, int argc, char **argv)
{
	memset(opt, 0, sizeof *opt);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--op") && i + 1 < argc)
			opt->op = argv[++i];
		else if (!strcmp(argv[i], "--step") && i + 1 < argc)
			opt->step = atol(argv[++i]);
		else if (!strcmp(argv[i], "--mode") && i + 1 < argc)
			opt->mode = argv[++i];
		else if (!strcmp(argv[i], "--keep"))
			opt->keep = true;
		else if (!strcmp(argv[i], "--verbose"))
			opt->verbose = true;
		else if (!strcmp(argv[i], "--no-restart"))
			opt->no_restart = true;
		else
			return false;
	}
	return !opt->mode || mode_index(opt->mode) != (size_t)-1;
}

int main(int argc, char **argv)
{
	options opt;
	if (!parse_options(&opt, argc, argv)) {
		fprintf(stderr,
			"usage: %s [--op NAME] [--step N] [--mode MODE] [--keep] "
			"[--verbose] [--no-restart]\n",
			argv[0]);
		return 2;
	}
	char *base = make_base();
	cr_promises = mmap(NULL, sizeof *cr_promises, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!base || cr_promises == MAP_FAILED) {
		fprintf(stderr, "cannot make a temporary directory: %s\n", strerror(errno));
		return 2;
	}
	int states = 0, failed = 0, broken = 0;
	long partial = 0;
	printf("crash states: every step crashed%s, with and without a power cut, failed "
	       "before and after the real call; partial power cuts: up to %ld subsets per cut "
	       "point (CKPT_CRASH_SUBSETS)\n",
	       cr_quick() ? " after (CKPT_CRASH_QUICK: before = after the step before)"
			  : " before and after",
	       cr_subset_budget());
	for (size_t i = 0; i < cr_n_ops; i++) {
		if (opt.op && strcmp(opt.op, cr_ops[i].name))
			continue;
		op_run o = {.op = &cr_ops[i],
			    .no_restart = opt.no_restart,
			    .groups = g_ptr_array_new_with_free_func(failure_group_free)};
		if (!run_operation(&o, &opt, base)) {
			printf("%-26s could not be set up\n", cr_ops[i].name);
			broken++;
		}
		states += o.states;
		failed += o.failed;
		partial += o.partial_states;
		broken += o.complete_failed;
		cr_op_run_clear(&o);
	}
	printf("%d passed, %d failed (%ld of the states partial power cuts)\n", states - failed,
	       failed, partial);
	if (opt.keep)
		printf("trees kept in %s\n", base);
	else
		cr_remove_tree(base);
	g_free(base);
	return failed || broken || states == 0 ? 1 : 0;
}
