/* rollback.c: not written yet */
