/* crash-promise.c: two checks of the crash suite that look past the tree a
 * crash left: what the operation had already promised by returning success
 * (it must survive any later power cut), and an epoch a crash left set aside
 * in work.old (the next writer or clean must put it back, never lose it). */
#include "crash-common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

cr_promise *cr_promises;

void cr_promise_last(long epoch, bool exact)
{
	if (!cr_promises)
		return;
	if (exact || epoch > cr_promises->last)
		cr_promises->last = epoch;
	cr_promises->last_exact = exact;
}

void cr_promise_relative(void)
{
	if (cr_promises)
		cr_promises->relative = true;
}

void cr_promise_gone(long epoch)
{
	if (cr_promises && cr_promises->n_gone < CR_MAX_GONE)
		cr_promises->gone[cr_promises->n_gone++] = epoch;
}

void cr_promise_present(long epoch)
{
	if (cr_promises && cr_promises->n_present < CR_MAX_GONE)
		cr_promises->present[cr_promises->n_present++] = epoch;
}

static bool relative_link(const char *root, const char *name)
{
	char *path = g_build_filename(root, name, NULL);
	char target[4096];
	ssize_t len = readlink(path, target, sizeof target - 1);
	g_free(path);
	return len > 0 && target[0] != '/';
}

int cr_check_promises(GString *problems, const char *case_dir, const cr_promise *p)
{
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	int n = 0;
	long last = 0;
	ckpt_link_state state = ckpt_link_resolve(root, CKPT_LAST_NAME, &last);
	bool resolves = state == CKPT_LINK_OK || state == CKPT_LINK_RELOCATED;
	if (p->last && !resolves)
		n += cr_problem(problems, "a call returned after epoch %ld was last, but last is %s",
				p->last, ckpt_link_state_name(state));
	else if (p->last && p->last_exact && last != p->last)
		n += cr_problem(problems,
				"a rollback to %ld returned, but last names %ld after the cut",
				p->last, last);
	else if (p->last && last < p->last)
		n += cr_problem(problems,
				"epoch %ld was saved and its call returned, but last fell back "
				"to %ld",
				p->last, last);
	for (int i = 0; p->relative && i < 2; i++) {
		const char *name = i ? CKPT_BEST_NAME : CKPT_LAST_NAME;
		if (!relative_link(root, name))
			n += cr_problem(problems, "a relink returned, but %s is not relative", name);
	}
	for (size_t i = 0; i < p->n_gone; i++) {
		char dir[32];
		ckpt_epoch_dir_name(dir, p->gone[i]);
		char *path = g_build_filename(root, CKPT_EPOCHS_NAME, dir, NULL);
		struct stat st;
		if (lstat(path, &st) == 0)
			n += cr_problem(problems, "clean returned, but deleted epoch %ld came back",
					p->gone[i]);
		g_free(path);
	}
	for (size_t i = 0; i < p->n_present; i++) {
		char *why = NULL;
		if (!cr_epoch_complete(root, p->present[i], &why))
			n += cr_problem(problems, "a repair returned, but epoch %ld is gone again: %s",
					p->present[i], why);
		g_free(why);
	}
	g_free(root);
	return n;
}

/* ---- an epoch set aside ------------------------------------------------ */

void cr_aside_find(cr_aside *out, const char *case_dir)
{
	memset(out, 0, sizeof *out);
	char *old = g_build_filename(case_dir, CR_ROOT, "work.old", NULL);
	char *info_path = g_build_filename(old, CKPT_INFO_NAME, NULL);
	char *model = g_build_filename(old, CKPT_MODEL_NAME, NULL);
	ckpt_info info;
	memset(&info, 0, sizeof info);
	bool match = false;
	struct stat st;
	if (lstat(old, &st) == 0 && S_ISDIR(st.st_mode) && ckpt_info_read(&info, info_path) == 0 &&
	    info.checksum && ckpt_checksum_matches(&match, model, info.checksum, NULL) == 0 &&
	    match) {
		char name[32];
		ckpt_epoch_dir_name(name, info.epoch);
		char *dir = g_build_filename(case_dir, CR_ROOT, CKPT_EPOCHS_NAME, name, NULL);
		if (lstat(dir, &st) != 0) {
			out->epoch = info.epoch;
			out->checksum = g_strdup(info.checksum);
		}
		g_free(dir);
	}
	ckpt_info_clear(&info);
	g_free(model);
	g_free(info_path);
	g_free(old);
}

int cr_aside_check(GString *problems, const char *case_dir, const cr_aside *aside,
		   const char *who)
{
	if (!aside->epoch)
		return 0;
	char name[32];
	ckpt_epoch_dir_name(name, aside->epoch);
	char *root = g_build_filename(case_dir, CR_ROOT, NULL);
	char *info_path = g_build_filename(root, CKPT_EPOCHS_NAME, name, CKPT_INFO_NAME, NULL);
	char *why = NULL;
	ckpt_info info;
	memset(&info, 0, sizeof info);
	int n = 0;
	if (!cr_epoch_complete(root, aside->epoch, &why))
		n = cr_problem(problems, "%s lost epoch %ld, which a crash had set aside in work.old: %s",
			       who, aside->epoch, why);
	else if (ckpt_info_read(&info, info_path) != 0 || g_strcmp0(info.checksum, aside->checksum))
		n = cr_problem(problems,
			       "%s did not restore epoch %ld from work.old: epochs/%s holds another "
			       "model",
			       who, aside->epoch, name);
	ckpt_info_clear(&info);
	g_free(why);
	g_free(info_path);
	g_free(root);
	return n;
}

void cr_aside_clear(cr_aside *aside)
{
	g_free(aside->checksum);
	memset(aside, 0, sizeof *aside);
}
