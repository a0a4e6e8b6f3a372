# __hvsock_rules: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
# hvlisten --allow/--deny ID, in the listener's family: a user, uid:N,
# user:NAME or sid:SID (-U, --npipe), nothing to offer for TCP addresses (-t), else a VM.
function __hvsock_rules
    if __hvsock_path
        __fish_complete_users
        printf '%s\t%s\n' uid: 'a user id, uid:N (POSIX)' user: 'a user, user:NAME' sid: 'a Windows SID, sid:S-1-...'
    else if not __hvsock_tcp
        __hvsock_vms
    end
end
