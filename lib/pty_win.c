/* pty_win.c: a command on a pseudo console (-e --pty) on Windows: the
 * command's pipes as hv_spawn makes them, handed to CreatePseudoConsole
 * (Windows 10 1809 and later: looked up at run time, so that an older
 * system gets "not supported" instead of a program that will not load),
 * and the command started in it (PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE).
 * The console keeps its output pipe open after the command has ended; a
 * wait on the process closes the console then, which ends that pipe once
 * the console has written out what it holds ("ClosePseudoConsole",
 * Remarks), so that the relay sees the terminal's end as on POSIX. */
#include <stdlib.h>
#include <string.h>

#include "platform_win.h"

#ifndef PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE
#define PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE 0x00020016
#endif

typedef void *hv_hpcon; /* HPCON, which older headers lack */
typedef HRESULT(WINAPI *create_fn)(COORD, HANDLE, HANDLE, DWORD, hv_hpcon *);
typedef void(WINAPI *close_fn)(hv_hpcon);

/* The console of one command, closed once the command has ended. */
struct pcon {
    hv_hpcon pc;
    close_fn close;
    HANDLE wait;
};

/* Runs in a thread-pool thread (WT_EXECUTELONGFUNCTION: closing waits
 * until the console's last output is read by the relay). */
static VOID CALLBACK command_ended(PVOID ctx, BOOLEAN timed_out)
{
    struct pcon *pc = ctx;
    (void)timed_out;
    pc->close(pc->pc);
    /* the non-blocking form, allowed inside the wait's own callback */
    (void)UnregisterWait(pc->wait);
    free(pc);
}

static int console_start(struct hv__spawn_parts *p, create_fn create,
                         const struct hv_pty_opts *po, hv_hpcon *pc)
{
    COORD size;
    HRESULT hr;

    size.X = (SHORT)(po->cols > 32767 ? 32767 : po->cols);
    size.Y = (SHORT)(po->rows > 32767 ? 32767 : po->rows);
    hr = create(size, p->in_theirs, p->out_theirs, 0, pc);
    if (FAILED(hr))
        return hv__err_from_os((long)(hr & 0xFFFF));
    /* the console has its own copies */
    CloseHandle(p->in_theirs);
    CloseHandle(p->out_theirs);
    p->in_theirs = p->out_theirs = NULL;
    return 0;
}

static int start_in(struct hv__spawn_parts *p, hv_hpcon pc, HANDLE *proc)
{
    STARTUPINFOEXW si;
    PROCESS_INFORMATION pi;
    SIZE_T asize = 0;
    int r = 0;

    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si;
    /* no standard handles of ours: without this flag CreateProcess copies
     * redirected ones (ours are, in a service) into the command, which
     * then writes past its console; with the flag and no handles, the
     * command's standard handles are the console's own, made from the
     * attribute */
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    (void)InitializeProcThreadAttributeList(NULL, 1, 0, &asize);
    if ((si.lpAttributeList = malloc(asize)) == NULL)
        return HV_ENOMEM;
    if (!InitializeProcThreadAttributeList(si.lpAttributeList, 1, 0,
                                           &asize)) {
        free(si.lpAttributeList);
        return hv__err_from_os((long)GetLastError());
    }
    if (!UpdateProcThreadAttribute(si.lpAttributeList, 0,
                                   PROC_THREAD_ATTRIBUTE_PSEUDOCONSOLE, pc,
                                   sizeof pc, NULL, NULL) ||
        !CreateProcessW(p->shell, p->line, NULL, NULL, FALSE,
                        EXTENDED_STARTUPINFO_PRESENT |
                            CREATE_UNICODE_ENVIRONMENT,
                        p->env, NULL, &si.StartupInfo, &pi))
        r = hv__err_from_os((long)GetLastError());
    DeleteProcThreadAttributeList(si.lpAttributeList);
    free(si.lpAttributeList);
    if (r == 0) {
        CloseHandle(pi.hThread);
        *proc = pi.hProcess;
    }
    return r;
}

int hv_spawn_pty(const char *cmd, const char *const *env,
                 const struct hv_pty_opts *po, struct hv_child **out,
                 struct hv_stream **io)
{
    HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
    create_fn create = NULL;
    struct hv__spawn_parts p;
    struct pcon *pc;
    const char **all;
    char term[96];
    HANDLE proc = NULL;
    int r;

    *out = NULL;
    *io = NULL;
    if (cmd == NULL || *cmd == '\0' || po->term == NULL)
        return HV_EINVAL;
    if (po->control)
        return HV_ENOTSUP; /* the protocol's ends are POSIX only so far */
    if (k32 != NULL) {
        create = (create_fn)(void (*)(void))GetProcAddress(
            k32, "CreatePseudoConsole");
    }
    if (create == NULL || (pc = calloc(1, sizeof *pc)) == NULL)
        return create == NULL ? HV_ENOTSUP : HV_ENOMEM;
    pc->close = (close_fn)(void (*)(void))GetProcAddress(
        k32, "ClosePseudoConsole");
    all = hv__pty_env(env, po->term, term, sizeof term);
    r = all == NULL ? HV_ENOMEM : hv__spawn_parts(cmd, all, &p);
    free(all);
    if (r < 0) {
        free(pc);
        return r;
    }
    if (pc->close == NULL) {
        r = HV_ENOTSUP;
    } else if ((r = console_start(&p, create, po, &pc->pc)) == 0 &&
               (r = start_in(&p, pc->pc, &proc)) < 0) {
        pc->close(pc->pc);
    }
    if (r == 0 && (*out = hv__child_adopt(proc)) == NULL) {
        TerminateProcess(proc, 1);
        CloseHandle(proc);
        pc->close(pc->pc);
        r = HV_ENOMEM;
    }
    if (r < 0) {
        hv__spawn_parts_free(&p);
        free(pc);
        return r;
    }
    /* the process handle is the child's; the wait uses it while the child
     * lives (hv_child_free comes after the relay, which needs this end) */
    if (!RegisterWaitForSingleObject(&pc->wait, proc, command_ended, pc,
                                     INFINITE,
                                     WT_EXECUTEONLYONCE |
                                         WT_EXECUTELONGFUNCTION)) {
        /* the console then ends with the relay's close of our pipes */
        pc->wait = NULL;
    }
    r = hv__stream_tty(p.out_ours, p.in_ours, io);
    p.out_ours = p.in_ours = NULL;
    hv__spawn_parts_free(&p);
    return r;
}
