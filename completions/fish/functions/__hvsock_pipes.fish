# __hvsock_pipes: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
# Named pipes worth offering: the Windows OpenSSH agent's and Docker's.
function __hvsock_pipes
    printf '%s\t%s\n' openssh-ssh-agent 'the Windows OpenSSH agent' \
        docker_engine 'Docker Desktop'
end
