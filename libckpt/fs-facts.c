/* fs-facts.c: facts about the file system under a run that every front end
 * asks before it acts or watches: can this process change the run, and do
 * change notifications there see every write. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <sys/vfs.h>
#include <unistd.h>

int ckpt_run_check_writable(const ckpt_run *run)
{
	if (!run)
		return ckpt_fail(CKPT_EINVAL, "ckpt_run_check_writable: no run");
	const char *root = ckpt_run_root(run);
	struct statvfs vfs;
	if (statvfs(root, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return ckpt_fail(CKPT_EIO, "%s: the file system is mounted read-only", root);
	/* The effective ids, as the calls that would change the run use them. */
	if (faccessat(AT_FDCWD, root, W_OK | X_OK, AT_EACCESS) != 0)
		return ckpt_fail(CKPT_EIO, "%s: not writable for this user: %s", root, strerror(errno));
	int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return ckpt_fail(CKPT_EIO, "%s: %s", root, strerror(errno));
	int rc = CKPT_OK;
	if (faccessat(dir, "epochs", W_OK | X_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW) != 0 &&
	    errno != ENOENT)
		rc = ckpt_fail(CKPT_EIO, "%s/epochs: not writable for this user: %s", root,
			       strerror(errno));
	close(dir);
	return rc;
}

bool ckpt_path_change_events_reliable(const char *path)
{
	/* File systems whose events do not report other machines' writes. */
	static const unsigned long remote[] = {
	    0x6969,     /* NFS */
	    0x517B,     /* SMB */
	    0xFF534D42, /* CIFS */
	    0xFE534D42, /* SMB2 */
	    0x0BD00BD0, /* Lustre */
	    0x47504653, /* GPFS */
	    0x65735546, /* FUSE */
	    0x00C36400, /* Ceph */
	    0x5346414F, /* AFS */
	    0x01021997, /* 9p */
	    0x19830326, /* BeeGFS */
	    0xAAD7AAEA, /* PanFS */
	};
	struct statfs st;
	if (!path || statfs(path, &st) != 0)
		return false;
	for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
		if ((unsigned long)(unsigned)st.f_type == remote[i])
			return false;
	return true;
}
