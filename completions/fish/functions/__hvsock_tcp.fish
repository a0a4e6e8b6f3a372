# __hvsock_tcp: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
function __hvsock_tcp
    string match -q -r -- '^(--tcp|-[a-zA-Z]*t[a-zA-Z]*)$' (commandline -opc)
end
