#!/usr/bin/env bash
# Installs the system packages the application and its tests need, with apt-get, only those missing.
#   scripts/setup-system.sh offscreen   # Qt's offscreen platform (the libraries PySide6's wheels do not bring)
#   scripts/setup-system.sh window      # a real window (xcb), plus Xvfb for machines without a screen (make run)
#   scripts/setup-system.sh bundle      # offscreen, plus what PyInstaller needs: objdump (binutils) and the
#                                       # interpreter's shared library (libpython3.X) (make bundle)
#   scripts/setup-system.sh tests       # bundle, plus LibreOffice Calc without its interface (the tests open every
#                                       # workbook the application writes in it) and PostgreSQL (team mode's
#                                       # tests start a throw-away server on loopback) (make test)
# It says what it installs and how much it downloads, one line a step, without apt's own noise. As a user who
# may not install packages (no root, no sudo rights), it stops with the exact apt-get line to give an
# administrator. On a machine without dpkg/apt-get (macOS, Windows, other Linux) it says what it skipped and goes
# on: the PySide6 wheels bring Qt itself, only the platform's own libraries are needed.
# PYTHON names the interpreter the virtual environment is made from (default python3): its shared library is the
# one the bundle needs.
set -euo pipefail
mode=${1:-offscreen}
python=${PYTHON:-python3}
here=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "setup-system: $*" >&2; }

qt=(libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core)
window=(xvfb xauth x11-utils imagemagick libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
        libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0)
build=no
case $mode in
  offscreen) pkgs=("${qt[@]}"); what="Qt's system libraries";;
  window) pkgs=("${qt[@]}" "${window[@]}"); what="Qt's system libraries and Xvfb, for the window";;
  bundle) pkgs=("${qt[@]}"); build=yes; what="Qt's system libraries and the bundle's build tools";;
  tests) pkgs=("${qt[@]}" libreoffice-calc-nogui postgresql); build=yes
         what="Qt's system libraries, LibreOffice Calc, PostgreSQL and the bundle's build tools, for the tests";;
  *) say "unknown mode '$mode' (offscreen, window, bundle or tests)"; exit 2;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "no dpkg/apt-get here; make sure these are installed: ${pkgs[*]}"
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The bundle's build tools are looked for as files (any package may bring them), then named as packages.
libpython=""
if [ $build = yes ] && command -v "$python" >/dev/null 2>&1; then
  for item in $("$python" "$here/installer/build_tools.py"); do
    case $item in
      objdump) missing+=(binutils);;
      *) libpython=$item;;
    esac
  done
fi
[ ${#missing[@]} -eq 0 ] && [ -z "$libpython" ] && exit 0

sudo=""
can_install=yes
if [ "$(id -u)" -ne 0 ]; then
  # sudo without a password, or with a terminal to type it in; else the exact line for an administrator
  if command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then sudo="sudo"
  else can_install=no; fi
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/setup-system.XXXXXX")
trap 'rm -f "$log"' EXIT
quietly() {  # apt's output kept aside, shown only when it fails
  if ! "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    say "failed: $* (apt's last lines are above)"
    exit 1
  fi
}
updated=no
update() {
  say "reading the package lists (apt-get update)…"
  quietly $sudo apt-get update -qq
  updated=yes
}

if [ -n "$libpython" ]; then
  # the interpreter's shared library: its package is named after the version (libpython3.11 on Debian 12,
  # libpython3.12t64 on Ubuntu 24.04), and only Debian's own interpreter has one
  interpreter=$(readlink -f "$(command -v "$python")")
  if ! dpkg-query -S "$interpreter" >/dev/null 2>&1; then
    say "$interpreter has no shared library ($libpython), which the bundle needs: use a Python built with"
    say "--enable-shared (Debian's python3 is); without it the bundle's build stops and says so."
  else
    version=$("$python" -c 'import sys; print(f"{sys.version_info.major}.{sys.version_info.minor}")')
    known() { for c in "libpython${version}t64" "libpython${version}"; do
                apt-cache show "$c" >/dev/null 2>&1 && { echo "$c"; return; }; done; }
    package=$(known)
    if [ -z "$package" ] && [ $can_install = yes ]; then update; package=$(known); fi
    missing+=("${package:-libpython$version}")
  fi
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ $can_install = no ]; then
  say "these system packages are missing and this user cannot install them (not root, no sudo rights):"
  say "  ${missing[*]}"
  say "ask an administrator to run:  sudo apt-get install --no-install-recommends ${missing[*]}"
  say "then run the same make command again."
  exit 1
fi
[ $updated = yes ] || update
# the download's size, from apt's own list of what it would fetch
bytes=$($sudo apt-get install -qq --print-uris --no-install-recommends "${missing[@]}" 2>/dev/null \
        | { grep "^'" || true; } | awk '{total += $3} END {print total + 0}')
say "installing $what: ${#missing[@]} packages and what they need, about $(( (bytes + 500000) / 1000000 )) MB to download…"
started=$(date +%s)
quietly $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
say "installed in $(( $(date +%s) - started )) s."
