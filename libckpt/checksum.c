/* checksum.c: not written yet */
