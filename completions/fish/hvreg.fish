# fish completion for hvreg (hvsock-tools); see hvreg(8) and hvsock(7).

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
complete -c hvreg -n '__fish_seen_subcommand_from add remove export' -s f -l force -d 'replace a name; touch built-in entries'
complete -c hvreg -n '__fish_seen_subcommand_from add remove show export' -s p -l port -x -d 'the template GUID of this vsock port'
complete -c hvreg -n '__fish_seen_subcommand_from export' -s F -l format -x -a 'reg ps1 cmd' -d 'script format'
complete -c hvreg -n '__fish_seen_subcommand_from export' -s o -l output -r -F -d 'write the script to this file'
complete -c hvreg -n '__fish_seen_subcommand_from export; and test (__hvsock_nargs) -eq 1' -a 'add remove'
complete -c hvreg -n '__fish_seen_subcommand_from remove show; and test (__hvsock_nargs) -eq 1' -a '(__hvsock_services)'
