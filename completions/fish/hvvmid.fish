# fish completion for hvvmid (hvsock-tools); see hvvmid(1) and hvsock(7).

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
complete -c hvvmid -f
complete -c hvvmid -s k -l list-keywords -d 'list the VM-id keywords'
complete -c hvvmid -s l -l list -d 'list the VMs of this Windows host'
complete -c hvvmid -s s -l self -d 'the id of the VM this system runs in'
complete -c hvvmid -l wsl -d 'the id of the running WSL2 VM'
complete -c hvvmid -l kvp-file -r -F -d 'with --self: read this KVP pool file'
complete -c hvvmid -s j -l json -d 'JSON output for -k, -l and -s'
complete -c hvvmid -s v -l verbose -d 'more detail'
complete -c hvvmid -s h -l help -d 'print help and exit'
complete -c hvvmid -s V -l version -d 'print the version and exit'
complete -c hvvmid -n 'test (__hvsock_nargs) -eq 0' -a '(__hvsock_vms)'
