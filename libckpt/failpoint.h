/* failpoint.h: hooks through which the crash harness stops or fails the
 * N-th file-system change, and the system calls fsops.c makes through them.
 * Compiled to nothing (plain calls) outside CKPT_FAILPOINTS builds. */
#ifndef CKPT_FAILPOINT_H
#define CKPT_FAILPOINT_H

#include <stdbool.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef CKPT_FAILPOINTS
/* Returns 0 to go on, or an errno value the operation must fail with; may
 * end the process instead (a crash before the call). */
int ckpt_failpoint_before(const char *op, const char *path, const char *path2);
/* May end the process (a crash after the call). */
void ckpt_failpoint_after(const char *op, const char *path, const char *path2);
/* write() and fsync() as the current step makes them: really, then failing
 * in the modes that fail after the call (a short write, then an error; an
 * fsync that reached the disk's cache and then reports EIO). */
ssize_t ckpt_failpoint_write(int fd, const void *data, size_t len);
int ckpt_failpoint_fsync(int fd);

/* ---- the harness's side (failpoint.c, failpoint-power.c) --------------- */

/* The exit status of a process that the failpoint crashed; with power loss,
 * CKPT_FAILPOINT_EXIT_UNDO when some changes could not be undone. */
#define CKPT_FAILPOINT_EXIT 77
#define CKPT_FAILPOINT_EXIT_UNDO 78

typedef enum ckpt_failpoint_mode {
	CKPT_FAILPOINT_OFF,          /* hooks do nothing, steps are not counted */
	CKPT_FAILPOINT_COUNT,        /* count (and describe) the steps only */
	CKPT_FAILPOINT_CRASH_BEFORE, /* _exit before step N is made */
	CKPT_FAILPOINT_CRASH_AFTER,  /* _exit just after step N was made */
	CKPT_FAILPOINT_FAIL_EIO,     /* step N is not made and fails with EIO; */
	CKPT_FAILPOINT_FAIL_ENOSPC,  /*   ... ENOSPC; */
	CKPT_FAILPOINT_FAIL_EACCES,  /*   ... EACCES; the program carries on */
	/* The real call is made and then fails, so that the code that handles
	 * a real error runs (a failpoint that fails instead of the call never
	 * reaches it). Only for steps of the kind named; others carry on. */
	CKPT_FAILPOINT_SHORT_EIO,    /* write, append: half the bytes land, then EIO */
	CKPT_FAILPOINT_SHORT_ENOSPC, /* write, append: half the bytes land, then ENOSPC */
	CKPT_FAILPOINT_LATE_EIO,     /* fsync: the real fsync, then EIO (a writeback error) */
} ckpt_failpoint_mode;

enum {
	/* Crashes cut the power too: before _exit, what no fsync made durable is
	 * undone (see failpoint-power.c). Needs a stash directory. */
	CKPT_FAILPOINT_POWER_LOSS = 1 << 0,
	/* Every exchange fails with EINVAL, as on a file system without
	 * renameat2(RENAME_EXCHANGE); not counted as a step. */
	CKPT_FAILPOINT_NO_EXCHANGE = 1 << 1,
};

/* Arms this process: steps are counted from 1 from the next change on, and
 * `mode` acts at step `step`. stash_dir: an empty directory on the run's file
 * system, outside the run, where power-loss mode keeps hard links to what
 * the operation unlinks or renames over (NULL without POWER_LOSS).
 * Returns 0, or -errno when stash_dir cannot be opened. Re-arming forgets
 * everything recorded before. */
int ckpt_failpoint_arm(ckpt_failpoint_mode mode, long step, unsigned flags, const char *stash_dir);
/* Back to CKPT_FAILPOINT_OFF; releases what power-loss mode recorded. */
void ckpt_failpoint_disarm(void);
/* Steps counted since arming. */
long ckpt_failpoint_steps(void);
/* "rename /a/work -> /a/epochs/004" for step 1..steps; borrowed until the
 * next arm, NULL out of range. */
const char *ckpt_failpoint_step_name(long step);
/* True when mode acts on a step named `name` (the after-the-call modes
 * only act on writes, appends or fsyncs). */
bool ckpt_failpoint_mode_applies(ckpt_failpoint_mode mode, const char *name);
/* Crashes now, as an armed crash does (with the power cut when armed with
 * POWER_LOSS): for "the power fails after the operation returned". */
__attribute__((noreturn)) void ckpt_failpoint_crash_now(void);

/* ---- partial power loss ------------------------------------------------
 * A disk may keep any subset of the changes no fsync made durable that is
 * consistent with each directory's and each file's own order (ALICE's
 * model): a change survives only with every earlier change to the same
 * directory or file; a rename or exchange between two directories belongs
 * to both. Subset 0 keeps none of them (the default); the others are the
 * "partial" subsets, neither none nor all. */
typedef struct ckpt_failpoint_cut_report {
	long unsynced; /* changes no fsync made durable at the cut */
	long partial;  /* partial subsets there are (exhaustive), or the budget (sampled) */
	bool sampled;  /* more than the budget: index seeds a random subset */
	long kept;     /* of the unsynced changes, how many the chosen subset kept */
} ckpt_failpoint_cut_report;

/* Which subset the next power cut keeps: index 0 none; 1..partial the
 * partial ones in a fixed order when there are at most `budget` of them,
 * else index seeds a random consistent subset. report (may be NULL; it may
 * live in memory shared with the harness) is filled at the cut. Call after
 * ckpt_failpoint_arm, which resets it. */
void ckpt_failpoint_power_subset(long index, long budget, ckpt_failpoint_cut_report *report);
/* Undoes now what a power cut could undo, as a power-loss crash does before
 * its _exit; returns how many recorded changes could not be undone
 * (normally 0). For tests of the model itself. */
int ckpt_failpoint_power_cut(void);
#else
static inline int ckpt_failpoint_before(const char *op, const char *path, const char *path2)
{
	(void)op, (void)path, (void)path2;
	return 0;
}
static inline void ckpt_failpoint_after(const char *op, const char *path, const char *path2)
{
	(void)op, (void)path, (void)path2;
}
static inline ssize_t ckpt_failpoint_write(int fd, const void *data, size_t len)
{
	return write(fd, data, len);
}
static inline int ckpt_failpoint_fsync(int fd)
{
	return fsync(fd);
}
#endif
#endif
