# demo.sh: a narrated transfer over vsock CID 1 for scripts/demo-vsock.sh.
# Every line meant for the viewer starts with "HVVM-DEMO "; the verdict is
# "HVVM-RESULT demo PASS|FAIL".
. /bin/common.sh

say() {
    echo "HVVM-DEMO $*"
}

# show FILE: a tool's stderr lines, indented
show() {
    sed 's/^/HVVM-DEMO     /' "$1"
}

hvvm_demo() {
    local mib=${1:-16} d=/tmp/demo lpid ok=1 sa sb ra rb
    case $mib in '' | *[!0-9]*) mib=16 ;; esac
    mkdir -p $d
    say "guest kernel $(uname -r); vsock_loopback loaded, so CID 1 is this machine"
    say ""
    say "1) a line each way"
    say "   \$ echo 'hello from hvlisten' | hvlisten -v 0      (0: any free port)"
    echo 'hello from hvlisten' |
        timeout 60 hvlisten -v 0 >$d/l.out 2>$d/l.err &
    lpid=$!
    if ! wait_listen $d/l.err $lpid; then
        show $d/l.err
        echo "HVVM-RESULT demo FAIL: hvlisten never said Listening on"
        return
    fi
    say "   \$ echo 'hello from hvcat' | hvcat -v 1 $PORT"
    echo 'hello from hvcat' | timeout 60 hvcat -v 1 "$PORT" >$d/c.out 2>$d/c.err
    wait $lpid
    say "   hvlisten said:"
    show $d/l.err
    say "   hvcat said:"
    show $d/c.err
    say "   hvcat printed:    $(cat $d/c.out)"
    say "   hvlisten printed: $(cat $d/l.out)"
    [ "$(cat $d/c.out)" = "hello from hvlisten" ] || ok=0
    [ "$(cat $d/l.out)" = "hello from hvcat" ] || ok=0

    say ""
    say "2) $mib MiB of random data each way at once"
    mkdata $d/a "$mib"
    mkdata $d/b "$mib"
    say "   \$ hvlisten -v 0 <a.bin >from-hvcat.bin &"
    say "   \$ hvcat -v 1 PORT <b.bin >from-hvlisten.bin"
    timeout 300 hvlisten -v 0 <$d/a >$d/l.bin 2>$d/l2.err &
    lpid=$!
    if ! wait_listen $d/l2.err $lpid; then
        show $d/l2.err
        echo "HVVM-RESULT demo FAIL: hvlisten never said Listening on"
        return
    fi
    timeout 300 hvcat -v 1 "$PORT" <$d/b >$d/c.bin 2>$d/c2.err
    wait $lpid
    show $d/l2.err
    show $d/c2.err
    sa=$(sum256 $d/a); sb=$(sum256 $d/b)
    ra=$(sum256 $d/c.bin); rb=$(sum256 $d/l.bin)
    say "   sha256 a.bin (hvlisten sent)      $sa"
    say "   sha256 from-hvlisten.bin (hvcat)  $ra"
    say "   sha256 b.bin (hvcat sent)         $sb"
    say "   sha256 from-hvcat.bin (hvlisten)  $rb"
    if [ "$sa" = "$ra" ] && [ "$sb" = "$rb" ]; then
        say "   both directions match"
    else
        say "   MISMATCH"
        ok=0
    fi
    rm -rf $d
    if [ $ok = 1 ]; then
        echo "HVVM-RESULT demo PASS"
    else
        echo "HVVM-RESULT demo FAIL: data differs"
    fi
}
