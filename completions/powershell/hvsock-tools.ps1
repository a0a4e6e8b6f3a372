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
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--no-stdin'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-e'; Arg = 'command'; Help = 'run CMD with the connection as stdin/stdout' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--exec'; Arg = 'command'; Help = 'run CMD with the connection as stdin/stdout' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--no-shutdown'; Arg = ''; Help = 'do not half-close after EOF on stdin' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-t'; Arg = ''; Help = 'use TCP: HOST PORT' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--tcp'; Arg = ''; Help = 'use TCP: HOST PORT' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-v'; Arg = ''; Help = 'report the connection on stderr' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--verbose'; Arg = ''; Help = 'report the connection on stderr' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-w'; Arg = 'seconds'; Help = 'connect timeout in seconds (1-300)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--timeout'; Arg = 'seconds'; Help = 'connect timeout in seconds (1-300)' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-h'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--help'; Arg = ''; Help = 'print help and exit' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '-V'; Arg = ''; Help = 'print the version and exit' }
        @{ Tool = 'hvcat'; Cmd = ''; Name = '--version'; Arg = ''; Help = 'print the version and exit' }

        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-d'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--no-stdin'; Arg = ''; Help = 'do not read stdin (receive only)' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-e'; Arg = 'command'; Help = 'run CMD for each connection, as its stdin/stdout' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--exec'; Arg = 'command'; Help = 'run CMD for each connection, as its stdin/stdout' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-k'; Arg = ''; Help = 'accept the next connection after one ends' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--keep-open'; Arg = ''; Help = 'accept the next connection after one ends' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--no-shutdown'; Arg = ''; Help = 'do not half-close after EOF on stdin' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-t'; Arg = ''; Help = 'use TCP: [ADDRESS] PORT' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--tcp'; Arg = ''; Help = 'use TCP: [ADDRESS] PORT' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '-v'; Arg = ''; Help = 'report listening and connections on stderr' }
        @{ Tool = 'hvlisten'; Cmd = ''; Name = '--verbose'; Arg = ''; Help = 'report listening and connections on stderr' }
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
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '-o'; Arg = 'file'; Help = 'write the script to this file' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '--output'; Arg = 'file'; Help = 'write the script to this file' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '-p'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
        @{ Tool = 'hvreg'; Cmd = 'export'; Name = '--port'; Arg = 'port'; Help = 'the template GUID of this vsock port' }
    )
    Formats = @('reg', 'ps1', 'cmd')
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

    # The words before the one being completed: operands, the hvreg
    # command, -t, and whether the previous word wants an argument.
    $cmd = ''
    $operands = @()
    $tcp = $false
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
    if ($prevArg -eq 'file') {
        Get-ChildItem -Path "$wordToComplete*" -ErrorAction SilentlyContinue |
            ForEach-Object { New-HvResult $_.Name $_.FullName 'ProviderItem' }
        return
    }
    if ($prevArg) { return }

    if ($wordToComplete -like '-*') {
        $data.Options |
            Where-Object { $_.Tool -eq $tool -and $_.Cmd -eq $cmd -and $_.Name -clike "$wordToComplete*" } |
            ForEach-Object { New-HvResult $_.Name $_.Help 'ParameterName' }
        return
    }

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
