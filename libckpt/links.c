/* links.c: not written yet */
