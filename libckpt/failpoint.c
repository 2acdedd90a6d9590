/* failpoint.c: the crash harness's step counter behind fsops.c's hooks: it
 * crashes before or after the N-th change, fails it instead of making it, or
 * makes the real call and then fails it (a short write, a late fsync error).
 * The power-loss model is failpoint-power.c's. Only in libckpt_faulty
 * (CKPT_FAILPOINTS builds); one armed operation per process, not
 * thread-safe (the harness forks for each). */
#include "internal.h"
#include "failpoint-model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	ckpt_failpoint_mode mode;
	long target;
	unsigned flags;
	long steps;
	char **names; /* of the steps, as long as memory lasted */
	size_t n_names, cap_names;
	/* The current step is the target of an after-the-call mode: */
	bool late;
	bool late_wrote; /* ...and its short write has been made */
} fp;

static void name_step(long step, const char *op, const char *path, const char *path2)
{
	if ((size_t)step != fp.n_names + 1)
		return;
	if (fp.n_names == fp.cap_names) {
		size_t cap = fp.cap_names ? fp.cap_names * 2 : 64;
		char **grown = realloc(fp.names, cap * sizeof *grown);
		if (!grown)
			return;
		fp.names = grown;
		fp.cap_names = cap;
	}
	fp.names[fp.n_names++] =
	    path2 ? ckpt_sprintf("%s %s -> %s", op, path, path2) : ckpt_sprintf("%s %s", op, path);
}

static bool op_is(const char *name, const char *op)
{
	size_t len = strlen(op);
	return name && strncmp(name, op, len) == 0 && (name[len] == ' ' || name[len] == '\0');
}

bool ckpt_failpoint_mode_applies(ckpt_failpoint_mode mode, const char *name)
{
	switch (mode) {
	case CKPT_FAILPOINT_SHORT_EIO:
	case CKPT_FAILPOINT_SHORT_ENOSPC: return op_is(name, "write") || op_is(name, "append");
	case CKPT_FAILPOINT_LATE_EIO: return op_is(name, "fsync");
	default: return true;
	}
}

void ckpt_failpoint_crash_now(void)
{
	if (fp_model_on() && fp_model_cut() != 0)
		_exit(CKPT_FAILPOINT_EXIT_UNDO);
	_exit(CKPT_FAILPOINT_EXIT);
}

int ckpt_failpoint_before(const char *op, const char *path, const char *path2)
{
	if (fp.mode == CKPT_FAILPOINT_OFF)
		return 0;
	if ((fp.flags & CKPT_FAILPOINT_NO_EXCHANGE) && !strcmp(op, "exchange"))
		return EINVAL;
	fp_model_drop_pending();
	fp.late = fp.late_wrote = false;
	long step = ++fp.steps;
	name_step(step, op, path, path2);
	if (step == fp.target) {
		switch (fp.mode) {
		case CKPT_FAILPOINT_CRASH_BEFORE: ckpt_failpoint_crash_now(); break;
		case CKPT_FAILPOINT_FAIL_EIO: return EIO;
		case CKPT_FAILPOINT_FAIL_ENOSPC: return ENOSPC;
		case CKPT_FAILPOINT_FAIL_EACCES: return EACCES;
		case CKPT_FAILPOINT_SHORT_EIO:
		case CKPT_FAILPOINT_SHORT_ENOSPC:
		case CKPT_FAILPOINT_LATE_EIO:
			fp.late = ckpt_failpoint_mode_applies(fp.mode, op);
			break;
		default: break;
		}
	}
	if (fp_model_on())
		fp_model_before(op, path, path2);
	return 0;
}

void ckpt_failpoint_after(const char *op, const char *path, const char *path2)
{
	(void)path2;
	if (fp.mode == CKPT_FAILPOINT_OFF)
		return;
	fp.late = false;
	if (fp_model_on())
		fp_model_after(op, path);
	if (fp.mode == CKPT_FAILPOINT_CRASH_AFTER && fp.steps == fp.target)
		ckpt_failpoint_crash_now();
}

/* Half of the first write lands (nothing when there is less than two
 * bytes); the next fails, as when the disk fills up in the middle. */
ssize_t ckpt_failpoint_write(int fd, const void *data, size_t len)
{
	if (!fp.late || fp.mode == CKPT_FAILPOINT_LATE_EIO)
		return write(fd, data, len);
	if (!fp.late_wrote && len >= 2) {
		fp.late_wrote = true;
		return write(fd, data, len / 2);
	}
	errno = fp.mode == CKPT_FAILPOINT_SHORT_ENOSPC ? ENOSPC : EIO;
	return -1;
}

/* The data reaches the disk's cache and writeback fails: the model does not
 * count it as durable (the after hook never runs for a failed step). */
int ckpt_failpoint_fsync(int fd)
{
	int rc = fsync(fd);
	if (rc == 0 && fp.late && fp.mode == CKPT_FAILPOINT_LATE_EIO) {
		errno = EIO;
		return -1;
	}
	return rc;
}

void ckpt_failpoint_disarm(void)
{
	for (size_t i = 0; i < fp.n_names; i++)
		free(fp.names[i]);
	free(fp.names);
	memset(&fp, 0, sizeof fp);
	fp_model_reset(NULL);
}

int ckpt_failpoint_arm(ckpt_failpoint_mode mode, long step, unsigned flags, const char *stash_dir)
{
	ckpt_failpoint_disarm();
	if (flags & CKPT_FAILPOINT_POWER_LOSS) {
		if (!stash_dir)
			return -EINVAL;
		int rc = fp_model_reset(stash_dir);
		if (rc)
			return rc;
	}
	fp.mode = mode;
	fp.target = step;
	fp.flags = flags;
	return 0;
}

long ckpt_failpoint_steps(void)
{
	return fp.steps;
}

const char *ckpt_failpoint_step_name(long step)
{
	if (step < 1 || (size_t)step > fp.n_names)
		return NULL;
	return fp.names[step - 1];
}

int ckpt_failpoint_power_cut(void)
{
	return fp_model_cut();
}
