# __hvsock_to: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
# hvlisten --to ADDRESS: the prefix, then what follows it (see hvsock(7)).
function __hvsock_to
    set -l cur (commandline -ct)
    switch $cur
        case 'unix:*'
            __fish_complete_path (string replace -r '^unix:' '' -- $cur) |
                string replace -r '^' 'unix:'
        case 'hybrid:*'
            __fish_complete_path (string replace -r '^hybrid:' '' -- $cur) |
                string replace -r '^' 'hybrid:'
        case 'npipe:*'
            __hvsock_pipes | string replace -r '^' 'npipe:'
        case 'hv:*:*' 'hvsock:*:*' 'tcp:*:*' 'vsock:*'
        case 'hv:*' 'hvsock:*'
            set -l p (string replace -r ':.*' ':' -- $cur)
            __hvsock_vms | string replace -r '^([^\t]*)' "$p\$1:"
        case 'tcp:*'
            __fish_print_hostnames | string replace -r '^(.*)$' 'tcp:$1:'
        case '*'
            printf '%s\t%s\n' hv: 'Hyper-V socket (vsock on Linux), hv:VM:SERVICE' \
                vsock: 'vsock, vsock:CID:PORT' tcp: 'TCP, tcp:HOST:PORT' \
                unix: 'unix domain socket, unix:PATH' npipe: 'Windows named pipe, npipe:NAME' \
                hybrid: 'hybrid vsock, hybrid:PATH:PORT'
    end
end
