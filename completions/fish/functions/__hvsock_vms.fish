# __hvsock_vms: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
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
