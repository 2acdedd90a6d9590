/* failpoint.c: not written yet */
