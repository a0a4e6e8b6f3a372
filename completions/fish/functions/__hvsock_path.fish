# __hvsock_path: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
# -U PATH or --npipe NAME on the line: they take the place of the operands.
function __hvsock_path
    string match -q -r -- '^(-U.*|--unix(=.*)?|--npipe(=.*)?)$' (commandline -opc)
end
