# common.sh: helpers for the guest scripts (busybox ash). Every wait has a
# deadline; nothing relies on a bare sleep for readiness.

# Seconds a tool may run before it counts as hung (TCG is slow): small
# cases, and the 64 MiB transfer.
HVVM_T=120
HVVM_T_BIG=600

# Centiseconds since boot.
now_cs() {
    awk '{ printf "%d\n", $1 * 100 }' /proc/uptime
}

# secs_since T0: elapsed seconds (two decimals) since now_cs printed T0.
secs_since() {
    awk -v a="$1" -v b="$(now_cs)" 'BEGIN { printf "%.2f\n", (b - a) / 100 }'
}

# mibps BYTES T0: MiB/s since T0.
mibps() {
    awk -v n="$1" -v a="$2" -v b="$(now_cs)" \
        'BEGIN { d = (b - a) / 100; if (d <= 0) d = 0.01; printf "%.1f\n", n / 1048576 / d }'
}

# mkdata FILE MIB: MIB MiB of random bytes (busybox head takes no "M").
mkdata() {
    head -c $(($2 * 1048576)) /dev/urandom >"$1"
}

fsize() {
    stat -c %s "$1" 2>/dev/null || echo 0
}

sum256() {
    sha256sum <"$1" | cut -d' ' -f1
}

# uptime_s: whole seconds since boot, without a fork.
uptime_s() {
    local up rest
    read -r up rest </proc/uptime
    echo "${up%.*}"
}

# wait_line FILE PATTERN SECS [PID]: until a line of FILE matches the
# (grep -E) PATTERN; gives up after SECS or when PID is gone. Prints it.
wait_line() {
    local f=$1 pat=$2 end=$(($(uptime_s) + $3)) pid=$4 line
    while :; do
        line=$(grep -E -m 1 "$pat" "$f" 2>/dev/null)
        if [ -n "$line" ]; then
            echo "$line"
            return 0
        fi
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            return 1
        fi
        [ "$(uptime_s)" -lt $end ] || return 1
        sleep 0.05
    done
}

# wait_listen ERRFILE [PID]: wait for hvlisten -v's "Listening on" line
# and set PORT from it.
wait_listen() {
    local line
    line=$(wait_line "$1" '^hvlisten: Listening on vsock:' 60 "$2") || return 1
    PORT=${line##*:}
    case $PORT in
    '' | *[!0-9]*) return 1 ;;
    esac
}

# wait_size FILE BYTES SECS: until FILE holds at least BYTES bytes.
wait_size() {
    local end=$(($(uptime_s) + $3))
    while [ "$(fsize "$1")" -lt "$2" ]; do
        [ "$(uptime_s)" -lt $end ] || return 1
        sleep 0.05
    done
}

# wait_file FILE SECS: until FILE is there and not empty. No fork but the
# sleep: the gone-peer cases time things to a second beside this loop.
wait_file() {
    local up rest end
    read -r up rest </proc/uptime
    end=$((${up%.*} + $2))
    while [ ! -s "$1" ]; do
        read -r up rest </proc/uptime
        [ "${up%.*}" -lt $end ] || return 1
        sleep 0.05
    done
}

# stampto FILE: /proc/uptime's seconds (two decimals) into FILE, no fork.
stampto() {
    local up rest
    read -r up rest </proc/uptime
    echo "$up" >"$1"
}

# secs_between A B: B - A, of two such stamps (two decimals).
secs_between() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", b - a }'
}

# at_most SECS EL: whether EL (seconds) <= SECS.
at_most() {
    awk -v m="$1" -v e="$2" 'BEGIN { exit !(e <= m) }'
}
