# wine-env.sh: Wine settings for running the Windows build's tests. Source
# it (bash) with HV_WINE_BUILD set to the build directory (default: the
# current directory); it makes a fresh prefix there and stops Wine on exit.
#
#   HV_WINE_BUILD=build-win . tests/wine-env.sh && ctest --test-dir build-win
#
# Settings: a fresh WINEPREFIX (no state from earlier runs), WINEDEBUG=-all
# (Wine's own chatter would land in the stderr the tests compare),
# no Mono/Gecko installer and no debugger pop-up, and a UTF-8 locale, so
# that command lines and console output are UTF-8 like on Linux.

: "${HV_WINE_BUILD:=$PWD}"
WINEPREFIX="$(cd "$HV_WINE_BUILD" && pwd)/wineprefix"
WINEDEBUG=-all
WINEDLLOVERRIDES="mscoree,mshtml=;winedbg.exe=d"
LANG=C.UTF-8
LC_ALL=C.UTF-8
export WINEPREFIX WINEDEBUG WINEDLLOVERRIDES LANG LC_ALL
unset WINEARCH DISPLAY WAYLAND_DISPLAY

rm -rf "$WINEPREFIX"
mkdir -p "$WINEPREFIX"

hv_wine_stop() {
    wineserver -k >/dev/null 2>&1 || true
}
trap hv_wine_stop EXIT

# a persistent server: each test's wine process then starts in milliseconds
wineserver -p
if ! wineboot -i >/dev/null 2>&1; then
    echo "wine-env.sh: wineboot -i failed in $WINEPREFIX" >&2
    return 1 2>/dev/null || exit 1
fi
