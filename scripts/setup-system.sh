#!/usr/bin/env bash
# Installs the system libraries Qt needs, with apt-get, only when they are missing.
#   scripts/setup-system.sh offscreen   # tests: Qt's offscreen platform
#   scripts/setup-system.sh window      # a real window (xcb), plus Xvfb for machines without a screen
#   scripts/setup-system.sh tests       # offscreen, plus LibreOffice Calc without its interface (the tests open
#                                       # every workbook the application writes in it) and PostgreSQL (team
#                                       # mode's tests start a throw-away server on loopback)
# On a machine without dpkg/apt-get (macOS, Windows, other Linux) it says what it skipped and goes on:
# the PySide6 wheels bring Qt itself, only the platform's own libraries are needed.
set -euo pipefail
mode=${1:-offscreen}
pkgs=(libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3 fonts-dejavu-core)
if [ "$mode" = tests ]; then
  pkgs+=(libreoffice-calc-nogui postgresql)
fi
if [ "$mode" = window ]; then
  pkgs+=(xvfb xauth x11-utils imagemagick libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
         libxcb-render-util0 libxcb-render0 libxcb-shape0 libxcb-util1 libxcb-xkb1 libxkbcommon-x11-0)
fi
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: no dpkg/apt-get here; make sure Qt's system libraries are installed (${pkgs[*]})." >&2
  exit 0
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup-system: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup-system: run as root: apt-get install ${missing[*]}" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
