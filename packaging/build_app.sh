#!/usr/bin/env bash
# Build gdviz as a one-folder app in dist/gdviz/ with PyInstaller, then smoke-test it.
#
#   packaging/build_app.sh                  # uses $PYTHON, else python3
#   PYTHON=.venv/bin/python packaging/build_app.sh
#   SMOKE=0 packaging/build_app.sh          # skip the smoke test
#
# Needs gdviz's dependencies and PyInstaller in that Python:
#   $PYTHON -m pip install -e . pyinstaller
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

if ! "$PYTHON" -m PyInstaller --version >/dev/null 2>&1; then
    echo "build_app.sh: PyInstaller is not installed in $PYTHON; run: $PYTHON -m pip install pyinstaller" >&2
    exit 1
fi

start=$(date +%s)
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/gdviz.spec
end=$(date +%s)
echo "built dist/gdviz/ in $((end - start)) s: $(du -sh dist/gdviz | cut -f1)" \
     "($(find dist/gdviz -type f | wc -l) files)"

if [ "${SMOKE:-1}" != 0 ]; then
    # Run the built app from an empty folder, so nothing can come from the source tree.
    app="$PWD/dist/gdviz/gdviz"
    export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cd "$tmp"
    "$app" --version
    last=$("$app" train --headless --epochs 1 --json | tail -n 1)
    echo "smoke test: $last"
    case "$last" in
        *'"event": "done"'*) ;;
        *) echo "build_app.sh: the built app did not finish 'train --headless'" >&2; exit 1 ;;
    esac
    "$app" screenshot --steps 200 --out "$tmp/app.png" >/dev/null
    echo "smoke test: screenshot of the window, $(du -h "$tmp/app.png" | cut -f1)"
fi
