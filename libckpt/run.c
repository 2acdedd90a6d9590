/* run.c: not written yet */
