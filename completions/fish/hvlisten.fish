# fish completion for hvlisten (hvsock-tools); see hvlisten(1) and hvsock(7).

# Operands before the cursor (option arguments are not operands).
function __hvsock_nargs
    set -l n 0
    set -l skip 0
    for w in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -e --exec -w --timeout --kvp-file -p --port -F --format -o --output
                set skip 1
            case '-*'
            case '*'
                set n (math $n + 1)
        end
    end
    echo $n
end

# VM keywords (hv_keywords[] in lib/keywords.c), then VM names from
# `hvvmid --list` where that works (a Windows host); errors stay silent.
function __hvsock_vms
    printf '%s\t%s\n' any 'alias of wildcard' broadcast 'all partitions' \
        children 'the VMs of this host (listen)' host 'alias of parent' \
        local 'alias of loopback' loopback 'this partition itself' \
        parent 'the host of this VM' silohost "a hosted silo's host" \
        wildcard 'every partition (listen)'
    command -q hvvmid; or return 0
    set -l out (hvvmid --list 2>/dev/null); or return 0
    for line in $out[2..-1]
        string replace -r '^\S+\s+\S+\s+\S+\s+\S+\s+' '' -- $line | string replace -r '$' '\tVM'
    end
end

# Registered service names from `hvreg list` (Windows); errors stay silent.
function __hvsock_services
    command -q hvreg; or return 0
    set -l out (hvreg list 2>/dev/null); or return 0
    for line in $out
        string match -q -r '^GUID\s' -- $line; and continue
        string replace -r '^\S+\s+\S+\s+' '' -- $line | string replace -r '$' '\tservice'
    end
end

function __hvsock_tcp
    string match -q -r -- '^(--tcp|-[a-zA-Z]*t[a-zA-Z]*)$' (commandline -opc)
end
complete -c hvlisten -f
complete -c hvlisten -s d -l no-stdin -d 'do not read stdin (receive only)'
complete -c hvlisten -s e -l exec -x -a '(__fish_complete_command)' -d 'run CMD for each connection, as its stdin/stdout'
complete -c hvlisten -s k -l keep-open -d 'accept the next connection after one ends'
complete -c hvlisten -l no-shutdown -d 'do not half-close after EOF on stdin'
complete -c hvlisten -s t -l tcp -d 'use TCP: [ADDRESS] PORT'
complete -c hvlisten -s v -l verbose -d 'report listening and connections on stderr'
complete -c hvlisten -s h -l help -d 'print help and exit'
complete -c hvlisten -s V -l version -d 'print the version and exit'
complete -c hvlisten -n 'test (__hvsock_nargs) -eq 0; and not __hvsock_tcp' -a '(__hvsock_vms; __hvsock_services)'
complete -c hvlisten -n 'test (__hvsock_nargs) -eq 1; and not __hvsock_tcp' -a '(__hvsock_services)'
