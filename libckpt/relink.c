/* relink.c: not written yet */
