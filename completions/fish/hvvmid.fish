# fish completion for hvvmid (hvsock-tools); see hvvmid(1) and hvsock(7).

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
