#!/bin/bash
# Installs the Debian 12 packages ckpt needs (only those missing; apt-get runs
# through sudo when not root), then configures build/ once and builds it.
# Usage: tools/bootstrap.sh [MESON_OPTION...]   (from anywhere; builds in <repo>/build)
#   options such as -Dwerror=true go to meson setup, or to meson configure when
#   build/ exists already
set -euo pipefail
cd "$(dirname "$0")/.."

# Build tools, the engine's libraries (ISA-L computes CRC-32), GLib for the
# tests, ncurses for the dashboard and tmux to drive it in its tests, GTK 4 and
# libadwaita for the desktop app
# (librsvg2-common loads its SVG icons; xvfb, xauth and dbus-daemon run its UI
# tests in xvfb-run and dbus-run-session; desktop-file-utils and appstream
# validate its desktop file and metainfo), python3 for the interop test, tar
# for unpacking the fixtures, locales for the de_DE sources the locale tests
# compile with localedef, clang and its runtime for the libFuzzer harnesses;
# PyTorch and NumPy for the Python package's trainer tests (python/tests); the
# openssl program for bench-verify's sha256 reference.
packages=(meson ninja-build pkg-config gcc libcjson-dev libssl-dev zlib1g-dev
  libisal-dev openssl
  libglib2.0-dev libncurses-dev tmux libgtk-4-dev libadwaita-1-dev librsvg2-common
  xvfb xauth dbus-daemon desktop-file-utils appstream
  python3 tar locales clang libclang-rt-14-dev python3-torch python3-numpy)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "bootstrap: run as root or install sudo" >&2; exit 1; }
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

if [ -f build/build.ninja ]; then
  [ $# -eq 0 ] || meson configure build "$@"
else
  meson setup build "$@"
fi
ninja -C build
