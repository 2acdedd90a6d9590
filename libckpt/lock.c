/* lock.c: not written yet */
