/* logfile.c: not written yet */
