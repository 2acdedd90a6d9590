"""verify-original.py: the Python original's checksum of one model, timed, for
bench-verify: CANDLE's ckpt_utils sums a model with zlib.crc32 over 10 MiB
reads. Prints "<crc> <seconds>" (seconds of the loop alone, without the
interpreter's start).

Usage: /usr/bin/python3 verify-original.py MODEL
"""

import sys
import time
import zlib

CHUNK_BYTES = 10 * 1024 * 1024


def checksum_file(path):
    crc = 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(CHUNK_BYTES)
            if not chunk:
                break
            crc = zlib.crc32(chunk, crc)
    return crc


def main():
    start = time.perf_counter()
    crc = checksum_file(sys.argv[1])
    print(crc, "%.6f" % (time.perf_counter() - start))


if __name__ == "__main__":
    main()
