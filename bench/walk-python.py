"""walk-python.py: the Python references for a scan, json.load of each
epoch's ckpt-info.json and os.stat of its model.h5, never following links.
Prints "runs epochs".

  walk-python.py DIR            os.walk over every folder under DIR, as a
                                researcher's script finds every info (it
                                lists each epoch's folder too)
  walk-python.py --scandir DIR  the leanest walk Python has: os.scandir
                                down to each epochs/ folder, whose entries
                                are taken as epochs unlisted"""
import json
import os
import sys


def walk_everything(top):
    runs = epochs = 0
    for folder, subfolders, files in os.walk(top):
        if os.path.basename(folder) == "epochs":
            runs += 1
        if "ckpt-info.json" in files:
            with open(os.path.join(folder, "ckpt-info.json")) as f:
                json.load(f)
            os.stat(os.path.join(folder, "model.h5"))
            epochs += 1
    return runs, epochs


def find_epochs_folders(path, depth, found):
    for entry in os.scandir(path):
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name == "epochs":
            found.append(entry.path)
        elif depth < 6:
            find_epochs_folders(entry.path, depth + 1, found)


def walk_lean(top):
    roots = []
    find_epochs_folders(top, 0, roots)
    epochs = 0
    for root in roots:
        for entry in os.scandir(root):
            with open(os.path.join(entry.path, "ckpt-info.json")) as f:
                json.load(f)
            os.stat(os.path.join(entry.path, "model.h5"))
            epochs += 1
    return len(roots), epochs


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--scandir":
        runs, epochs = walk_lean(sys.argv[2])
    elif len(sys.argv) == 2:
        runs, epochs = walk_everything(sys.argv[1])
    else:
        sys.exit("usage: walk-python.py [--scandir] DIR")
    print(runs, epochs)


main()
