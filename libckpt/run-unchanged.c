/* run-unchanged.c: telling, without looking inside its epochs, that nobody
 * touched a run since its snapshot: every writer and browser operation
 * renames in epochs/ or in the root, appends to ckpt.log or metrics.jsonl,
 * or takes the lock, so the identities of those files (and of the verify
 * records) say it; a hand's change inside epochs/NNN/ is left to
 * ckpt_run_refresh. */
#include "internal.h"
#include "run-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static bool log_in_root(const ckpt_run *run)
{
	size_t len = strlen(run->root);
	return strncmp(run->log_path, run->root, len) == 0 && run->log_path[len] == '/' &&
	       !strcmp(run->log_path + len + 1, CKPT_LOG_NAME);
}

void run_note_build_start(ckpt_run *run)
{
	clock_gettime(CLOCK_REALTIME_COARSE, &run->built_at);
	run->log_in_root = log_in_root(run);
}

void run_note_settled(ckpt_run *run)
{
	const ckpt_file_sig *sigs[] = {&run->root_sig, &run->epochs_sig,  &run->history_sig,
				       &run->log_sig,  &run->lock_sig,    &run->best_sig,
				       &run->last_sig, &run->records_sig};
	bool settled = true;
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		settled = settled && ckpt_file_sig_settled(sigs[i], &run->built_at);
	__atomic_store_n(&run->settled, settled, __ATOMIC_RELEASE);
}

bool run_level_equal(const ckpt_run *a, const ckpt_run *b)
{
	return ckpt_file_sig_equal(&a->root_sig, &b->root_sig) &&
	       ckpt_file_sig_equal(&a->epochs_sig, &b->epochs_sig) &&
	       ckpt_file_sig_equal(&a->best_sig, &b->best_sig) &&
	       ckpt_file_sig_equal(&a->last_sig, &b->last_sig);
}

/* `fresh` shows what `old` shows from the same files, read long enough
 * after their last change: so was old. The flag is a cache, not part of
 * what the snapshot shows, hence written to a shared snapshot. */
void run_share_settled(ckpt_run *old, const ckpt_run *fresh)
{
	if (__atomic_load_n(&fresh->settled, __ATOMIC_ACQUIRE))
		__atomic_store_n(&old->settled, 1, __ATOMIC_RELEASE);
}

void run_log_sig(ckpt_file_sig *sig, const ckpt_run *run, int dfd, const char *beside_root)
{
	bool beside = dfd >= 0 && run->log_in_root;
	ckpt_file_sig_at(sig, beside ? dfd : AT_FDCWD, beside ? beside_root : run->log_path);
}

static bool same_at(int dfd, const char *name, const ckpt_file_sig *was)
{
	ckpt_file_sig now;
	ckpt_file_sig_at(&now, dfd, name);
	return ckpt_file_sig_equal(&now, was);
}

/* A writer that died changes nothing on disk, yet is no longer live. */
static bool same_holder(const ckpt_run *old)
{
	bool held = false;
	long pid = 0;
	char host[256], since[32];
	if (ckpt_lock_probe(&held, &pid, host, since, old->root) != 0)
		return false;
	bool live = held && !ckpt_lock_holder_gone(pid, host);
	return held == old->has_holder && live == old->live && (!held || pid == old->holder_pid);
}

/* Only after the root's own identity matched: a file of the root that was
 * absent is absent still (creating it would have changed the root). */
static bool same_in_root(int rfd, const char *name, const ckpt_file_sig *was)
{
	return was->err == ENOENT || same_at(rfd, name, was);
}

/* The files of a run's root, looked at by their path below the scanned
 * folder where the root is there (no open and close of the root), else
 * below the root opened. */
typedef struct root_files {
	int dfd;
	bool own_fd;
	char path[4096];
	size_t prefix; /* "rel/" of the root below dfd, or 0 */
} root_files;

