# fish completion for hvreg (hvsock-tools); see hvreg(8) and hvsock(7).

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
set -l cmds list add remove show export
complete -c hvreg -f
complete -c hvreg -s h -l help -d 'print help and exit'
complete -c hvreg -s V -l version -d 'print the version and exit'
complete -c hvreg -n "not __fish_seen_subcommand_from $cmds" -a list -d 'list registered services'
complete -c hvreg -n "not __fish_seen_subcommand_from $cmds" -a add -d 'register a service'
complete -c hvreg -n "not __fish_seen_subcommand_from $cmds" -a remove -d 'remove a registration'
complete -c hvreg -n "not __fish_seen_subcommand_from $cmds" -a show -d 'show one registration'
complete -c hvreg -n "not __fish_seen_subcommand_from $cmds" -a export -d 'write a .reg, .ps1 or .cmd script'
complete -c hvreg -n '__fish_seen_subcommand_from list show' -s j -l json -d 'JSON output'
complete -c hvreg -n '__fish_seen_subcommand_from add remove' -s f -l force -d 'replace a name; touch built-in entries'
complete -c hvreg -n '__fish_seen_subcommand_from add remove show export' -s p -l port -x -d 'the template GUID of this vsock port'
complete -c hvreg -n '__fish_seen_subcommand_from export' -s F -l format -x -a 'reg ps1 cmd' -d 'script format'
complete -c hvreg -n '__fish_seen_subcommand_from export' -s o -l output -r -F -d 'write the script to this file'
complete -c hvreg -n '__fish_seen_subcommand_from export; and test (__hvsock_nargs) -eq 1' -a 'add remove'
complete -c hvreg -n '__fish_seen_subcommand_from remove show; and test (__hvsock_nargs) -eq 1' -a '(__hvsock_services)'
