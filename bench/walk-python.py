"""walk-python.py: the Python reference for a scan: every epochs/ folder
under DIR (never following links), json.load of each epoch's
ckpt-info.json and os.stat of its model.h5. Prints "runs epochs"."""
import json
import os
import sys


def walk(path, depth, found):
    for entry in os.scandir(path):
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name == "epochs":
            found.append(entry.path)
        elif depth < 6:
            walk(entry.path, depth + 1, found)


def main():
    roots = []
    walk(sys.argv[1], 0, roots)
    epochs = 0
    for root in roots:
        for entry in os.scandir(root):
            with open(os.path.join(entry.path, "ckpt-info.json")) as f:
                json.load(f)
            os.stat(os.path.join(entry.path, "model.h5"))
            epochs += 1
    print(len(roots), epochs)


main()
