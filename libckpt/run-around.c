/* run-around.c: what a run snapshot sees beside its epochs, all relative to
 * the root opened once: the best and last links, leftovers of a crash or of
 * a foreign hand in the root, and the writer that holds the lock. */
#include "internal.h"
#include "run-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- best and last ---------------------------------------------------------- */

/* The link `name` (lstat'ed into *sig first, for a list refresh to compare):
 * the form libckpt writes ("epochs/NNN", NNN listed in this snapshot) is
 * settled with one readlinkat; every other form, rare, by ckpt_link_resolve. */
static ckpt_link_state read_link(ckpt_run *run, int rfd, const char *name, ckpt_file_sig *sig,
				 long *out_epoch)
{
	*out_epoch = 0;
	ckpt_file_sig_at(sig, rfd, name);
	if (sig->err == ENOENT)
		return CKPT_LINK_MISSING;
	char target[PATH_MAX];
	ssize_t len = sig->err == 0 && S_ISLNK(sig->mode)
			  ? readlinkat(rfd, name, target, sizeof target - 1)
			  : -1;
	long epoch;
	bool epochs_real = run->epochs_sig.err == 0 && S_ISDIR(run->epochs_sig.mode);
	if (len > (ssize_t)sizeof CKPT_EPOCHS_NAME && epochs_real) {
		target[len] = '\0';
		if (strncmp(target, CKPT_EPOCHS_NAME "/", sizeof CKPT_EPOCHS_NAME) == 0 &&
		    ckpt_epoch_dir_parse(target + sizeof CKPT_EPOCHS_NAME, &epoch) &&
		    ckpt_run_find_epoch(run, epoch)) {
			*out_epoch = epoch;
			return CKPT_LINK_OK;
		}
	}
	return ckpt_link_resolve(run->root, name, out_epoch);
}

/* ---- the writer --------------------------------------------------------------- */

/* The lock's holder, when one holds it: a writer is live unless it is known
 * to have exited (same host, no such pid: a worker it forked keeps the lock).
 * An unreadable lock file hides no writer we could name: not an error. */
void run_read_holder(ckpt_run *run)
{
	bool held = false;
	long pid = 0;
	run->has_holder = run->live = false;
	run->holder_pid = 0;
	if (ckpt_lock_probe(&held, &pid, run->holder_host, run->holder_since, run->root) != 0 ||
	    !held)
		return;
	run->has_holder = true;
	run->holder_pid = pid;
	run->live = !ckpt_lock_holder_gone(pid, run->holder_host);
}

/* ---- the root's own entries ------------------------------------------------------ */

/* One readdir of the root: whether work/, work.old and ckpt.lock are there,
 * and the first leftover that is a problem (a staging folder that could not
 * be removed, or a work.old this run did not set aside). */
static int read_root_entries(ckpt_run *run, int rfd, bool *out_lock)
{
	*out_lock = false;
	ckpt_dir_reader dir; /* a root open only to search (O_PATH) lists nothing */
	ckpt_dir_reader_init(&dir, rfd);
	const ckpt_dir_entry *entry;
	int rc = 0;
	while (rc == 0 && (entry = ckpt_dir_next(&dir)) != NULL) {
		const char *name = entry->name;
		if (!strcmp(name, CKPT_WORK_NAME) || !strcmp(name, CKPT_WORK_NAME ".old"))
			run->work_present = true;
		if (!strcmp(name, CKPT_LOCK_NAME))
			*out_lock = true;
		bool unremovable = ckpt_is_unremovable_name(name);
		if (!unremovable && !ckpt_is_unrecognized_name(name))
			continue;
		char text[400];
		snprintf(text, sizeof text, "%s: %s", name,
			 unremovable ? "a staging folder that could not be removed (clean tries "
				       "again)"
				     : "a work.old this run did not set aside, or not a whole "
				       "epoch: not used; remove it by hand if it is not needed");
		rc = run_set_problem(run, text);
	}
	return rc;
}

int run_read_around(ckpt_run *run, int rfd)
{
	run->best_state = read_link(run, rfd, CKPT_BEST_NAME, &run->best_sig, &run->best);
	run->last_state = read_link(run, rfd, CKPT_LAST_NAME, &run->last_sig, &run->last);
	bool lock = false;
	int rc = read_root_entries(run, rfd, &lock);
	if (rc)
		return rc;
	/* The lock file's identity before asking who holds it. */
	if (lock)
		ckpt_file_sig_at(&run->lock_sig, rfd, CKPT_LOCK_NAME);
	else
		run->lock_sig = (ckpt_file_sig){.err = ENOENT};
	if (run->lock_sig.err == 0)
		run_read_holder(run);
	/* A live writer's staging dir is its work in progress, not a leftover. */
	run->work_leftover = run->work_present && !run->live;
	return 0;
}
