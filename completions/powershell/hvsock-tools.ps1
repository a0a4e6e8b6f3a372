# hvsock-tools.ps1: Tab completion in PowerShell (5.1 and 7) for hvcat,
# hvlisten, hvreg and hvvmid: options, hvreg commands, VM keywords, and live
# values (VM names from `hvvmid --list`, registered services from
# `hvreg list`) where those commands answer; an error leaves them out.
#
# Load it from your profile (notepad $PROFILE), for example:
#   . "$env:ProgramFiles\hvsock-tools\share\powershell\hvsock-tools.ps1"

$hvsockCompletion = @{
    # The VM-id keywords of hv_keywords[] in lib/keywords.c (see hvsock(7)).
    Keywords = @(
        @{ Keyword = 'any'; Help = 'alias of wildcard' }
        @{ Keyword = 'broadcast'; Help = 'all partitions' }
        @{ Keyword = 'children'; Help = 'the VMs of this host (listen)' }
        @{ Keyword = 'host'; Help = 'alias of parent' }
        @{ Keyword = 'local'; Help = 'alias of loopback' }
        @{ Keyword = 'loopback'; Help = 'this partition itself' }
        @{ Keyword = 'parent'; Help = 'the host of this VM' }
        @{ Keyword = 'silohost'; Help = "a hosted silo's host" }
        @{ Keyword = 'wildcard'; Help = 'every partition (listen)' }
    )
    # hvreg's commands.
    Commands = @(
        @{ Subcommand = 'list'; Help = 'list registered services' }
        @{ Subcommand = 'add'; Help = 'register a service' }
        @{ Subcommand = 'remove'; Help = 'remove a registration' }
        @{ Subcommand = 'show'; Help = 'show one registration' }
        @{ Subcommand = 'export'; Help = 'write a .reg, .ps1 or .cmd script' }
    )
    # Every option of every tool; Cmd is the hvreg command it goes with
    # ('' for options before the command). Arg names what follows it.
    Options = @(
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-d'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--recv-only'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--no-stdin'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--send-only'; Arg = ''; Help = 'do not read the connection (send only)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-e'; Arg = 'command'; Help = 'run CMD on the connection' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--exec'; Arg = 'command'; Help = 'run CMD on the connection' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-i'; Arg = 'seconds'; Help = 'end (exit 75) after SECS without data' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--fdpass'; Arg = ''; Help = 'pass the connection to stdout (a unix socket) and exit' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--idle-timeout'; Arg = 'seconds'; Help = 'end (exit 75) after SECS without data' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--keep-alive-on-pause'; Arg = ''; Help = 'keep the connection while the VM is paused (Hyper-V)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--no-hints'; Arg = ''; Help = 'print no hints under an error' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--no-shutdown'; Arg = ''; Help = 'do not half-close after EOF on stdin' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-o'; Arg = 'file'; Help = 'write every byte relayed to FILE too' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--output'; Arg = 'file'; Help = 'write every byte relayed to FILE too' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-x'; Arg = 'file'; Help = 'write a hex dump of both ways to FILE' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--hex-dump'; Arg = 'file'; Help = 'write a hex dump of both ways to FILE' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--npipe'; Arg = 'pipe'; Help = 'connect to a Windows named pipe' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--progress'; Arg = ''; Help = 'show bytes, rate and time on stderr' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--pty'; Arg = ''; Help = 'run CMD of -e on a new pseudo-terminal' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--pty-term'; Arg = 'term'; Help = 'TERM for CMD of --pty' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--pty-size'; Arg = 'size'; Help = 'the pseudo-terminal size, COLSxROWS' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--term-control'; Arg = ''; Help = 'the terminal control protocol: window size, remote status' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--raw'; Arg = ''; Help = 'the terminal raw while connected; ~. disconnects' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--escape'; Arg = 'char'; Help = 'the escape character of --raw, or none' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-q'; Arg = 'seconds'; Help = 'after EOF on stdin wait at most SECS for the peer' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--quit-after'; Arg = 'seconds'; Help = 'after EOF on stdin wait at most SECS for the peer' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-t'; Arg = ''; Help = 'use TCP: HOST PORT' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--tcp'; Arg = ''; Help = 'use TCP: HOST PORT' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-U'; Arg = 'file'; Help = 'connect to a unix domain socket' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--unix'; Arg = 'file'; Help = 'connect to a unix domain socket' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--hybrid'; Arg = 'file'; Help = 'hybrid vsock: the VMM socket (then the guest PORT)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-v'; Arg = ''; Help = 'report the connection on stderr' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--verbose'; Arg = ''; Help = 'report the connection on stderr' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-w'; Arg = 'seconds'; Help = 'connect timeout in seconds (1-300)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--timeout'; Arg = 'seconds'; Help = 'connect timeout in seconds (1-300)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--wait'; Arg = 'seconds'; Help = 'retry a refused or unreachable connect for SECS' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--wait-stdin'; Arg = ''; Help = 'after EOF from the peer, send stdin to its end however long it idles' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-z'; Arg = ''; Help = 'only check whether something listens' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--zero'; Arg = ''; Help = 'only check whether something listens' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-h'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--help'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-V'; Arg = ''; Help = 'print the version and exit' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--version'; Arg = ''; Help = 'print the version and exit' }

        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--allow'; Arg = 'rule'; Help = 'accept only peers matching ID' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--deny'; Arg = 'rule'; Help = 'refuse peers matching ID' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-d'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--recv-only'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--no-stdin'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--send-only'; Arg = ''; Help = 'do not read the connection (send only)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-e'; Arg = 'command'; Help = 'run CMD for each connection' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--exec'; Arg = 'command'; Help = 'run CMD for each connection' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-i'; Arg = 'seconds'; Help = 'end a session (exit 75) after SECS without data' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--idle-timeout'; Arg = 'seconds'; Help = 'end a session (exit 75) after SECS without data' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--install-service'; Arg = 'name'; Help = 'create the Windows service NAME running hvlisten with these options' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-k'; Arg = ''; Help = 'accept the next connection (-e/--to: many at once)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--keep-open'; Arg = ''; Help = 'accept the next connection (-e/--to: many at once)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--keep-alive-on-pause'; Arg = ''; Help = 'keep connections while the VM is paused (Hyper-V)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--log'; Arg = 'file'; Help = 'append each event with its time to FILE' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--log-format'; Arg = 'logformat'; Help = "the log's format: text or json" }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--syslog'; Arg = ''; Help = 'send each event to the system log' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--max-conns'; Arg = 'count'; Help = 'with -e or --to, at most N at once (default 100)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--drain'; Arg = 'seconds'; Help = 'with -e or --to, on a stop let open connections finish for SECS' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--no-hints'; Arg = ''; Help = 'print no hints or warnings about the address' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--no-shutdown'; Arg = ''; Help = 'do not half-close after EOF on stdin' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-o'; Arg = 'file'; Help = 'write every byte relayed to FILE too' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--output'; Arg = 'file'; Help = 'write every byte relayed to FILE too' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-x'; Arg = 'file'; Help = 'write a hex dump of both ways to FILE' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--hex-dump'; Arg = 'file'; Help = 'write a hex dump of both ways to FILE' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--npipe'; Arg = 'pipe'; Help = 'listen on a Windows named pipe' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--progress'; Arg = ''; Help = 'show bytes, rate and time on stderr' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--pty'; Arg = ''; Help = 'run CMD of -e on a new pseudo-terminal' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--pty-term'; Arg = 'term'; Help = 'TERM for CMD of --pty' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--pty-size'; Arg = 'size'; Help = 'the pseudo-terminal size, COLSxROWS' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--term-control'; Arg = ''; Help = 'the terminal control protocol: client window size, status' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-q'; Arg = 'seconds'; Help = 'after EOF wait at most SECS for the peer' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--quit-after'; Arg = 'seconds'; Help = 'after EOF wait at most SECS for the peer' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--ready'; Arg = ''; Help = "wait for a guest's READY=1, print its STATUS= lines" }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--remove-service'; Arg = 'winservice'; Help = 'stop and delete the Windows service NAME' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--service'; Arg = 'winservice'; Help = 'run as the Windows service NAME (the service control manager starts it so)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--systemd'; Arg = ''; Help = 'serve the listening socket systemd passed (socket activation)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-t'; Arg = ''; Help = 'use TCP: [ADDRESS] PORT' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--tcp'; Arg = ''; Help = 'use TCP: [ADDRESS] PORT' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--to'; Arg = 'address'; Help = 'relay each connection to ADDRESS' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-U'; Arg = 'file'; Help = 'listen on a unix domain socket' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--unix'; Arg = 'file'; Help = 'listen on a unix domain socket' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--hybrid'; Arg = 'file'; Help = 'hybrid vsock: listen on PATH_PORT for the VMM guest' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--unix-mode'; Arg = 'mode'; Help = 'permissions of the socket file (octal, e.g. 600)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--pipe-access'; Arg = 'who'; Help = 'who may open the pipe: everyone or SDDL' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-v'; Arg = ''; Help = 'report listening and connections on stderr' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--verbose'; Arg = ''; Help = 'report listening and connections on stderr' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-w'; Arg = 'seconds'; Help = 'with --to, connect timeout; with --ready, the wait (1-300 s)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--timeout'; Arg = 'seconds'; Help = 'with --to, connect timeout; with --ready, the wait (1-300 s)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--wait-stdin'; Arg = ''; Help = 'after EOF from the peer, send stdin to its end however long it idles' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-h'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--help'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-V'; Arg = ''; Help = 'print the version and exit' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--version'; Arg = ''; Help = 'print the version and exit' }

        @{ Tool = 'hvvmid'; Cmd = ''; Name = '-k'; Arg = ''; Help = 'list the VM-id keywords' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--list-keywords'; Arg = ''; Help = 'list the VM-id keywords' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '-l'; Arg = ''; Help = 'list the VMs of this Windows host' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--list'; Arg = ''; Help = 'list the VMs of this Windows host' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '-s'; Arg = ''; Help = 'the id of the VM this system runs in' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--self'; Arg = ''; Help = 'the id of the VM this system runs in' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--wsl'; Arg = ''; Help = 'the id of the running WSL2 VM' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--kvp-file'; Arg = 'file'; Help = 'with --self: read this KVP pool file' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '-j'; Arg = ''; Help = 'JSON output for -k, -l and -s' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--json'; Arg = ''; Help = 'JSON output for -k, -l and -s' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '-v'; Arg = ''; Help = 'more detail' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--verbose'; Arg = ''; Help = 'more detail' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '-h'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--help'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '-V'; Arg = ''; Help = 'print the version and exit' }
        @{ Tool = 'hvvmid'; Cmd = ''; Name = '--version'; Arg = ''; Help = 'print the version and exit' }

        @{ Tool = 'hvreg'; Cmd = ''; Name = '-h'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvreg'; Cmd = ''; Name = '--help'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvreg'; Cmd = ''; Name = '-V'; Arg = ''; Help = 'print the version and exit' }
        @{ Tool = 'hvreg'; Cmd = ''; Name = '--version'; Arg = ''; Help = 'print the version and exit' }
        @{ Tool = 'hvreg'; Cmd = 'list'; Name = '-j'; Arg = ''; Help = 'JSON output' }
        @{ Tool = 'hvreg'; Cmd = 'list'; Name = '--json'; Arg = ''; Help = 'JSON output' }
        @{ Tool = 'hvreg'; Cmd = 'show'; Name = '-j'; Arg = ''; Help = 'JSON output' }
        @{ Tool = 'hvreg'; Cmd = 'show'; Name = '--json'; Arg = ''; Help = 'JSON output' }
        @{ Tool = 'hvreg'; Cmd = 'show'; Name = '-p'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'show'; Name = '--port'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'add'; Name = '-f'; Arg = ''; Help = 'replace the name of a GUID registered under another name' }
        @{ Tool = 'hvreg'; Cmd = 'add'; Name = '--force'; Arg = ''; Help = 'replace the name of a GUID registered under another name' }
        @{ Tool = 'hvreg'; Cmd = 'add'; Name = '-p'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'add'; Name = '--port'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'remove'; Name = '-f'; Arg = ''; Help = 'remove a built-in entry' }
        @{ Tool = 'hvreg'; Cmd = 'remove'; Name = '--force'; Arg = ''; Help = 'remove a built-in entry' }
        @{ Tool = 'hvreg'; Cmd = 'remove'; Name = '-p'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'remove'; Name = '--port'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '-F'; Arg = 'format'; Help = 'script format: reg, ps1 or cmd' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '--format'; Arg = 'format'; Help = 'script format: reg, ps1 or cmd' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '-f'; Arg = ''; Help = 'write a script that touches a built-in entry' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '--force'; Arg = ''; Help = 'write a script that touches a built-in entry' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '-o'; Arg = 'file'; Help = 'write the script to this file' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '--output'; Arg = 'file'; Help = 'write the script to this file' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '-p'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '--port'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
    )
    Formats = @('reg', 'ps1', 'cmd')
    # The prefixes of a one-string address (hvlisten --to; see hvsock(7)).
    Prefixes = @(
        @{ Prefix = 'hv:'; Help = 'Hyper-V socket: hv:VM:SERVICE' }
        @{ Prefix = 'tcp:'; Help = 'TCP: tcp:HOST:PORT ([IPv6]:PORT)' }
        @{ Prefix = 'unix:'; Help = 'unix domain socket: unix:PATH' }
        @{ Prefix = 'npipe:'; Help = 'named pipe: npipe:NAME' }
        @{ Prefix = 'hybrid:'; Help = 'hybrid vsock: hybrid:PATH:PORT' }
        @{ Prefix = 'vsock:'; Help = 'vsock (Linux): vsock:CID:PORT' }
    )
    # Named pipes worth offering even when they do not exist yet.
    Pipes = @('openssh-ssh-agent', 'docker_engine')
    Cache = @{}
}

