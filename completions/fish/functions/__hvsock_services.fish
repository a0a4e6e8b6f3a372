# __hvsock_services: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
# Registered service names from `hvreg list` (Windows); errors stay silent.
function __hvsock_services
    command -q hvreg; or return 0
    set -l out (hvreg list 2>/dev/null); or return 0
    for line in $out
        string match -q -r '^GUID\s' -- $line; and continue
        string replace -r '^\S+\s+\S+\s+' '' -- $line | string replace -r '$' '\tservice'
    end
end
