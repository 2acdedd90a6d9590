/* retention.c: not written yet */
