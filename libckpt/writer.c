/* writer.c: not written yet */