static bool open_root_files(root_files *r, const ckpt_run *old, const run_refresh_hint *hint)
{
	size_t len = hint && hint->base_fd >= 0 ? hint->base_len : 0;
	r->own_fd = false;
	r->prefix = 0;
	if (len > 0 && strncmp(old->root, hint->base, len) == 0 && old->root[len] == '/' &&
	    strlen(old->root + len + 1) + 64 < sizeof r->path) {
		const char *rel = old->root + len + 1;
		r->dfd = hint->base_fd;
		r->prefix = strlen(rel) + 1;
		memcpy(r->path, rel, r->prefix - 1);
		r->path[r->prefix - 1] = '/';
		return true;
	}
	r->dfd = open(old->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	r->own_fd = true;
	return r->dfd >= 0;
}

static const char *root_file(root_files *r, const char *name)
{
	if (!r->prefix)
		return name;
	memcpy(r->path + r->prefix, name, strlen(name) + 1);
	return r->path;
}

static void root_sig(ckpt_file_sig *sig, root_files *r)
{
	if (r->own_fd) {
		ckpt_file_sig_fd(sig, r->dfd);
		return;
	}
	r->path[r->prefix - 1] = '\0';
	ckpt_file_sig_at(sig, r->dfd, r->path);
	r->path[r->prefix - 1] = '/';
}

/* best and last need no look of their own: links are never changed in
 * place, only replaced or removed, which changes the root's identity. Nor
 * do metrics.jsonl and a ckpt.log in the root where the snapshot took every
 * metric from the infos and read neither: what is appended there shows
 * nowhere in it, and making, removing or replacing one is a change of the
 * root. */
bool run_level_unchanged(const ckpt_run *old, const run_refresh_hint *hint)
{
	if (!__atomic_load_n(&old->settled, __ATOMIC_ACQUIRE) || old->source_failed)
		return false;
	root_files r;
	if (!open_root_files(&r, old, hint))
		return false;
	ckpt_file_sig sig;
	root_sig(&sig, &r);
	bool same = ckpt_file_sig_equal(&sig, &old->root_sig) &&
		    same_at(r.dfd, root_file(&r, CKPT_EPOCHS_NAME), &old->epochs_sig) &&
		    (old->metrics_from_infos ||
		     same_in_root(r.dfd, root_file(&r, CKPT_HISTORY_NAME), &old->history_sig)) &&
		    same_in_root(r.dfd, root_file(&r, CKPT_LOCK_NAME), &old->lock_sig);
	if (same && !(old->metrics_from_infos && old->log_in_root)) {
		run_log_sig(&sig, old, r.dfd, root_file(&r, CKPT_LOG_NAME));
		same = ckpt_file_sig_equal(&sig, &old->log_sig);
	}
	if (r.own_fd)
		close(r.dfd);
	bool records_absent_still =
	    old->records_sig.err == ENOENT && hint && hint->records_folder_same;
	if (same && !records_absent_still) {
		/* A scan that found the folder absent left the path unmade. */
		char *made = old->records_path ? NULL : ckpt_records_path(old->root);
		const char *path = old->records_path ? old->records_path : made;
		if (path) {
			ckpt_file_sig_at(&sig, AT_FDCWD, path);
			same = ckpt_file_sig_equal(&sig, &old->records_sig);
		}
		free(made);
	}
	return same && (!old->has_holder || same_holder(old));
}

int run_refresh_if_touched(ckpt_run **out, bool *out_changed, ckpt_run *old,
			   const run_refresh_hint *hint, int checked)
{
	bool same = checked == RUN_CHECK_SAME ||
		    (checked == RUN_CHECK_UNKNOWN && old && run_level_unchanged(old, hint));
	if (!out || !old || !same)
		return run_refresh_shallow(out, out_changed, old);
	if (out_changed)
		*out_changed = false;
	*out = ckpt_run_ref(old);
	return 0;
}
