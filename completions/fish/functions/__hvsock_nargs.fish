# __hvsock_nargs: shared by the hvsock-tools fish completions (autoloaded
# from vendor_functions.d).
# Operands before the cursor (option arguments are not operands).
function __hvsock_nargs
    set -l n 0
    set -l skip 0
    for w in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -e --exec -w --timeout --kvp-file -p --port -F --format -o --output \
                -i --idle-timeout -q --quit-after --wait -U --unix --unix-mode --npipe --hybrid \
                --to --pipe-access --max-conns --allow --deny
                set skip 1
            case '-*'
            case '*'
                set n (math $n + 1)
        end
    end
    echo $n
end
