#!/bin/sh
# Installs the application for the current user, without root and without network:
#   ./installer.sh            installs into ~/.local/opt/portefeuille-sasn, with a menu entry and the
#                             `portefeuille-sasn` command in ~/.local/bin
#   ./installer.sh --remove   removes them (the portfolios, settings and backups stay where they are)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=${XDG_DATA_HOME:-$HOME/.local/share}
target=$HOME/.local/opt/portefeuille-sasn
bin=$HOME/.local/bin
if [ "${1:-}" = "--remove" ]; then
  rm -rf "$target" "$bin/portefeuille-sasn" "$prefix/applications/portefeuille-sasn.desktop" \
         "$prefix/icons/hicolor/256x256/apps/portefeuille-sasn.png"
  echo "Portefeuille SASN est désinstallé (vos bases et réglages sont conservés)."
  exit 0
fi
if [ "$here" = "$target" ]; then
  echo "Lancez installer.sh depuis le dossier extrait de l'archive, pas depuis l'application installée." >&2
  exit 1
fi
mkdir -p "$target" "$bin" "$prefix/applications" "$prefix/icons/hicolor/256x256/apps"
rm -rf "$target"
cp -R "$here" "$target"
ln -sf "$target/portfolio" "$bin/portefeuille-sasn"
cp "$here/share/icons/portefeuille-sasn.png" "$prefix/icons/hicolor/256x256/apps/portefeuille-sasn.png"
sed "s|^Exec=.*|Exec=\"$target/portfolio\" %f|" "$here/share/applications/portefeuille-sasn.desktop" \
  > "$prefix/applications/portefeuille-sasn.desktop"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database "$prefix/applications" || true
echo "Portefeuille SASN est installé dans $target ; il est dans le menu des applications."
echo "Vérification : $bin/portefeuille-sasn --self-test"
