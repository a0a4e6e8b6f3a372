# fish completion for hvcat (hvsock-tools); see hvcat(1) and hvsock(7).

complete -c hvcat -f
complete -c hvcat -s d -l no-stdin -d 'do not read stdin (receive only)'
complete -c hvcat -s e -l exec -x -a '(__fish_complete_command)' -d 'run CMD with the connection as stdin/stdout'
complete -c hvcat -l no-shutdown -d 'do not half-close after EOF on stdin'
complete -c hvcat -s t -l tcp -d 'use TCP: HOST PORT'
complete -c hvcat -s v -l verbose -d 'report the connection on stderr'
complete -c hvcat -s w -l timeout -x -d 'connect timeout in seconds (1-300)'
complete -c hvcat -s h -l help -d 'print help and exit'
complete -c hvcat -s V -l version -d 'print the version and exit'
complete -c hvcat -n 'test (__hvsock_nargs) -eq 0; and not __hvsock_tcp' -a '(__hvsock_vms)'
complete -c hvcat -n 'test (__hvsock_nargs) -eq 0; and __hvsock_tcp' -a '(__fish_print_hostnames)'
complete -c hvcat -n 'test (__hvsock_nargs) -eq 1; and not __hvsock_tcp' -a '(__hvsock_services)'
