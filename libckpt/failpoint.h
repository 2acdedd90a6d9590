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
