# fish completion for hvlisten (hvsock-tools); see hvlisten(1) and hvsock(7).

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
