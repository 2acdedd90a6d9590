/* settings.c: not written yet */
