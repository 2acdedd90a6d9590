/* scan.c: not written yet */
