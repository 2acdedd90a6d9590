/* failpoint.h: hooks through which the crash harness stops or fails the
 * N-th file-system change. Compiled to nothing outside CKPT_FAILPOINTS builds. */
#ifndef CKPT_FAILPOINT_H
#define CKPT_FAILPOINT_H

#ifdef CKPT_FAILPOINTS
/* Returns 0 to go on, or an errno value the operation must fail with; may
 * end the process instead (a crash before the call). */
int ckpt_failpoint_before(const char *op, const char *path, const char *path2);
/* May end the process (a crash after the call). */
void ckpt_failpoint_after(const char *op, const char *path, const char *path2);

/* ---- the harness's side (failpoint.c) ---------------------------------- */

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
} ckpt_failpoint_mode;

enum {
	/* Crashes cut the power too: before _exit, what no fsync made durable is
	 * undone (see failpoint.c). Needs a stash directory. */
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
#endif
#endif