$hvsockCompleter = {
    param($wordToComplete, $commandAst, $cursorPosition)

    $data = $hvsockCompletion
    $elements = @($commandAst.CommandElements)
    $tool = [System.IO.Path]::GetFileNameWithoutExtension($elements[0].Extent.Text.Trim('"', "'"))
    $tool = $tool.ToLowerInvariant()

    # A completion with a quoted text where the value has blanks or quotes.
    function New-HvResult([string]$text, [string]$help, [string]$kind) {
        $insert = $text
        if ($text -match "[\s'`"`$``;,(){}@#|&<>]") {
            $insert = "'" + $text.Replace("'", "''") + "'"
        }
        if ([string]::IsNullOrEmpty($help)) { $help = $text }
        [System.Management.Automation.CompletionResult]::new($insert, $text, $kind, $help)
    }

    # Lines of a tool's output, or nothing when it is missing or fails.
    # Answers are kept for 30 seconds: asking WMI on every Tab is slow.
    function Get-HvLines([string]$command, [string[]]$arguments) {
        $key = "$command $arguments"
        $hit = $data.Cache[$key]
        if ($hit -and ((Get-Date) - $hit.Time).TotalSeconds -lt 30) { return $hit.Lines }
        $lines = @()
        if (Get-Command $command -CommandType Application -ErrorAction SilentlyContinue) {
            try {
                $out = & $command @arguments 2>$null
                if ($LASTEXITCODE -eq 0) { $lines = @($out) }
            } catch { }
        }
        $data.Cache[$key] = @{ Time = Get-Date; Lines = $lines }
        $lines
    }

    function Get-HvVms([string]$prefix) {
        foreach ($k in $data.Keywords) {
            if ($k.Keyword -like "$prefix*") { New-HvResult $k.Keyword $k.Help 'ParameterValue' }
        }
        # hvvmid --list: a header, then ID STATE OWNER TYPE NAME.
        foreach ($line in @(Get-HvLines 'hvvmid' @('--list') | Select-Object -Skip 1)) {
            if ($line -match '^\S+\s+\S+\s+\S+\s+\S+\s+(.+)$' -and $Matches[1] -like "$prefix*") {
                New-HvResult $Matches[1] 'VM' 'ParameterValue'
            }
        }
    }

    function Get-HvServices([string]$prefix) {
        # hvreg list: GUID PORT NAME.
        foreach ($line in @(Get-HvLines 'hvreg' @('list'))) {
            if ($line -match '^GUID\s') { continue }
            if ($line -match '^\S+\s+\S+\s+(.+)$' -and $Matches[1] -like "$prefix*") {
                New-HvResult $Matches[1] 'registered service' 'ParameterValue'
            }
        }
    }

    # Named pipes: the well-known ones, then those that exist now.
    function Get-HvPipes([string]$prefix) {
        $names = @($data.Pipes)
        try {
            $names += @([System.IO.Directory]::GetFiles('\\.\pipe\') |
                ForEach-Object { $_.Substring(9) })
        } catch { }
        $names | Select-Object -Unique | Where-Object { $_ -like "$prefix*" } |
            ForEach-Object { New-HvResult $_ 'named pipe' 'ParameterValue' }
    }

    # Files and folders for a path that starts with $prefix, with their
    # folder as typed; $before goes in front of each (unix: for --to).
    function Get-HvFiles([string]$prefix, [string]$before) {
        $dir = ''
        $cut = $prefix.LastIndexOfAny([char[]]@('\', '/'))
        if ($cut -ge 0) { $dir = $prefix.Substring(0, $cut + 1) }
        Get-ChildItem -Path "$prefix*" -ErrorAction SilentlyContinue |
            ForEach-Object { New-HvResult "$before$dir$($_.Name)" $_.FullName 'ProviderItem' }
    }

    # hvlisten --to: the prefix, then what follows it.
    function Get-HvAddress([string]$word) {
        if ($word -match '^unix:(.*)$') {
            Get-HvFiles $Matches[1] 'unix:'
        } elseif ($word -match '^npipe:(.*)$') {
            foreach ($r in @(Get-HvPipes $Matches[1])) {
                New-HvResult "npipe:$($r.ListItemText)" 'named pipe' 'ParameterValue'
            }
        } elseif ($word -match '^(hv|hvsock):([^:]*)$') {
            $p = $Matches[1]
            foreach ($r in @(Get-HvVms $Matches[2])) {
                New-HvResult "${p}:$($r.ListItemText):" $r.ToolTip 'ParameterValue'
            }
        } elseif ($word -notmatch ':') {
            $data.Prefixes | Where-Object { $_.Prefix -like "$word*" } |
                ForEach-Object { New-HvResult $_.Prefix $_.Help 'ParameterValue' }
        }
    }

    # The words before the one being completed: operands, the hvreg
    # command, -t, and whether the previous word wants an argument.
    $cmd = ''
    $operands = @()
    $tcp = $false
    $path = $false
    $prevArg = ''
    for ($i = 1; $i -lt $elements.Count; $i++) {
        $e = $elements[$i]
        if ($e.Extent.EndOffset -ge $cursorPosition) { break }
        $w = $e.Extent.Text
        if ($prevArg) { $prevArg = ''; continue }
        if ($w -like '-*') {
            $opt = $data.Options | Where-Object { $_.Tool -eq $tool -and $_.Name -ceq $w } | Select-Object -First 1
            if ($opt -and $opt.Arg) { $prevArg = $opt.Arg }
            if ($w -eq '--tcp' -or $w -cmatch '^-[a-zA-Z]*t[a-zA-Z]*$') { $tcp = $true }
            if ($w -cmatch '^(-U|--unix|--npipe)(=.*)?$') { $path = $true }
        } elseif ($tool -eq 'hvreg' -and -not $cmd) {
            $cmd = $w
        } else {
            $operands += $w
        }
    }

    if ($prevArg -eq 'format') {
        $data.Formats | Where-Object { $_ -like "$wordToComplete*" } |
            ForEach-Object { New-HvResult $_ 'script format' 'ParameterValue' }
        return
    }
    if ($prevArg -eq 'logformat') {
        @('text', 'json') | Where-Object { $_ -like "$wordToComplete*" } |
            ForEach-Object { New-HvResult $_ 'log format' 'ParameterValue' }
        return
    }
    if ($prevArg -eq 'file') {
        Get-HvFiles $wordToComplete ''
        return
    }
    if ($prevArg -eq 'pipe') {
        Get-HvPipes $wordToComplete
        return
    }
    if ($prevArg -eq 'winservice') {
        # the services hvlisten --install-service made (they run --service)
        Get-CimInstance Win32_Service -ErrorAction SilentlyContinue |
            Where-Object { $_.PathName -like '*hvlisten*--service*' -and $_.Name -like "$wordToComplete*" } |
            ForEach-Object { New-HvResult $_.Name $_.State 'ParameterValue' }
        return
    }
    if ($prevArg -eq 'address') {
        Get-HvAddress $wordToComplete
        return
    }
    if ($prevArg -eq 'rule') {
        # a VM for Hyper-V listeners; for pipes and unix sockets (--npipe,
        # -U) this user by name and by SID; addresses (-t) are typed
        if ($path) {
            $me = [System.Security.Principal.WindowsIdentity]::GetCurrent()
            @("user:$($me.Name)", "sid:$($me.User.Value)") |
                Where-Object { $_ -like "$wordToComplete*" } |
                ForEach-Object { New-HvResult $_ 'this user' 'ParameterValue' }
        } elseif (-not $tcp) { Get-HvVms $wordToComplete }
        return
    }
    if ($prevArg) { return }

    if ($wordToComplete -like '-*') {
        $data.Options |
            Where-Object { $_.Tool -eq $tool -and $_.Cmd -eq $cmd -and $_.Name -clike "$wordToComplete*" } |
            ForEach-Object { New-HvResult $_.Name $_.Help 'ParameterName' }
        return
    }

    # -U PATH and --npipe NAME take the place of the operands
    if ($path -and ($tool -eq 'hvcat' -or $tool -eq 'hvlisten')) { return }

    switch ($tool) {
        'hvcat' {
            if ($operands.Count -eq 0 -and -not $tcp) {
                Get-HvVms $wordToComplete
            } elseif ($operands.Count -eq 1 -and -not $tcp) {
                Get-HvServices $wordToComplete
            }
        }
        'hvlisten' {
            if ($operands.Count -eq 0 -and -not $tcp) {
                Get-HvVms $wordToComplete
                Get-HvServices $wordToComplete
            } elseif ($operands.Count -eq 1 -and -not $tcp) {
                Get-HvServices $wordToComplete
            }
        }
        'hvvmid' {
            if ($operands.Count -eq 0) { Get-HvVms $wordToComplete }
        }
        'hvreg' {
            if (-not $cmd) {
                $data.Commands | Where-Object { $_.Subcommand -like "$wordToComplete*" } |
                    ForEach-Object { New-HvResult $_.Subcommand $_.Help 'Command' }
            } elseif (($cmd -eq 'remove' -or $cmd -eq 'show') -and $operands.Count -eq 0) {
                Get-HvServices $wordToComplete
            } elseif ($cmd -eq 'export' -and $operands.Count -eq 0) {
                @('add', 'remove') | Where-Object { $_ -like "$wordToComplete*" } |
                    ForEach-Object { New-HvResult $_ "export: $_" 'ParameterValue' }
            }
        }
    }
}.GetNewClosure()

Register-ArgumentCompleter -Native -ScriptBlock $hvsockCompleter -CommandName @(
    'hvcat', 'hvcat.exe', 'hvlisten', 'hvlisten.exe',
    'hvreg', 'hvreg.exe', 'hvvmid', 'hvvmid.exe')
